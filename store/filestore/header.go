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
// and no leading zeros. The id is the file name without its prefix, and the
// crc is the CRC-32C, in 8 hex digits, of everything before it on the line
// followed by the user id and the data. The lengths make a file cut short
// (or a planted, renamed or overlong one) read as no session; the checksum
// also catches a file of the right length whose blocks did not all reach
// the disk before a power loss, which nothing else would (Config.Sync off).
const magic = "sessionkit/2 "

// maxUserID bounds Record.UserID in native mode.
const maxUserID = 1024

// idLen is the length of a native session id: a hex SHA-256.
const idLen = 64

// headerMax is the longest possible header line.
const headerMax = len(magic) + 19 + 1 + 4 + 1 + 10 + 1 + idLen + 1 + 8 + 1

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
	crc := crc32.Update(crc32.Update(0, castagnoli, b[start:at]), castagnoli, b[at+9:])
	for i := 7; i >= 0; i-- {
		b[at+i] = "0123456789abcdef"[crc&0xf]
		crc >>= 4
	}
	return b
}

// parseHeader parses and checks a native file's whole content. It never
// panics, whatever the input.
func parseHeader(b []byte) (header, error) {
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		return header{}, fmt.Errorf("no sessionkit/2 header in %d bytes", len(b))
	}
	rest := b[len(magic):]
	exp, rest, err := number(rest, 19)
	if err != nil {
		return header{}, fmt.Errorf("bad expiry: %w", err)
	}
	ulen, rest, err := number(rest, 4)
	if err == nil && ulen > maxUserID {
		err = fmt.Errorf("%d over the limit of %d", ulen, maxUserID)
	}
	if err != nil {
		return header{}, fmt.Errorf("bad user id length: %w", err)
	}
	dlen, rest, err := number(rest, 10)
	if err != nil {
		return header{}, fmt.Errorf("bad data length: %w", err)
	}
	if len(rest) < idLen+1+8+1 || rest[idLen] != ' ' || rest[idLen+1+8] != '\n' || !isHexHash(string(rest[:idLen])) {
		return header{}, errors.New("bad session id or checksum")
	}
	var sum uint32
	for _, c := range rest[idLen+1 : idLen+1+8] {
		switch {
		case '0' <= c && c <= '9':
			sum = sum<<4 | uint32(c-'0')
		case 'a' <= c && c <= 'f':
			sum = sum<<4 | uint32(c-'a'+10)
		default:
			return header{}, errors.New("bad checksum")
		}
	}
	covered := len(b) - len(rest) + idLen + 1 // everything before the checksum
	body := rest[idLen+1+8+1:]
	if int64(len(body)) != ulen+dlen {
		return header{}, fmt.Errorf("truncated or overlong: the header declares %d bytes, the file has %d", ulen+dlen, len(body))
	}
	if crc32.Update(crc32.Update(0, castagnoli, b[:covered]), castagnoli, body) != sum {
		return header{}, errors.New("checksum mismatch")
	}
	return header{expiry: time.Unix(0, exp), userID: string(body[:ulen]), id: string(rest[:idLen]), data: body[ulen:]}, nil
}

// number parses the decimal digits before the first space in b, at most
// max of them, and returns the value and what follows the space.
func number(b []byte, max int) (int64, []byte, error) {
	i := 0
	for i < len(b) && i <= max && b[i] != ' ' {
		if b[i] < '0' || b[i] > '9' {
			return 0, nil, fmt.Errorf("unexpected byte %q", b[i])
		}
		i++
	}
	switch {
	case i == 0 || i > max || i == len(b):
		return 0, nil, errors.New("missing, overlong or unterminated number")
	case b[0] == '0' && i > 1:
		return 0, nil, errors.New("leading zero")
	}
	v, err := strconv.ParseInt(string(b[:i]), 10, 64)
	return v, b[i+1:], err
}

func isHexHash(s string) bool {
	if len(s) != idLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
