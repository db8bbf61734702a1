package signing

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/sessionkit/sessionkit/internal/fastzlib"
)

// The pools below only recycle memory: what comes out of them is reset
// before use, so they hold no state anyone can observe. zlib's writer in
// particular allocates close to a megabyte, which would otherwise be paid
// on every compressed Dumps.
var (
	zwriters sync.Pool // of *zbuf
	zreaders sync.Pool // of *zreader
	scratch  sync.Pool // of *scratchBuf
)

// maxPooled is the largest buffer worth keeping for reuse; a rare huge
// payload should not pin its memory in a pool.
const maxPooled = 64 << 10

// zbuf is a zlib writer with the buffer it writes to. w is nil until a
// payload too large for the fast encoder needs it.
type zbuf struct {
	bytes.Buffer
	w *zlib.Writer
}

// fastMax is the largest payload compressed by fastzlib rather than
// compress/zlib. fastzlib writes a single fixed-Huffman block: 5-8 times
// as fast on session-sized JSON, at 10-40 % more bytes. Below 2 KB that
// cannot matter for a cookie (even uncompressed, the token fits in 4 KB);
// above it, the bytes zlib saves may be what makes a cookie fit.
const fastMax = 2048

// compressIfSmaller compresses data with zlib and returns the result if it
// is at least two bytes shorter, Django's rule; otherwise nil. Return the
// zbuf with putZbuf.
//
// Django uses Python's default level 6. Any level decodes the same, and
// Go's output differs from C zlib's at every level anyway. Payloads up to
// fastMax go through fastzlib; larger ones through compress/zlib at
// BestSpeed: Go's level-6 writer clears about 640 KB of match tables per
// stream (some 20 µs, whatever the input size), while BestSpeed comes
// within a few percent of level 6 on JSON.
func compressIfSmaller(data []byte) *zbuf {
	z, _ := zwriters.Get().(*zbuf)
	if z == nil {
		z = new(zbuf)
	}
	z.Reset()
	if len(data) <= fastMax {
		z.Grow(fastzlib.MaxLen(len(data)) + 16) // Append's documented slack: no reallocation
		z.Write(fastzlib.Append(z.AvailableBuffer(), data))
	} else {
		if z.w == nil {
			z.w, _ = zlib.NewWriterLevel(&z.Buffer, zlib.BestSpeed) // a valid level: no error
		} else {
			z.w.Reset(&z.Buffer)
		}
		// Writing to a bytes.Buffer cannot fail.
		z.w.Write(data)
		z.w.Close()
	}
	if z.Len() < len(data)-1 {
		return z
	}
	putZbuf(z)
	return nil
}

func putZbuf(z *zbuf) {
	if z.Cap() <= maxPooled {
		zwriters.Put(z)
	}
}

// zreader holds the buffer a compressed payload is base64-decoded into.
type zreader struct {
	raw []byte // the base64-decoded, still compressed payload
}

// decompressB64 base64-decodes s, inflates it and appends the result to
// dst, failing with ErrPayloadTooLarge past limit bytes. fastzlib reads its
// own fixed-Huffman streams three times as fast as compress/zlib, and
// hands Django's (dynamic Huffman) to compress/zlib.
func decompressB64(dst []byte, s string, limit int) ([]byte, error) {
	zr, _ := zreaders.Get().(*zreader)
	if zr == nil {
		zr = new(zreader)
	}
	defer func() {
		if cap(zr.raw) <= maxPooled {
			zreaders.Put(zr)
		}
	}()
	raw, err := appendB64Decode(zr.raw[:0], s)
	zr.raw = raw
	if err != nil {
		return dst, err
	}
	start := len(dst)
	// Sessions compress about 2-4 times; grow once for the usual case.
	dst = slices.Grow(dst, min(4*len(raw)+64, limit+1))
	out, err := fastzlib.AppendDecompressed(dst, raw, limit)
	if errors.Is(err, fastzlib.ErrTooLarge) {
		return dst[:start], fmt.Errorf("%w: more than %d bytes; raise Options.MaxDecompressedSize if such payloads are expected", ErrPayloadTooLarge, limit)
	}
	if err != nil {
		return dst[:start], fmt.Errorf("%w: zlib: %w", ErrMalformed, err)
	}
	return out, nil
}

// scratchBuf is a reusable buffer for JSON on its way in or out.
type scratchBuf struct{ b []byte }

func getScratch() *scratchBuf {
	if b, _ := scratch.Get().(*scratchBuf); b != nil {
		return b
	}
	return &scratchBuf{b: make([]byte, 0, 512)}
}

func putScratch(b *scratchBuf) {
	if cap(b.b) <= maxPooled {
		scratch.Put(b)
	}
}
