package signing

import (
	"errors"
	"fmt"
	"slices"
	"sync"
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

// errTooLarge is what inflate returns past its limit.
var errTooLarge = errors.New("signing: decompressed payload over the limit")

// compressIfSmaller compresses data with zlib and returns the result if it
// is at least two bytes shorter, Django's rule; otherwise nil. Return the
// zbuf with putZbuf.
func compressIfSmaller(data []byte) *zbuf {
	z, _ := zwriters.Get().(*zbuf)
	if z == nil {
		z = new(zbuf)
	}
	z.Reset()
	z.deflate(data)
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

// decompressB64 base64-decodes s, inflates it and appends the result to
// dst, failing with ErrPayloadTooLarge past limit bytes.
func decompressB64(dst []byte, s string, limit int) ([]byte, error) {
	zr, _ := zreaders.Get().(*zreader)
	if zr == nil {
		zr = new(zreader)
	}
	defer func() {
		zr.release()
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
	out, err := zr.inflate(dst, raw, limit)
	if errors.Is(err, errTooLarge) {
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
