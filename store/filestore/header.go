package filestore

import (
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"time"
)

// A native file is one header line, readable with any pager, followed by
// the user id and the data:
//
//	sessionkit/2 <expiry> <user id length> <data length> <id> <crc>\n<user id><data>
//
// The expiry is in Unix nanoseconds; numbers are plain decimal with no sign
// and no leading zeros. The id is the session's id (the file name without
// its prefix) and the crc is the CRC-32C, in 8 hex digits, of everything
// before it on the line followed by the user id and the data.
//
// The id, the lengths and the checksum let a reader tell a file that is
// complete and its own from anything else: a file truncated by a crash, or
// a spare file being refilled with another session under a reader that
// opened it while it still had this session's name (see spare.go).
const magic = "sessionkit/2 "

// maxUserID bounds Record.UserID in native mode.
const maxUserID = 1024

// idLen is the length of a native session id: a hex SHA-256.
const idLen = 64

// headerMax is the longest possible header line: the magic, 19 digits of
// expiry, 4 of user id length, 10 of data length, the id, the checksum,
// four spaces and the newline.
const headerMax = len(magic) + 19 + 1 + 4 + 1 + 10 + 1 + idLen + 1 + 8 + 1

// maxData bounds the data length a header may declare (10 digits).
const maxData = 1<<31 - 1

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// header is a parsed native file.
type header struct {
	expiry time.Time
	userID string
	id     string
	data   []byte
}

// appendFile appends a native file's whole content to b.
func appendFile(b []byte, expiry time.Time, userID, id string, data []byte) []byte {
	start := len(b)
	b = append(b, magic...)
	b = strconv.AppendInt(b, expiry.UnixNano(), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(userID)), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(data)), 10)
	b = append(b, ' ')
	b = append(b, id...)
	b = append(b, ' ')
	at := len(b)
	b = append(b, "00000000\n"...)
	b = append(b, userID...)
	b = append(b, data...)
	crc := crc32.Update(0, castagnoli, b[start:at])
	crc = crc32.Update(crc, castagnoli, b[at+9:])
	for i := 7; i >= 0; i-- {
		b[at+i] = hexDigits[crc&0xf]
		crc >>= 4
	}
	return b
}

const hexDigits = "0123456789abcdef"

// parseHeader parses and checks a native file's whole content. It never
// panics, whatever the input.
func parseHeader(b []byte) (header, error) {
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		if len(b) == 0 {
			return header{}, errors.New("empty file")
		}
		return header{}, errors.New("no sessionkit/2 header")
	}
	rest := b[len(magic):]
	exp, rest, err := number(rest, ' ', 19)
	if err != nil {
		return header{}, fmt.Errorf("bad expiry: %w", err)
	}
	ulen, rest, err := number(rest, ' ', 4)
	if err != nil {
		return header{}, fmt.Errorf("bad user id length: %w", err)
	}
	if ulen > maxUserID {
		return header{}, fmt.Errorf("user id length %d over the limit of %d", ulen, maxUserID)
	}
	dlen, rest, err := number(rest, ' ', 10)
	if err != nil {
		return header{}, fmt.Errorf("bad data length: %w", err)
	}
	if dlen > maxData {
		return header{}, fmt.Errorf("data length %d over the limit of %d", dlen, maxData)
	}
	if len(rest) < idLen+1+8+1 || rest[idLen] != ' ' || rest[idLen+1+8] != '\n' {
		return header{}, errors.New("bad session id or checksum")
	}
	id := string(rest[:idLen])
	if !isHexHash(id) {
		return header{}, errors.New("bad session id")
	}
	sum, ok := parseHex32(rest[idLen+1 : idLen+1+8])
	if !ok {
		return header{}, errors.New("bad checksum")
	}
	covered := len(b) - len(rest) + idLen + 1 // everything before the checksum
	body := rest[idLen+1+8+1:]
	if int64(len(body)) != ulen+dlen {
		return header{}, fmt.Errorf("truncated or overlong: the header declares %d bytes, the file has %d", ulen+dlen, len(body))
	}
	crc := crc32.Update(0, castagnoli, b[:covered])
	if crc32.Update(crc, castagnoli, body) != sum {
		return header{}, errors.New("checksum mismatch")
	}
	return header{
		expiry: time.Unix(0, exp),
		userID: string(body[:ulen]),
		id:     id,
		data:   body[ulen:],
	}, nil
}

func parseHex32(b []byte) (uint32, bool) {
	var v uint32
	for _, c := range b {
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | uint32(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | uint32(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
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
