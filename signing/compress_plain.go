//go:build sessionkit_plainzlib

package signing

import (
	"bytes"
	"compress/zlib"
	"io"
	"slices"
)

// zbuf is a zlib writer with the buffer it writes to.
type zbuf struct {
	bytes.Buffer
	w *zlib.Writer
}

// deflate writes data's zlib stream to z with compress/zlib at BestSpeed.
func (z *zbuf) deflate(data []byte) {
	if z.w == nil {
		z.w, _ = zlib.NewWriterLevel(&z.Buffer, zlib.BestSpeed) // a valid level: no error
	} else {
		z.w.Reset(&z.Buffer)
	}
	// Writing to a bytes.Buffer cannot fail.
	z.w.Write(data)
	z.w.Close()
}

// zreader is a compress/zlib reader with the bytes.Reader it reads and the
// buffer a compressed payload is base64-decoded into.
type zreader struct {
	raw   []byte // the base64-decoded, still compressed payload
	r     io.ReadCloser
	src   bytes.Reader
	probe [1]byte // for reading past the limit
}

// release drops the reference to the payload so the pool does not keep
// it alive through the reader.
func (zr *zreader) release() { zr.src.Reset(nil) }

// inflate appends src's decompressed bytes to dst, failing with
// errTooLarge past limit bytes.
func (zr *zreader) inflate(dst, src []byte, limit int) ([]byte, error) {
	start := len(dst)
	zr.src.Reset(src)
	var err error
	if zr.r == nil {
		zr.r, err = zlib.NewReader(&zr.src)
	} else {
		err = zr.r.(zlib.Resetter).Reset(&zr.src, nil)
	}
	if err != nil {
		zr.r = nil // a failed NewReader leaves nothing to reuse
		return dst, err
	}
	for {
		got := len(dst) - start
		buf := zr.probe[:]
		if got < limit {
			if len(dst) == cap(dst) {
				// Double, but never past the limit: a small payload made
				// to expand hugely fails having allocated little.
				dst = slices.Grow(dst, min(max(got, 512), limit-got))
			}
			buf = dst[len(dst):cap(dst)]
			if rem := limit - got; len(buf) > rem {
				buf = buf[:rem]
			}
		}
		// At the limit, buf is the probe: a byte read into it is one too
		// many.
		n, err := zr.r.Read(buf)
		if got == limit && n > 0 {
			return dst[:start], errTooLarge
		}
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst[:start], err
		}
	}
}
