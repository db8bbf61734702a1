// Package fastzlib writes and reads zlib streams (RFC 1950) fast for small
// payloads such as compressed session cookies.
//
// compress/flate spends most of its time on a 1 KB input building dynamic
// Huffman tables, and its inflater then spends microseconds reading them
// back. This package skips both: it finds matches with one greedy LZ77
// pass over a hash table of 4-byte sequences and writes them in a single
// fixed-Huffman block (RFC 1951, BTYPE=01), whose codes every inflater
// has built in. The price is ratio: a literal always costs 8 or 9 bits,
// so the output is some 10-40% larger than compress/zlib's at BestSpeed
// (315 against 278 bytes for a 686-byte JSON session, 1148 against 841
// for 4 KB), in exchange for writing it 3-8 times as fast (8 for the
// 686 bytes, 4 for 4 KB), without allocating, and reading it back twice
// as fast (see below). Input that the fixed codes would make longer than it is, such
// as random bytes, is stored instead (BTYPE=00), which bounds the output;
// see [MaxLen].
//
// The output is an ordinary zlib stream: compress/zlib, Python's
// zlib.decompress (and so Django's signing.loads) and any other conforming
// inflater read it. The same input always gives the same output.
//
// The package also reads zlib streams: [AppendDecompressed] decodes the
// fixed-Huffman and stored blocks that Append writes about three times as
// fast as compress/zlib, and any other stream, such as the dynamic-Huffman
// blocks zlib writes at its usual levels, through compress/zlib.
package fastzlib

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
	"sync"
)

const (
	window    = 32768 // the farthest back a DEFLATE distance reaches
	minMatch  = 4     // the hash covers 4 bytes, so shorter matches are never found
	maxMatch  = 258   // the longest DEFLATE match
	maxStored = 65535 // the most bytes one stored block holds

	// 2^13 int32 entries, 32 KB: on a few KB of JSON a larger table finds
	// no more matches, and it is as fast as smaller ones.
	tableBits = 13
	tableSize = 1 << tableBits

	// slack is how far past its limit the bit writer may store: it
	// stores 8 bytes at a time and checks the limit once per step.
	slack = 16
)

// MaxLen returns the largest number of bytes [Append] adds for an n-byte
// input: n plus 6 bytes of zlib header and checksum plus 5 bytes per
// 65535-byte stored block, that is n+11 for n up to 65535.
func MaxLen(n int) int {
	return n + 6 + 5*max(1, (n+maxStored-1)/maxStored)
}

// encoders recycles hash tables. What an encoder keeps between calls
// cannot change the output (see encoder.table).
var encoders = sync.Pool{New: func() any { return newEncoder(math.MaxInt32) }}

// encoder holds the match-finding hash table.
type encoder struct {
	// table maps the hash of the 4 bytes at a position p to p+cur, for the
	// latest such p. It is not cleared between calls: each call starts
	// with cur more than window past every value stored before, so a
	// stale entry reads as a position too far back to use and the table
	// behaves as if empty, without the cost of clearing 32 KB per call.
	// Zero, the value of an entry never written or just cleared, reads as
	// stale too: newEncoder and reset set cur so that it does.
	table [tableSize]int32
	cur   int
	// maxValue bounds the values in table: math.MaxInt32, lower in tests
	// so that they exercise running out of values.
	maxValue int
}

func newEncoder(maxValue int) *encoder {
	return &encoder{cur: window + 1, maxValue: maxValue}
}

// reset empties the table and restarts its values so that position i is
// stored as window+1.
func (e *encoder) reset(i int) {
	clear(e.table[:])
	e.cur = window + 1 - i
}

// Append appends to dst a complete zlib stream whose decompression is
// src, and returns the extended slice. It adds at most MaxLen(len(src))
// bytes, and may use the capacity of the result past its length as
// scratch space: it grows dst unless that has MaxLen(len(src))+16 bytes
// to spare.
//
// The stream starts with the header 0x78 0x01 (32 KB window, "fastest"
// level) and ends with the Adler-32 checksum of src. Apart from growing
// dst, Append does not allocate. It is safe for concurrent use.
func Append(dst, src []byte) []byte {
	e := encoders.Get().(*encoder)
	dst = e.append(dst, src)
	encoders.Put(e)
	return dst
}

