package zlibenc_test

import (
	"bytes"
	"compress/zlib"
	"io"
	"testing"

	"github.com/sessionkit/sessionkit/internal/zlibenc"
)

func BenchmarkAppend(b *testing.B) {
	for _, p := range []struct {
		name string
		src  []byte
	}{{"json700", json700}, {"json4K", json4K}, {"text64K", text64K}} {
		b.Run(p.name+"/zlibenc", func(b *testing.B) {
			dst := make([]byte, 0, zlibenc.MaxLen(len(p.src)))
			b.SetBytes(int64(len(p.src)))
			b.ReportAllocs()
			for b.Loop() {
				dst = zlibenc.Append(dst[:0], p.src)
			}
			b.ReportMetric(float64(len(dst)), "out-bytes")
		})
		b.Run(p.name+"/zlib-BestSpeed", func(b *testing.B) {
			// A reused writer, as the signing package keeps one in a pool.
			var buf bytes.Buffer
			w, _ := zlib.NewWriterLevel(&buf, zlib.BestSpeed)
			b.SetBytes(int64(len(p.src)))
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				w.Reset(&buf)
				w.Write(p.src)
				w.Close()
			}
			b.ReportMetric(float64(buf.Len()), "out-bytes")
		})
	}

	// Decompressing what each writer produced for the 700-byte JSON.
	for _, c := range []struct {
		name string
		z    []byte
	}{
		{"zlibenc", zlibenc.Append(nil, json700)},
		{"zlib-BestSpeed", zlibCompress(b, json700, zlib.BestSpeed)},
	} {
		b.Run("inflate/json700/"+c.name, func(b *testing.B) {
			src := bytes.NewReader(c.z)
			r, err := zlib.NewReader(src)
			if err != nil {
				b.Fatal(err)
			}
			out := make([]byte, 0, len(json700)+1)
			b.SetBytes(int64(len(json700)))
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
				if len(out) != len(json700) {
					b.Fatalf("%d bytes", len(out))
				}
			}
		})
	}
}
