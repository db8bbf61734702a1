package fastzlib_test

import (
	"bytes"
	"compress/zlib"
	"io"
	"testing"

	"github.com/sessionkit/sessionkit/internal/fastzlib"
)

// BenchmarkDecompress compares AppendDecompressed with compress/zlib's
// reader (reused with Reset, as the signing package keeps one) on the
// 700-byte session as fastzlib writes it, decoded on the fast path, and as
// zlib at level 6 (Django's) writes it, where AppendDecompressed falls
// back to compress/zlib.
func BenchmarkDecompress(b *testing.B) {
	for _, c := range []struct {
		name string
		src  []byte
		z    []byte
	}{
		{"json700/fastzlib", json700, fastzlib.Append(nil, json700)},
		{"json700/level6", json700, zlibCompress(b, json700, zlib.DefaultCompression)},
		{"json4K/fastzlib", json4K, fastzlib.Append(nil, json4K)},
		{"json4K/level6", json4K, zlibCompress(b, json4K, zlib.DefaultCompression)},
	} {
		b.Run(c.name+"/AppendDecompressed", func(b *testing.B) {
			out := make([]byte, 0, len(c.src))
			b.SetBytes(int64(len(c.src)))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				out, err = fastzlib.AppendDecompressed(out[:0], c.z, 1<<20)
				if err != nil || len(out) != len(c.src) {
					b.Fatalf("%d bytes, %v", len(out), err)
				}
			}
		})
		b.Run(c.name+"/zlib", func(b *testing.B) {
			src := bytes.NewReader(c.z)
			r, err := zlib.NewReader(src)
			if err != nil {
				b.Fatal(err)
			}
			out := make([]byte, 0, len(c.src)+1)
			b.SetBytes(int64(len(c.src)))
			b.ReportAllocs()
			for b.Loop() {
				src.Reset(c.z)
				if err := r.(zlib.Resetter).Reset(src, nil); err != nil {
					b.Fatal(err)
				}
				out = out[:0]
				for {
					n, err := r.Read(out[len(out):cap(out)])
					out = out[:len(out)+n]
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				if len(out) != len(c.src) {
					b.Fatalf("%d bytes", len(out))
				}
			}
		})
	}
}
