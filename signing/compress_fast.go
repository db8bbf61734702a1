//go:build !sessionkit_plainzlib

package signing

import (
	"bytes"
	"compress/zlib"
	"errors"

	"github.com/sessionkit/sessionkit/internal/fastzlib"
)

// zbuf is a zlib writer with the buffer it writes to. w is nil until a
// payload too large for the fast encoder needs it.
type zbuf struct {
	bytes.Buffer
	w *zlib.Writer
}

// fastMax is the largest payload compressed by fastzlib rather than
// compress/zlib.
const fastMax = 2048

// deflate writes data's zlib stream to z: fastzlib up to fastMax,
// compress/zlib at BestSpeed beyond.
func (z *zbuf) deflate(data []byte) {
	if len(data) <= fastMax {
		z.Grow(fastzlib.MaxLen(len(data)) + 16) // Append's documented slack: no reallocation
		z.Write(fastzlib.Append(z.AvailableBuffer(), data))
		return
	}
	if z.w == nil {
		z.w, _ = zlib.NewWriterLevel(&z.Buffer, zlib.BestSpeed) // a valid level: no error
	} else {
		z.w.Reset(&z.Buffer)
	}
	// Writing to a bytes.Buffer cannot fail.
	z.w.Write(data)
	z.w.Close()
}

// zreader holds the buffer a compressed payload is base64-decoded into.
type zreader struct {
	raw []byte // the base64-decoded, still compressed payload
}

func (zr *zreader) release() {}

func (zr *zreader) inflate(dst, src []byte, limit int) ([]byte, error) {
	out, err := fastzlib.AppendDecompressed(dst, src, limit)
	if errors.Is(err, fastzlib.ErrTooLarge) {
		return out, errTooLarge
	}
	return out, err
}
