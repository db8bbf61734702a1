package fastzlib

// This file reads zlib streams. The fixed-Huffman and stored blocks that
// Append writes need no tables built per stream: decoding them takes a
// lookup in a 512-entry table per literal or length and in a 32-entry one
// per distance, on bits read 8 bytes at a time, about three times as fast
// as compress/flate, which reads a byte at a time through an interface
// and pays for its generality on every call (see BenchmarkDecompress). A
// stream with a dynamic-Huffman block, as zlib writes at its usual levels
// (Python's, and so Django's), is handed whole to compress/zlib, whose
// time then goes mostly into building the block's tables: a decoder of
// its own would win little there.

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"sync"
)

var (
	// ErrCorrupt is wrapped by the errors AppendDecompressed returns for
	// input that is not a valid zlib stream.
	ErrCorrupt = errors.New("fastzlib: invalid zlib stream")
	// ErrTooLarge is wrapped by the error AppendDecompressed returns when
	// the decompressed data would exceed its limit.
	ErrTooLarge = errors.New("fastzlib: decompressed data too large")
)

// The errors of the fast path are made once: failing costs no allocation.
var (
	errHeader    = fmt.Errorf("%w: bad header", ErrCorrupt)
	errDict      = fmt.Errorf("%w: preset dictionary required", ErrCorrupt)
	errTruncated = fmt.Errorf("%w: unexpected end of data", ErrCorrupt)
	errBlockType = fmt.Errorf("%w: reserved block type", ErrCorrupt)
	errStored    = fmt.Errorf("%w: stored block length does not match its complement", ErrCorrupt)
	errCode      = fmt.Errorf("%w: invalid fixed-Huffman code", ErrCorrupt)
	errDistance  = fmt.Errorf("%w: distance beyond the start of the data", ErrCorrupt)
	errChecksum  = fmt.Errorf("%w: Adler-32 mismatch", ErrCorrupt)
)

// AppendDecompressed decompresses the zlib stream (RFC 1950) src, appends
// the result to dst and returns the extended slice. It fails, with an
// error wrapping ErrTooLarge, as soon as the decompressed data would
// exceed limit bytes (a negative limit counts as 0), and with one
// wrapping ErrCorrupt if src is not a valid zlib stream: a bad header, a
// preset dictionary (FDICT), a reserved block type, an invalid code, a
// distance reaching before the start of this stream's output (dst's
// existing bytes are never referred to), truncated data or a wrong
// Adler-32 checksum. On error it returns dst's bytes only, possibly moved
// to a larger array; bytes in the capacity past them may have been
// overwritten.
//
// Bytes after the checksum are ignored, as compress/zlib's reader and
// Python's zlib.decompress ignore them. A stream that declares a preset
// dictionary is rejected even when its dictionary id is that of the empty
// dictionary, which compress/zlib's reader, given none, accepts; zlib
// itself, and so Python, rejects any.
//
// Streams made of stored and fixed-Huffman blocks, such as Append's, are
// decoded here, without allocating unless dst must grow. A stream with a
// dynamic-Huffman block is decoded from its start by compress/zlib, with
// the same result and limit, at compress/zlib's cost. When dst lacks room
// it grows by doubling, never to more than about limit bytes past its
// length, so that a small stream made to expand hugely fails having
// allocated less than twice the limit. It is safe for concurrent use.
func AppendDecompressed(dst, src []byte, limit int) ([]byte, error) {
	limit = max(limit, 0)
	start := len(dst)
	if len(src) < 2 {
		return dst, errTruncated
	}
	// CMF: method 8 (deflate), window at most 32 KB; FCHECK makes the
	// two bytes a multiple of 31.
	if src[0]&0x0f != 8 || src[0]>>4 > 7 || (uint(src[0])<<8|uint(src[1]))%31 != 0 {
		return dst, errHeader
	}
	if src[1]&0x20 != 0 {
		return dst, errDict
	}
	s := inflater{src: src, pos: 2, o: start, start: start, limit: limit}
	s.setOut(dst)
	for {
		if s.nb < 3 {
			if err := s.refill(); err != nil {
				return s.out[:start], err
			}
		}
		final := s.b&1 != 0
		typ := s.b >> 1 & 3
		s.b >>= 3
		s.nb -= 3
		var err error
		switch typ {
		case 0:
			err = s.stored()
		case 1:
			err = s.fixed()
		case 2:
			return fallback(s.out[:start], src, limit)
		default:
			err = errBlockType
		}
		if err != nil {
			return s.out[:start], err
		}
		if final {
			break
		}
	}
	p, err := s.bytePos()
	if err != nil {
		return s.out[:start], err
	}
	if len(src)-p < 4 {
		return s.out[:start], errTruncated
	}
	out := s.out[:s.o]
	if binary.BigEndian.Uint32(src[p:]) != adler32(out[start:]) {
		return s.out[:start], errChecksum
	}
	return out, nil
}

