package filestore

import (
	"bytes"
	"errors"
	"hash/crc32"
	"strconv"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit"
)

// A native file is one header line, readable with any pager, followed by
// the user id and the data:
//
//	sessionkit/2 <expiry> <user id length> <data length> <id> <crc>\n<user id><data>
//
// The expiry is in Unix nanoseconds, the id is the file name without its
// prefix, and the crc is the CRC-32C (hex) of the rest of the line, the user
// id and the data. The lengths make a file cut short read as no session; the
// checksum catches one whose blocks did not all reach the disk in a crash.
const magic = "sessionkit/2 "
const maxUserID = 1024 // bounds Record.UserID in native mode

// appendFile appends a native file's whole content to b.
func appendFile(b []byte, expiry time.Time, userID, id string, data []byte) []byte {
	start := len(b)
	b = strconv.AppendInt(append(b, magic...), expiry.UnixNano(), 10)
	b = strconv.AppendInt(append(b, ' '), int64(len(userID)), 10)
	b = strconv.AppendInt(append(b, ' '), int64(len(data)), 10)
	b = append(append(append(b, ' '), id...), ' ')
	at := len(b)
	b = append(append(append(b, "00000000\n"...), userID...), data...)
	castagnoli := crc32.MakeTable(crc32.Castagnoli) // made once, by crc32
	crc := crc32.Update(crc32.Update(0, castagnoli, b[start:at]), castagnoli, b[at+9:])
	for i := 7; i >= 0; i, crc = i-1, crc>>4 {
		b[at+i] = "0123456789abcdef"[crc&0xf]
	}
	return b
}

// parseHeader returns the record and id in a native file's whole content,
// which must be exactly what appendFile makes of them: that checks it all.
func parseHeader(b []byte) (sessionkit.Record, string, error) {
	line, body, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Split(string(line), " ")
	if len(f) != 6 || f[0]+" " != magic || !isHexHash(f[4]) {
		return sessionkit.Record{}, "", errors.New("no sessionkit/2 header")
	}
	var n [3]int64
	for i := range n {
		v, err := strconv.ParseInt(f[i+1], 10, 64)
		if err != nil || v < 0 || i > 0 && v > int64(len(body)) {
			return sessionkit.Record{}, "", errors.New("bad number in the header")
		}
		n[i] = v
	}
	if n[1] > maxUserID || n[1]+n[2] != int64(len(body)) {
		return sessionkit.Record{}, "", errors.New("truncated or overlong")
	}
	rec := sessionkit.Record{Expiry: time.Unix(0, n[0]), UserID: string(body[:n[1]]), Data: body[n[1]:]}
	if !bytes.Equal(appendFile(make([]byte, 0, len(b)), rec.Expiry, rec.UserID, f[4], rec.Data), b) {
		return sessionkit.Record{}, "", errors.New("checksum mismatch or not in canonical form")
	}
	return rec, f[4], nil
}

func isHexHash(s string) bool { return len(s) == 64 && strings.Trim(s, "0123456789abcdef") == "" } // a native id
