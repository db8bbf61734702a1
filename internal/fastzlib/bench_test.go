package fastzlib_test

import (
	"bytes"
	"compress/zlib"
	"testing"

	"github.com/sessionkit/sessionkit/internal/fastzlib"
)

// BenchmarkAppend times compression; BenchmarkDecompress, reading back.
func BenchmarkAppend(b *testing.B) {
	for _, p := range []struct {
		name string
		src  []byte
	}{{"json700", json700}, {"json4K", json4K}, {"text64K", text64K}} {
		b.Run(p.name+"/fastzlib", func(b *testing.B) {
			dst := make([]byte, 0, fastzlib.MaxLen(len(p.src)))
			b.SetBytes(int64(len(p.src)))
			b.ReportAllocs()
			for b.Loop() {
				dst = fastzlib.Append(dst[:0], p.src)
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
}
