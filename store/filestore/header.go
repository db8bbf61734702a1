package filestore

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// The native file header is one line of text, readable with any pager:
//
//	sessionkit/1 <expiry, Unix nanoseconds> <length of the user id>\n
//
// followed by the user id and then the data. Numbers are plain decimal
// with no sign and no leading zeros.
const magic = "sessionkit/1 "

// maxUserID bounds Record.UserID in native mode, so that a header can be
// read with one small, bounded read.
const maxUserID = 1024

// headerMax is the longest possible header line: the magic, 19 digits of
// expiry, a space, 4 digits of length and the newline.
const headerMax = len(magic) + 19 + 1 + 4 + 1

// header is a parsed native file.
type header struct {
	expiry time.Time
	userID string
	data   []byte
}

// appendHeader appends the header line and the user id to b.
func appendHeader(b []byte, expiry time.Time, userID string) []byte {
	b = append(b, magic...)
	b = strconv.AppendInt(b, expiry.UnixNano(), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(userID)), 10)
	b = append(b, '\n')
	return append(b, userID...)
}

// parseHeader parses a native file's content. It never panics, whatever
// the input.
func parseHeader(b []byte) (header, error) {
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		return header{}, errors.New("no sessionkit/1 header")
	}
	rest := b[len(magic):]
	exp, rest, err := number(rest, ' ', 19)
	if err != nil {
		return header{}, fmt.Errorf("bad expiry: %w", err)
	}
	n, rest, err := number(rest, '\n', 4)
	if err != nil {
		return header{}, fmt.Errorf("bad user id length: %w", err)
	}
	if n > maxUserID {
		return header{}, fmt.Errorf("user id length %d over the limit of %d", n, maxUserID)
	}
	if int64(len(rest)) < n {
		return header{}, fmt.Errorf("user id truncated: want %d bytes, have %d", n, len(rest))
	}
	return header{
		expiry: time.Unix(0, exp),
		userID: string(rest[:n]),
		data:   rest[n:],
	}, nil
}

// number parses the decimal digits before the first end byte in b, at most
// max of them, and returns the value and what follows end.
func number(b []byte, end byte, max int) (int64, []byte, error) {
	i := 0
	for i < len(b) && i <= max && b[i] != end {
		if b[i] < '0' || b[i] > '9' {
			return 0, nil, fmt.Errorf("unexpected byte %q", b[i])
		}
		i++
	}
	switch {
	case i == 0:
		return 0, nil, errors.New("missing number")
	case i > max:
		return 0, nil, fmt.Errorf("more than %d digits", max)
	case i == len(b):
		return 0, nil, errors.New("truncated")
	case b[0] == '0' && i > 1:
		return 0, nil, errors.New("leading zero")
	}
	v, err := strconv.ParseInt(string(b[:i]), 10, 64)
	if err != nil {
		return 0, nil, err
	}
	return v, b[i+1:], nil
}

// readHeader reads and parses the header of a native file from r, reading
// no more than the longest header and user id.
func readHeader(r io.Reader) (header, error) {
	var buf [headerMax + maxUserID]byte
	n, err := io.ReadFull(r, buf[:])
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return header{}, err
	}
	h, err := parseHeader(buf[:n])
	h.data = nil // only part of it was read
	return h, err
}