func (e *encoder) append(dst, src []byte) []byte {
	nblocks := max(1, (len(src)+maxStored-1)/maxStored)
	storedLen := len(src) + 5*nblocks

	start := len(dst)
	dst = slices.Grow(dst, 2+storedLen+slack+4)
	out := dst[:cap(dst)]
	// CMF 0x78: deflate with a 32 KB window; FLG 0x01: no dictionary,
	// FLEVEL 0, and FCHECK making 0x7801 a multiple of 31.
	out[start] = 0x78
	out[start+1] = 0x01
	o := start + 2

	n, ok := e.encode(out, o, src, o+storedLen)
	e.advance(len(src))
	if ok {
		o = n
	} else {
		o = appendStored(out, o, src)
	}
	binary.BigEndian.PutUint32(out[o:], adler32(src))
	return out[:o+4]
}

// appendStored writes src as stored blocks at out[o:] and returns the new
// offset.
func appendStored(out []byte, o int, src []byte) int {
	for {
		n := min(len(src), maxStored)
		last := byte(0)
		if n == len(src) {
			last = 1 // BFINAL
		}
		// BFINAL, BTYPE=00, padding to the byte; then LEN and NLEN.
		out[o] = last
		binary.LittleEndian.PutUint16(out[o+1:], uint16(n))
		binary.LittleEndian.PutUint16(out[o+3:], ^uint16(n))
		o += 5
		o += copy(out[o:], src[:n])
		src = src[n:]
		if last == 1 {
			return o
		}
	}
}

// Fixed-Huffman codes, bit-reversed because DEFLATE sends Huffman codes
// most significant bit first into an LSB-first bit stream. Entries of
// litCodes and lenCodes pack the bits to send above 8 bits holding how
// many there are.
var (
	// litCodes[b] is the code of literal byte b.
	litCodes [256]uint32
	// lenCodes[l] is the code of match length l (3..258) followed by its
	// extra bits.
	lenCodes [maxMatch + 1]uint32
	// distCodes[c] is distance code c, 5 bits, reversed.
	distCodes [30]uint32
)