// inflater is the state of the fast path.
type inflater struct {
	src []byte
	pos int    // the next byte of src to load into b
	b   uint64 // bits not yet consumed, the next one lowest
	// nb is the number of bits of b that are valid. The top pad of them
	// are zeros that stand in for data past the end of src, which lets
	// the decoder always find enough bits; consuming one of them means
	// the stream is truncated, and is checked at block boundaries and on
	// refilling. Bits of b above nb are either zero or the bits of the
	// bytes from pos on, so loading those bytes again does no harm.
	nb, pad uint

	out   []byte // the output buffer, to its capacity
	o     int    // the length of the output
	start int    // where this stream's output starts in out
	limit int
	end   int // min(len(out), start+limit): the output may grow to here without checks

	// A literal or match that fixedFast found no room for: the literal
	// lit if dist is 0, else a match at distance dist.
	lit  byte
	dist int
}

func (s *inflater) setOut(out []byte) {
	s.out = out[:cap(out)]
	s.end = len(s.out)
	if s.limit < s.end-s.start {
		s.end = s.start + s.limit
	}
}

// refill loads src into b until at least 56 bits are valid, padding with
// zeros past the end of src.
func (s *inflater) refill() error {
	if s.pos+8 <= len(s.src) {
		// Load 8 bytes at once and keep the whole ones that fit.
		s.b |= binary.LittleEndian.Uint64(s.src[s.pos:]) << s.nb
		s.pos += int(63-s.nb) >> 3
		s.nb |= 56
		return nil
	}
	return s.refillTail()
}

// refillTail is refill for the last 7 bytes of src and past them.
func (s *inflater) refillTail() error {
	if s.nb < s.pad {
		return errTruncated
	}
	for s.nb <= 56 && s.pos < len(s.src) {
		s.b |= uint64(s.src[s.pos]) << s.nb
		s.pos++
		s.nb += 8
	}
	if s.nb < 56 {
		s.pad += 56 - s.nb
		s.nb = 56
	}
	return nil
}

// bytePos discards the bits up to the next byte boundary, which must be
// real data, and returns the offset in src of the byte after it.
func (s *inflater) bytePos() (int, error) {
	if s.nb < s.pad {
		return 0, errTruncated
	}
	// The nb-pad real bits end where src[pos] starts.
	return s.pos - int(s.nb-s.pad)>>3, nil
}

// grow makes room for n more bytes of output after o, or fails if they
// would take it past the limit.
func (s *inflater) grow(o, n int) error {
	got := o - s.start
	if n > s.limit-got {
		return fmt.Errorf("%w: more than %d bytes", ErrTooLarge, s.limit)
	}
	s.setOut(growOut(s.out[:o], got, n, s.limit, len(s.src)))
	return nil
}

// growOut returns out with room for n more bytes, and for more (up to
// limit in all) on the guess that the output continues: it doubles what
// was decoded so far, got bytes, or to begin with allows for a
// compression ratio of 4, common with JSON. Past half the limit it goes
// straight to the limit: output that keeps growing, as from a stream
// made to expand hugely, then costs under twice the limit in all
// rather than up to three times.
func growOut(out []byte, got, n, limit, srcLen int) []byte {
	want := max(got+n, 2*got, 4*srcLen+64)
	if want > limit/2 {
		want = limit
	}
	want = max(want, got+n)
	return slices.Grow(out, want-got)
}

// stored copies a stored block to the output.
func (s *inflater) stored() error {
	p, err := s.bytePos()
	if err != nil {
		return err
	}
	src := s.src
	if len(src)-p < 4 {
		return errTruncated
	}
	n := int(binary.LittleEndian.Uint16(src[p:]))
	if uint16(n) != ^binary.LittleEndian.Uint16(src[p+2:]) {
		return errStored
	}
	p += 4
	if len(src)-p < n {
		return errTruncated
	}
	if n > s.end-s.o {
		if err := s.grow(s.o, n); err != nil {
			return err
		}
	}
	s.o += copy(s.out[s.o:], src[p:p+n])
	// The bit buffer restarts at the next byte.
	s.pos, s.b, s.nb, s.pad = p+n, 0, 0, 0
	return nil
}

