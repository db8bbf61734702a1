package filestore

import (
	"bytes"
	"testing"
	"time"
)

// FuzzFileLoad feeds arbitrary file content to the native header parser
// that Load and the directory scans use. It must not panic; a header that
// parses must be the one canonical encoding of what it decodes to; and the
// bounded reader used by scans must agree with the parser.
func FuzzFileLoad(f *testing.F) {
	exp := time.Unix(1700000000, 500)
	f.Add(append(appendHeader(nil, exp, "42"), `{"a":1}`...))
	f.Add(appendHeader(nil, exp, ""))
	f.Add([]byte("sessionkit/1 0 0\n"))
	f.Add([]byte("sessionkit/1 9223372036854775807 1024\n"))
	f.Add([]byte("sessionkit/1 9223372036854775808 0\n{}"))
	f.Add([]byte("sessionkit/1 01 0\n{}"))
	f.Add([]byte("sessionkit/1 1 -1\n{}"))
	f.Add([]byte("sessionkit/1 1 3\nab"))
	f.Add([]byte("sessionkit/1 1 0"))
	f.Add([]byte("eyJmb28iOiJiYXIifQ:1r31eq:HpP88y98DOPZ44Om-HE6Y8Vqu2uG2I2igVzB_O06hEg"))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, content []byte) {
		h, err := parseHeader(content)
		if err == nil {
			again := append(appendHeader(nil, h.expiry, h.userID), h.data...)
			if !bytes.Equal(again, content) {
				t.Fatalf("parseHeader(%q) = %v %q %q, which encodes back as %q", content, h.expiry, h.userID, h.data, again)
			}
		}
		if rh, rerr := readHeader(bytes.NewReader(content)); (rerr == nil) != (err == nil) || rh.expiry != h.expiry || rh.userID != h.userID {
			t.Fatalf("readHeader(%q) = %v, %v; parseHeader gave %v, %v", content, rh, rerr, h, err)
		}

	})
}
