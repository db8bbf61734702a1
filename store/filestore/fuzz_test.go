package filestore

import (
	"bytes"
	"testing"
	"time"
)

// FuzzFileLoad feeds arbitrary file content to the native file parser that
// Load and the directory scans use. It must not panic, and a file that
// parses must be the one canonical encoding of what it decodes to: any
// other byte string, such as a torn or truncated file, is rejected.
func FuzzFileLoad(f *testing.F) {
	exp := time.Unix(1700000000, 500)
	id := "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	valid := appendFile(nil, exp, "42", id, []byte(`{"a":1}`))
	f.Add(valid)
	f.Add(valid[:len(valid)-1])
	f.Add(append(valid[:len(valid):len(valid)], '}'))
	f.Add(appendFile(nil, exp, "", id, nil))
	f.Add(appendFile(nil, time.Unix(0, 1<<63-1), string(make([]byte, maxUserID)), id, []byte("{}")))
	f.Add([]byte("sessionkit/2 9223372036854775808 0 2 " + id + " 00000000\n{}"))
	f.Add([]byte("sessionkit/2 01 0 2 " + id + " 00000000\n{}"))
	f.Add([]byte("sessionkit/2 1 -1 2 " + id + " 00000000\n{}"))
	f.Add([]byte("sessionkit/2 1 0 2 " + id + " 0000000g\n{}"))
	f.Add([]byte("sessionkit/1 1 0\n{}"))
	f.Add([]byte("eyJmb28iOiJiYXIifQ:1r31eq:HpP88y98DOPZ44Om-HE6Y8Vqu2uG2I2igVzB_O06hEg"))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, content []byte) {
		rec, id, err := parseHeader(content)
		if err != nil {
			return
		}
		again := appendFile(nil, rec.Expiry, rec.UserID, id, rec.Data)
		if !bytes.Equal(again, content) {
			t.Fatalf("parseHeader(%q) = %v %q %q %q, which encodes back as %q", content, rec.Expiry, rec.UserID, id, rec.Data, again)
		}
	})
}