func init() {
	// RFC 1951 section 3.2.6.
	fixed := func(sym int) (code, n uint32) {
		switch {
		case sym < 144:
			return 0x30 + uint32(sym), 8
		case sym < 256:
			return 0x190 + uint32(sym-144), 9
		case sym < 280:
			return uint32(sym - 256), 7
		default:
			return 0xc0 + uint32(sym-280), 8
		}
	}
	rev := func(code, n uint32) uint32 {
		return uint32(bits.Reverse16(uint16(code))) >> (16 - n)
	}
	for b := range 256 {
		c, n := fixed(b)
		litCodes[b] = rev(c, n)<<8 | n
	}
	// RFC 1951 section 3.2.5.
	lenBase := [29]uint32{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lenExtra := [29]uint32{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	for i := range lenBase {
		c, n := fixed(257 + i)
		c = rev(c, n)
		for x := range uint32(1) << lenExtra[i] {
			l := lenBase[i] + x
			if l > maxMatch || (l == maxMatch && i != 28) {
				// 258 has its own code, 285; code 284 stops at 257.
				break
			}
			lenCodes[l] = (c|x<<n)<<8 | (n + lenExtra[i])
		}
	}
	for c := range uint32(30) {
		distCodes[c] = rev(c, 5)
	}
}

// encode writes src as one final fixed-Huffman block at out[o:] and
// returns the offset just past it. It gives up, returning false, as soon
// as the block runs past limit; out must have room for limit+slack bytes.
// Call advance after it.
func (e *encoder) encode(out []byte, o int, src []byte, limit int) (int, bool) {
	// A 64-bit accumulator of the nacc bits not yet stored. Between steps
	// it holds at most 31: a literal (up to 9 bits) is followed by a
	// flush once 32 are pending, and a match (up to 31 bits of length and
	// distance, so 62 at most) always. A flush stores 8 bytes and keeps
	// the last 0-7 bits. Waiting for 32 bits saves most literals a store;
	// flushing after every literal was slower.
	var acc uint64 = 1 | 1<<1 // BFINAL=1, BTYPE=01
	var nacc uint = 3

	i := 0
	if len(src) >= minMatch {
		last := len(src) - minMatch // the last position with 4 bytes to hash
		if e.cur > e.maxValue-maxMatch-len(src) {
			// Restart the values before they run out, as they would in
			// this call. Doing it here rather than mid-way keeps the
			// output independent of earlier calls.
			e.reset(0)
		}
		tab := &e.table
		for i <= last {
			cur := e.cur // a local, so that it stays in a register
			// Values must fit in int32: stop before i+cur (or the end
			// of a match starting there) passes maxValue. Only an input
			// of about 2 GB gets there.
			stop := min(last, e.maxValue-maxMatch-cur)
			for i <= stop {
				// A step stores 8 bytes at o and moves o by at most 7,
				// within the slack.
				if o > limit {
					return o, false
				}
				x := load32(src, i)
				h := (x * 0x1e35a7bd) >> (32 - tableBits)
				cand := int(tab[h&(tableSize-1)]) - cur
				tab[h&(tableSize-1)] = int32(i + cur)
				// The unsigned compare rejects candidates at or after i
				// and, with them, stale and empty entries, which all lie
				// more than window back (see encoder.table). The bytes
				// are checked because hashes collide.
				if uint(i-cand-1) >= window || load32(src, cand) != x {
					c := litCodes[uint8(x)] // src[i]
					acc |= uint64(c>>8) << (nacc & 63)
					nacc += uint(c & 0xff)
					if nacc >= 32 {
						binary.LittleEndian.PutUint64(out[o:o+8], acc)
						o += int(nacc >> 3)
						acc >>= nacc & 56
						nacc &= 7
					}
					i++
					continue
				}

				// Extend the match, 8 bytes at a time.
				a, b := src[cand+minMatch:], src[i+minMatch:min(len(src), i+maxMatch)]
				n := 0
				for ; n+8 <= len(b); n += 8 {
					if d := binary.LittleEndian.Uint64(a[n:n+8]) ^ binary.LittleEndian.Uint64(b[n:n+8]); d != 0 {
						n += bits.TrailingZeros64(d) >> 3
						goto matched
					}
				}
				for n < len(b) && a[n] == b[n] {
					n++
				}
			matched:
				length := minMatch + n

				lc := lenCodes[length]
				acc |= uint64(lc>>8) << (nacc & 63)
				nacc += uint(lc & 0xff)
				// Distance codes: 0-3 are distances 1-4; past that, each
				// power of two splits into two codes on its second bit,
				// followed by the bits below that as extra bits.
				dist := uint32(i - cand - 1)
				if dist < 4 {
					acc |= uint64(distCodes[dist]) << (nacc & 63)
					nacc += 5
				} else {
					nb := uint(bits.Len32(dist)) - 2 // extra bits
					code := 2*nb + 2 + uint(dist>>nb)&1
					acc |= uint64(distCodes[code]|(dist&(1<<nb-1))<<5) << (nacc & 63)
					nacc += 5 + nb
				}
				binary.LittleEndian.PutUint64(out[o:o+8], acc)
				o += int(nacc >> 3)
				acc >>= nacc & 56
				nacc &= 7

				i += length
				// Index the match's last position too: it finds runs and
				// repeated fields that the next search would miss.
				// Indexing every position of a match gained under 1%.
				if p := i - 1; p <= last {
					x := load32(src, p)
					tab[((x*0x1e35a7bd)>>(32-tableBits))&(tableSize-1)] = int32(p + cur)
				}
			}
			if i <= last {
				// Out of values: forget the table and start them afresh.
				e.reset(i)
			}
		}
	}

	if o > limit {
		return o, false
	}
	binary.LittleEndian.PutUint64(out[o:o+8], acc)
	o += int(nacc >> 3)
	acc >>= nacc & 56
	nacc &= 7
	// At most 3 bytes remain, too few to match: 27 bits, then the end of
	// block (code 256: seven zero bits), and padding to the byte.
	for _, b := range src[i:] {
		c := litCodes[b]
		acc |= uint64(c>>8) << (nacc & 63)
		nacc += uint(c & 0xff)
	}
	nacc += 7
	binary.LittleEndian.PutUint64(out[o:o+8], acc)
	o += int(nacc+7) >> 3
	return o, o <= limit
}

// load32 returns the 4 bytes at b[i:] as a little-endian uint32.
func load32(b []byte, i int) uint32 {
	return binary.LittleEndian.Uint32(b[i : i+4])
}

// advance moves e.cur past the values stored by a call on n bytes: they
// are all below n+e.cur, and the next call's must start more than window
// beyond. Past maxValue it saturates, which makes the next call reset.
func (e *encoder) advance(n int) {
	if e.cur > e.maxValue-window-1-n {
		e.cur = e.maxValue
	} else {
		e.cur += n + window + 1
	}
}