// Fixed-Huffman decoding tables (RFC 1951, section 3.2.6). Huffman codes
// are sent most significant bit first into a stream read least
// significant bit first, so the tables are indexed by the next bits of
// the stream as they come: reversed codes.
var (
	// litLenTable[x] decodes the literal/length code in the low bits of x,
	// 7 to 9 bits long. The low 6 bits of an entry are the number of
	// bits it takes, so that a shift by the entry consumes them: the
	// code's, and for a length its extra bits too. Then, for a literal,
	// the byte is in bits 8-15. A length has flagLength, the code's
	// length in bits 8-11, the mask of its extra bits in bits 12-16 and
	// the base length in bits 17-25. The end of the block has flagEnd,
	// and codes 286 and 287, which the fixed code has but DEFLATE leaves
	// unused, flagInvalid.
	litLenTable [512]uint32
	// distTable[x] decodes the distance code in the low 5 bits of x: the
	// number of bits it takes with its extra bits in the low 6 bits, the
	// mask of the extra bits in bits 8-20 and the base distance in bits
	// 32-47; zero for codes 30 and 31, which are invalid.
	distTable [32]uint64
)

const (
	flagLength  = 1 << 31
	flagEnd     = 1 << 30
	flagInvalid = 1 << 29
)

func init() {
	rev := func(code, n uint) uint {
		return uint(bits.Reverse16(uint16(code))) >> (16 - n)
	}
	lenBase := [29]uint32{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lenExtra := [29]uint32{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	for sym := range uint(288) {
		var code, n uint
		switch {
		case sym < 144:
			code, n = 0x30+sym, 8
		case sym < 256:
			code, n = 0x190+sym-144, 9
		case sym < 280:
			code, n = sym-256, 7
		default:
			code, n = 0xc0+sym-280, 8
		}
		e := uint32(n)
		switch {
		case sym < 256:
			e |= uint32(sym) << 8
		case sym == 256:
			e |= flagEnd
		case sym < 286:
			x := lenExtra[sym-257]
			e = flagLength | (uint32(n) + x) | uint32(n)<<8 | (1<<x-1)<<12 | lenBase[sym-257]<<17
		default:
			e |= flagInvalid
		}
		// Fill every index whose low n bits are the code.
		for x := rev(code, n); x < 512; x += 1 << n {
			litLenTable[x] = e
		}
	}
	for c := range uint32(30) {
		// Codes 0-3 are distances 1-4; then each pair of codes covers a
		// power of two, with one more extra bit per pair.
		base, extra := c+1, uint32(0)
		if c >= 4 {
			extra = (c - 2) >> 1
			base = 1<<(extra+1) + 1 + (c&1)<<extra
		}
		distTable[rev(uint(c), 5)] = uint64(base)<<32 | uint64(1<<extra-1)<<8 | uint64(5+extra)
	}
}

// fixed decodes a fixed-Huffman block.
func (s *inflater) fixed() error {
	for {
		n, err := s.fixedFast()
		if err != nil || n == 0 {
			return err
		}
		// Out of room for n bytes, a literal or a match.
		if err := s.grow(s.o, n); err != nil {
			return err
		}
		if s.dist == 0 {
			s.out[s.o] = s.lit
		} else {
			copyMatch(s.out, s.o, s.dist, n)
		}
		s.o += n
	}
}

// fixedFast decodes a fixed-Huffman block until its end, or until there
// is no room in s.out[:s.end] for the next literal or match: then it
// leaves that in s.lit or s.dist and returns its length. It calls no
// function, which lets the compiler keep its state in registers.
func (s *inflater) fixedFast() (int, error) {
	// out is this stream's output, and o its length: the bounds of out
	// are those of the slice, which spares registers and checks.
	src, pos, b, nb := s.src[:len(s.src):len(s.src)], s.pos, s.b, s.nb
	out, o := s.out[s.start:s.end:s.end], s.o-s.start
	n := 0
	var err error
	for {
		// A step takes at most 31 bits: an 8-bit length code with 5 extra
		// bits, then a 5-bit distance code with 13.
		if nb < 32 {
			if pos+8 <= len(src) {
				// Load 8 bytes and keep the whole ones that fit.
				b |= binary.LittleEndian.Uint64(src[pos:]) << nb
				pos += int(63-nb) >> 3
				nb |= 56
			} else {
				// The last 7 bytes, then zeros (see inflater.pad).
				if nb < s.pad {
					err = errTruncated
					break
				}
				for nb <= 56 && pos < len(src) {
					b |= uint64(src[pos]) << nb
					pos++
					nb += 8
				}
				if nb < 56 {
					s.pad += 56 - nb
					nb = 56
				}
			}
		}
		e := litLenTable[b&511]
		// e2 and e3 are looked up at once too, on the guess that e and e2
		// are 8-bit literals (bytes below 144, as in text and JSON): then
		// they are the next codes, and up to three literals cost a single
		// wait for the table. Each lookup waits for the one before it
		// otherwise, which is what bounds the speed of this loop.
		e2 := litLenTable[b>>8&511]
		e3 := litLenTable[b>>16&511]
		const notLit = flagLength | flagEnd | flagInvalid
		if e&(notLit|63) == 8 && e2&notLit == 0 && o+3 <= len(out) {
			out[o] = byte(e >> 8)
			out[o+1] = byte(e2 >> 8)
			if e2&(notLit|63) == 8 && e3&notLit == 0 {
				out[o+2] = byte(e3 >> 8)
				o += 3
				b >>= 16
				b >>= e3 & 63
				nb -= 16 + uint(e3&63)
				continue
			}
			o += 2
			b >>= 8
			b >>= e2 & 63
			nb -= 8 + uint(e2&63)
			continue
		}
		// The shift ignores the bits of e above its low 6, which are the
		// bits it takes.
		b0 := b
		b >>= e & 63
		nb -= uint(e & 63)
		if e&notLit == 0 {
			if o >= len(out) {
				s.lit, s.dist, n = byte(e>>8), 0, 1
				break
			}
			out[o] = byte(e >> 8)
			o++
			continue
		}
		if e&flagLength == 0 {
			if e&flagEnd == 0 {
				err = errCode
			}
			break
		}
		length := int(e>>17&0x1ff) + int(b0>>(e>>8&15)&uint64(e>>12&31))
		// Lengths 3-10 have 7-bit codes without extra bits: for them the
		// distance code follows at bit 7, and looking it up there does
		// not wait for e.
		d := distTable[b0>>7&31]
		if e&63 != 7 {
			d = distTable[b&31]
		}
		if d == 0 {
			err = errCode
			break
		}
		dist := int(d>>32) + int(b>>5&(d>>8&0x1fff))
		b >>= d & 63
		nb -= uint(d & 63)
		if dist > o {
			err = errDistance
			break
		}
		if length > len(out)-o {
			s.dist, n = dist, length
			break
		}
		if dist >= length {
			copy(out[o:o+length], out[o-dist:o])
		} else {
			// The match overlaps its own output: byte by byte, in order.
			for i := o; i < o+length; i++ {
				out[i] = out[i-dist]
			}
		}
		o += length
	}
	s.pos, s.b, s.nb, s.o = pos, b, nb, s.start+o
	return n, err
}

// copyMatch copies length bytes from dist bytes back to out[o:], in
// order, so that a match may overlap its own output.
func copyMatch(out []byte, o, dist, length int) {
	if dist >= length {
		copy(out[o:o+length], out[o-dist:o])
		return
	}
	for i := o; i < o+length; i++ {
		out[i] = out[i-dist]
	}
}

// zreader is a pooled compress/zlib reader with the bytes.Reader it reads.
type zreader struct {
	r     io.ReadCloser
	src   bytes.Reader
	probe [1]byte // for reading past the limit
}

// zreaders recycles zlib readers, whose 40 KB or so of state would
// otherwise be allocated on every fallback.
var zreaders sync.Pool // of *zreader

// fallback decodes src with compress/zlib, appending to dst, with the
// semantics of AppendDecompressed.
func fallback(dst, src []byte, limit int) ([]byte, error) {
	start := len(dst)
	zr, _ := zreaders.Get().(*zreader)
	if zr == nil {
		zr = new(zreader)
	}
	defer func() {
		zr.src.Reset(nil) // do not keep src alive in the pool
		zreaders.Put(zr)
	}()
	zr.src.Reset(src)
	var err error
	if zr.r == nil {
		zr.r, err = zlib.NewReader(&zr.src)
	} else {
		err = zr.r.(zlib.Resetter).Reset(&zr.src, nil)
	}
	if err != nil {
		zr.r = nil // a failed NewReader leaves nothing to reuse
		return dst, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	for {
		got := len(dst) - start
		buf := zr.probe[:]
		if got < limit {
			if len(dst) == cap(dst) {
				dst = growOut(dst, got, 1, limit, len(src))
			}
			buf = dst[len(dst):cap(dst)]
			if rem := limit - got; len(buf) > rem {
				buf = buf[:rem]
			}
		}
		// At the limit, buf is the probe: a byte read into it is one
		// too many.
		n, err := zr.r.Read(buf)
		if got == limit && n > 0 {
			return dst[:start], fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
		}
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst[:start], fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
	}
}
