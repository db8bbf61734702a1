package fastzlib_test

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"github.com/sessionkit/sessionkit/internal/testenv"
	stdadler "hash/adler32"
	"io"
	"math"
	"math/bits"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit/internal/fastzlib"
)

var errRefTooLarge = errors.New("more than the limit")

// reference decodes z with compress/zlib, read to EOF, and applies limit
// as AppendDecompressed does. A stream that declares a preset dictionary
// is the one deliberate difference: compress/zlib, given no dictionary,
// accepts one whose id is that of the empty dictionary; AppendDecompressed
// rejects it, as zlib does.
func reference(z []byte, limit int) ([]byte, error) {
	r, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, err
	}
	got, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(got) > limit {
		return nil, errRefTooLarge
	}
	if z[1]&0x20 != 0 {
		return nil, errors.New("preset dictionary")
	}
	return got, nil
}

// checkDecompress decodes z after a prefix, into a dst with spare
// capacity or without, and checks that AppendDecompressed agrees with
// reference: both reject z, or both return the same bytes. It returns
// whether z was accepted.
func checkDecompress(t testing.TB, name string, z []byte, limit int) bool {
	t.Helper()
	want, werr := reference(z, limit)
	for _, dst := range [][]byte{nil, []byte("prefix:"), append(make([]byte, 0, 4096), "prefix:"...)} {
		prefix := bytes.Clone(dst)
		got, err := fastzlib.AppendDecompressed(dst, z, limit)
		if len(got) < len(prefix) || !bytes.Equal(got[:len(prefix)], prefix) {
			t.Fatalf("%s: prefix %q lost", name, prefix)
		}
		if (err == nil) != (werr == nil) {
			t.Fatalf("%s (%d bytes, prefix %d): AppendDecompressed: %v; compress/zlib: %v", name, len(z), len(prefix), err, werr)
		}
		if err != nil {
			if !errors.Is(err, fastzlib.ErrCorrupt) && !errors.Is(err, fastzlib.ErrTooLarge) {
				t.Fatalf("%s: error %v wraps neither ErrCorrupt nor ErrTooLarge", name, err)
			}
			if len(got) != len(prefix) {
				t.Fatalf("%s: %d bytes returned with error %v, want the %d of dst", name, len(got), err, len(prefix))
			}
			continue
		}
		if !bytes.Equal(got[len(prefix):], want) {
			t.Fatalf("%s: decoded %d bytes, compress/zlib %d, differing at %d", name, len(got)-len(prefix), len(want), firstDiff(got[len(prefix):], want))
		}
	}
	return werr == nil
}

// checkDecodes checks that z decodes to want, here and with compress/zlib.
func checkDecodes(t testing.TB, name string, z, want []byte) {
	t.Helper()
	if !checkDecompress(t, name, z, len(want)) {
		t.Fatalf("%s: rejected", name)
	}
	got, err := fastzlib.AppendDecompressed(nil, z, len(want))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%s: %d bytes, %v; want %d", name, len(got), err, len(want))
	}
}

func TestDecompressRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for n := 0; n <= 300; n++ {
		for kind, src := range map[string][]byte{
			"random":     randomBytes(r, n),
			"repetitive": repetitive(r, n),
			"zeros":      make([]byte, n),
			"text":       text(r, n),
		} {
			checkDecodes(t, fmt.Sprintf("%s/%d", kind, n), fastzlib.Append(nil, src), src)
		}
	}
	for _, c := range []struct{ viewed, items int }{{0, 0}, {1, 0}, {0, 1}, {20, 5}, {100, 32}, {500, 200}} {
		src := sessionJSON(c.viewed, c.items)
		checkDecodes(t, fmt.Sprintf("json/%d/%d", c.viewed, c.items), fastzlib.Append(nil, src), src)
	}
	big := text(r, 1<<20)
	for name, src := range map[string][]byte{
		"text64K":   text64K,
		"random64K": randomBytes(r, 64<<10), // two stored blocks
		"text1M":    big,
		"random1M":  randomBytes(r, 1<<20), // 17 stored blocks
		"zeros1M":   make([]byte, 1<<20),
		"mixed1M":   append(bytes.Clone(big[:500000]), randomBytes(r, 500000)...),
	} {
		z := fastzlib.Append(nil, src)
		checkDecodes(t, name, z, src)
		// And into a dst that has to grow from a little room.
		dst := append(make([]byte, 0, 100), "prefix"...)
		got, err := fastzlib.AppendDecompressed(dst, z, len(src))
		if err != nil || string(got[:6]) != "prefix" || !bytes.Equal(got[6:], src) {
			t.Fatalf("%s after a prefix: %v", name, err)
		}
	}
}

// TestDecompressZlib decodes what compress/zlib writes at every kind of
// level, with flushes that split it into blocks, and what Python's zlib
// writes, as Django does, if python3 is there.
func TestDecompressZlib(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	inputs := map[string][]byte{
		"empty":      nil,
		"byte":       {'x'},
		"json700":    json700,
		"json4K":     json4K,
		"text64K":    text64K,
		"random":     randomBytes(r, 5000),
		"repetitive": repetitive(r, 20000),
		"zeros":      make([]byte, 100000),
	}
	for name, src := range inputs {
		for _, level := range []int{zlib.NoCompression, zlib.BestSpeed, zlib.DefaultCompression, zlib.BestCompression, zlib.HuffmanOnly} {
			checkDecodes(t, fmt.Sprintf("%s/level%d", name, level), zlibCompress(t, src, level), src)
			checkDecodes(t, fmt.Sprintf("%s/level%d/flushed", name, level), zlibFlushed(t, src, level, 1000), src)
		}
	}

	py := pythonPath(t)
	dir := t.TempDir()
	for name, src := range inputs {
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Levels 1, 6 (Django's) and 9; Z_FIXED, which writes fixed-Huffman
	// blocks only (so decoded here, not by compress/zlib), with and
	// without sync flushes, which add empty stored blocks; and small
	// windows, which change the header.
	script := `
import os, sys, zlib
d = sys.argv[1]
for name in os.listdir(d):
    if '.' in name:
        continue
    src = open(os.path.join(d, name), 'rb').read()
    def out(kind, z):
        open(os.path.join(d, name + '.' + kind), 'wb').write(z)
    for level in (1, 6, 9):
        out('level%d' % level, zlib.compress(src, level))
    c = zlib.compressobj(6, zlib.DEFLATED, 15, 8, zlib.Z_FIXED)
    out('fixed', c.compress(src) + c.flush())
    c = zlib.compressobj(6, zlib.DEFLATED, 15, 8, zlib.Z_FIXED)
    z = b''
    for i in range(0, len(src), 3000):
        z += c.compress(src[i:i+3000]) + c.flush(zlib.Z_SYNC_FLUSH)
    out('fixedflushed', z + c.flush())
    c = zlib.compressobj(6, zlib.DEFLATED, 9)
    out('window9', c.compress(src) + c.flush())
`
	cmd := exec.Command(py, "-c", script, dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("python: %v: %s", err, out)
	}
	for name, src := range inputs {
		for _, kind := range []string{"level1", "level6", "level9", "fixed", "fixedflushed", "window9"} {
			z, err := os.ReadFile(filepath.Join(dir, name+"."+kind))
			if err != nil {
				t.Fatal(err)
			}
			checkDecodes(t, "python/"+name+"/"+kind, z, src)
			if strings.HasPrefix(kind, "fixed") && !raceEnabled {
				// Only fixed-Huffman and stored blocks: the fast path,
				// which does not allocate.
				dst := make([]byte, 0, len(src))
				if a := testing.AllocsPerRun(10, func() { fastzlib.AppendDecompressed(dst, z, len(src)) }); a != 0 {
					t.Errorf("python/%s/%s: %v allocations: not decoded on the fast path", name, kind, a)
				}
			}
		}
	}
}

func pythonPath(t *testing.T) string {
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if py, err := exec.LookPath(p); err == nil {
			return py
		}
	}
	testenv.Missing(t, "python3")
	return ""
}

// zlibFlushed compresses src with compress/zlib, flushing every chunk
// bytes: a stream of several blocks, with an empty stored block at each
// flush.
func zlibFlushed(tb testing.TB, src []byte, level, chunk int) []byte {
	var buf bytes.Buffer
	w, err := zlib.NewWriterLevel(&buf, level)
	if err != nil {
		tb.Fatal(err)
	}
	for len(src) > 0 {
		n := min(len(src), chunk)
		w.Write(src[:n])
		w.Flush()
		src = src[n:]
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// bitWriter writes DEFLATE data by hand, to build streams no encoder
// writes. Everything it knows comes from RFC 1951, not from the code
// under test.
type bitWriter struct {
	out []byte
	acc uint64
	n   uint
	// want is the decompressed data that the stream stands for.
	want []byte
}

func (w *bitWriter) bits(v uint64, n uint) {
	w.acc |= v << w.n
	w.n += n
	for w.n >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.n -= 8
	}
}

// code writes a Huffman code, most significant bit first.
func (w *bitWriter) code(c uint64, n uint) {
	w.bits(uint64(bits.Reverse16(uint16(c))>>(16-n)), n)
}

// sym writes fixed literal/length symbol s (RFC 1951, 3.2.6).
func (w *bitWriter) sym(s int) {
	switch {
	case s < 144:
		w.code(0x30+uint64(s), 8)
	case s < 256:
		w.code(0x190+uint64(s-144), 9)
	case s < 280:
		w.code(uint64(s-256), 7)
	default:
		w.code(0xc0+uint64(s-280), 8)
	}
}

func (w *bitWriter) lit(b byte) {
	w.sym(int(b))
	w.want = append(w.want, b)
}

func (w *bitWriter) header(final bool, typ uint64) {
	f := uint64(0)
	if final {
		f = 1
	}
	w.bits(f|typ<<1, 3)
}

var (
	lenBase  = [29]int{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lenExtra = [29]uint{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	// distBase[c] and distExtra[c] for distance codes 0-29.
	distBase  = [30]int{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra = [30]uint{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
)

// matchCodes writes length code lc (0-28, symbol 257+lc) with extra bits
// lx, then distance code dc with extra bits dx, and records the copy.
func (w *bitWriter) matchCodes(lc int, lx uint64, dc int, dx uint64) {
	w.sym(257 + lc)
	w.bits(lx, lenExtra[lc])
	w.code(uint64(dc), 5)
	w.bits(dx, distExtra[dc])
	length, dist := lenBase[lc]+int(lx), distBase[dc]+int(dx)
	for range length {
		if dist <= len(w.want) {
			w.want = append(w.want, w.want[len(w.want)-dist])
		}
	}
}

// match writes a copy of length bytes from dist back, with the usual codes.
func (w *bitWriter) match(length, dist int) {
	lc := 28
	if length < 258 {
		for lc = 27; lenBase[lc] > length; lc-- {
		}
	}
	dc := 29
	for distBase[dc] > dist {
		dc--
	}
	w.matchCodes(lc, uint64(length-lenBase[lc]), dc, uint64(dist-distBase[dc]))
}

// stored writes a stored block holding p.
func (w *bitWriter) stored(final bool, p []byte) {
	w.header(final, 0)
	if w.n > 0 {
		w.bits(0, 8-w.n)
	}
	w.out = append(w.out, byte(len(p)), byte(len(p)>>8), ^byte(len(p)), ^byte(len(p)>>8))
	w.out = append(w.out, p...)
	w.want = append(w.want, p...)
}

// zlib returns the stream: header, the DEFLATE data and the Adler-32 of
// want.
func (w *bitWriter) zlib() []byte {
	out := []byte{0x78, 0x01}
	out = append(out, w.out...)
	if w.n > 0 {
		out = append(out, byte(w.acc))
	}
	return append(out, be32(stdadler.Checksum(w.want))...)
}

func be32(x uint32) []byte {
	return []byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)}
}

// TestDecompressAllCodes decodes a fixed-Huffman stream that uses every
// literal, every length (code 284 with all its extra bits set gives 258,
// which compress/flate accepts) and every distance code with its
// smallest and largest extra bits, in blocks between stored ones.
func TestDecompressAllCodes(t *testing.T) {
	r := rand.New(rand.NewPCG(35, 36))
	var w bitWriter
	w.stored(false, randomBytes(r, 100))
	w.header(false, 1)
	for range 33000 / 256 {
		for _, b := range r.Perm(256) {
			w.lit(byte(b))
		}
	}
	for lc := range 29 {
		for lx := range uint64(1) << lenExtra[lc] {
			for dc := range 30 {
				for _, dx := range []uint64{0, 1<<distExtra[dc] - 1} {
					w.matchCodes(lc, lx, dc, dx)
				}
			}
			w.lit(byte(lx))
		}
	}
	w.sym(256)
	w.stored(false, nil)
	w.header(true, 1)
	w.match(10, 1)
	w.match(258, 32768)
	w.sym(256)
	z := w.zlib()
	checkDecodes(t, "all codes", z, w.want)
	t.Logf("%d bytes decoded from %d", len(w.want), len(z))
}

// TestDecompressInvalidCodes checks that the codes the fixed code has but
// DEFLATE does not use are rejected, like every other malformed block.
func TestDecompressInvalidCodes(t *testing.T) {
	for _, c := range []struct {
		name  string
		write func(w *bitWriter)
	}{
		{"length 286", func(w *bitWriter) { w.sym(286); w.code(0, 5) }},
		{"length 287", func(w *bitWriter) { w.sym(287); w.code(0, 5) }},
		{"distance 30", func(w *bitWriter) { w.sym(257); w.code(30, 5) }},
		{"distance 31", func(w *bitWriter) { w.sym(257); w.code(31, 5) }},
		{"distance too far", func(w *bitWriter) { w.match(3, 3) }},
		{"distance 32768 too far", func(w *bitWriter) { w.match(3, 32768) }},
	} {
		var w bitWriter
		w.header(true, 1)
		w.lit('a')
		w.lit('b')
		c.write(&w)
		w.sym(256)
		z := w.zlib()
		if checkDecompress(t, c.name, z, 1<<20) {
			t.Errorf("%s: accepted", c.name)
		}
		_, err := fastzlib.AppendDecompressed(nil, z, 1<<20)
		if !errors.Is(err, fastzlib.ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", c.name, err)
		}
	}
	// Block type 3, and a stored block whose length and complement
	// disagree.
	var w bitWriter
	w.header(true, 3)
	if checkDecompress(t, "type 3", w.zlib(), 100) {
		t.Error("type 3 accepted")
	}
	z := []byte{0x78, 0x01, 1, 3, 0, 0xfc, 0xfe, 'a', 'b', 'c'}
	z = append(z, be32(stdadler.Checksum([]byte("abc")))...)
	if checkDecompress(t, "stored NLEN", z, 100) {
		t.Error("bad NLEN accepted")
	}
	z[6] = 0xff
	checkDecodes(t, "stored", z, []byte("abc"))
}

// TestDecompressNoPrefixReference checks that a match can never copy from
// what dst held before: a distance is checked against this stream's
// output only.
func TestDecompressNoPrefixReference(t *testing.T) {
	build := func(lits string, length, dist int) []byte {
		var w bitWriter
		w.header(true, 1)
		for i := range len(lits) {
			w.lit(lits[i])
		}
		w.match(length, dist)
		w.sym(256)
		return w.zlib()
	}
	for _, c := range []struct {
		name string
		z    []byte
		ok   bool
	}{
		{"distance 1 at 0", build("", 3, 1), false},
		{"distance 2 at 1", build("a", 4, 2), false},
		{"distance 8 at 7", build("abcdefg", 10, 8), false},
		{"distance 1 at 1", build("a", 4, 1), true},
		{"distance 7 at 7", build("abcdefg", 10, 7), true},
	} {
		for _, dst := range [][]byte{nil, []byte("prefix"), append(make([]byte, 0, 100), bytes.Repeat([]byte{'p'}, 50)...)} {
			n := len(dst)
			got, err := fastzlib.AppendDecompressed(dst, c.z, 100)
			if c.ok != (err == nil) {
				t.Fatalf("%s after %d bytes: %v", c.name, n, err)
			}
			if !c.ok && (!errors.Is(err, fastzlib.ErrCorrupt) || len(got) != n) {
				t.Fatalf("%s after %d bytes: %d bytes, %v", c.name, n, len(got), err)
			}
		}
		checkDecompress(t, c.name, c.z, 100)
	}
}

func TestDecompressHeader(t *testing.T) {
	z := fastzlib.Append(nil, []byte("header"))
	body := z[2:]
	accepted := 0
	for h := range 1 << 16 {
		s := append([]byte{byte(h >> 8), byte(h)}, body...)
		if checkDecompress(t, fmt.Sprintf("header %#04x", h), s, 100) {
			accepted++
		}
	}
	t.Logf("%d headers of 65536 accepted", accepted)
	// With a preset dictionary whose id is the empty dictionary's,
	// compress/zlib accepts the stream when given none; not here.
	dict := append([]byte{0x78, 0x20, 0, 0, 0, 1}, body...)
	if _, err := zlib.NewReader(bytes.NewReader(dict)); err != nil {
		t.Fatalf("compress/zlib no longer accepts FDICT with the empty dictionary's id: %v", err)
	}
	if _, err := fastzlib.AppendDecompressed(nil, dict, 100); !errors.Is(err, fastzlib.ErrCorrupt) {
		t.Errorf("FDICT: %v, want ErrCorrupt", err)
	}
}

// TestDecompressTrailing checks that bytes after the checksum are ignored,
// as compress/zlib's reader and Python's zlib.decompress ignore them.
func TestDecompressTrailing(t *testing.T) {
	random := randomBytes(rand.New(rand.NewPCG(37, 38)), 300)
	for _, c := range []struct{ src, z []byte }{
		{json700, fastzlib.Append(nil, json700)},
		{random, fastzlib.Append(nil, random)},
		{json700, zlibCompress(t, json700, zlib.DefaultCompression)},
	} {
		for _, tail := range []string{"x", "\x00\x00\x00\x00", "garbage after the stream", string(c.z)} {
			z := append(bytes.Clone(c.z), tail...)
			checkDecodes(t, fmt.Sprintf("trailing %q", tail[:min(len(tail), 8)]), z, c.src)
		}
	}
}

func TestDecompressLimit(t *testing.T) {
	r := rand.New(rand.NewPCG(39, 40))
	random := randomBytes(r, 1000)
	for _, c := range []struct {
		name string
		src  []byte
		z    []byte
	}{
		{"fixed", json700, fastzlib.Append(nil, json700)},
		{"stored", random, fastzlib.Append(nil, random)},
		{"stored/level0", json700, zlibCompress(t, json700, zlib.NoCompression)},
		{"fallback", json700, zlibCompress(t, json700, zlib.DefaultCompression)},
		{"fallback/zeros", make([]byte, 100000), zlibCompress(t, make([]byte, 100000), zlib.DefaultCompression)},
		{"fixed/zeros", make([]byte, 100000), fastzlib.Append(nil, make([]byte, 100000))},
	} {
		n := len(c.src)
		for _, dst := range [][]byte{nil, []byte("abc"), make([]byte, 5, n+100), make([]byte, 5, n+5), make([]byte, 5, n+4)} {
			pre := len(dst)
			got, err := fastzlib.AppendDecompressed(dst, c.z, n)
			if err != nil || !bytes.Equal(got[pre:], c.src) {
				t.Fatalf("%s: limit %d, the size: %v", c.name, n, err)
			}
			for _, limit := range []int{n - 1, n / 2, 1, 0, -1} {
				got, err := fastzlib.AppendDecompressed(dst, c.z, limit)
				if !errors.Is(err, fastzlib.ErrTooLarge) || len(got) != pre {
					t.Fatalf("%s: limit %d for %d bytes: %d bytes, %v", c.name, limit, n, len(got), err)
				}
			}
			got, err = fastzlib.AppendDecompressed(dst, c.z, math.MaxInt)
			if err != nil || !bytes.Equal(got[pre:], c.src) {
				t.Fatalf("%s: no limit: %v", c.name, err)
			}
		}
	}
	// Nothing fits in 0 bytes but nothing.
	for _, z := range [][]byte{fastzlib.Append(nil, nil), zlibCompress(t, nil, zlib.DefaultCompression), zlibCompress(t, nil, zlib.NoCompression)} {
		if got, err := fastzlib.AppendDecompressed(nil, z, 0); err != nil || len(got) != 0 {
			t.Fatalf("empty stream, limit 0: %q, %v", got, err)
		}
	}
}

// TestDecompressBomb decodes a megabyte of zeros with a 64 KB limit, and
// checks that it fails without allocating much more than the limit.
func TestDecompressBomb(t *testing.T) {
	const limit = 64 << 10
	zeros := make([]byte, 1<<20)
	for _, c := range []struct {
		name string
		z    []byte
	}{
		{"fixed", fastzlib.Append(nil, zeros)},
		{"level6", zlibCompress(t, zeros, zlib.DefaultCompression)},
		{"level9", zlibCompress(t, zeros, zlib.BestCompression)},
	} {
		fastzlib.AppendDecompressed(nil, c.z, limit) // fill the reader pool
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		got, err := fastzlib.AppendDecompressed(nil, c.z, limit)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, fastzlib.ErrTooLarge) || len(got) != 0 {
			t.Fatalf("%s: %d bytes, %v", c.name, len(got), err)
		}
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("%s: %d bytes compressed, %d allocated", c.name, len(c.z), alloc)
		// Growing by doubling, and straight to the limit past half of
		// it, allocates under twice the limit.
		if !raceEnabled && alloc > 2*limit {
			t.Errorf("%s: %d bytes allocated for a %d-byte limit", c.name, alloc, limit)
		}
	}
}

// TestDecompressCorruption flips every bit of a few streams of each kind,
// and truncates them at every length: whatever happens must agree with
// compress/zlib.
func TestDecompressCorruption(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	var mixed bitWriter
	mixed.stored(false, []byte("stored, then "))
	mixed.header(false, 1)
	for _, b := range []byte("fixed, then fixed, then ") {
		mixed.lit(b)
	}
	mixed.match(20, 11)
	mixed.sym(256)
	mixed.stored(false, nil)
	mixed.header(true, 1)
	mixed.match(30, 37)
	mixed.lit('!')
	mixed.sym(256)
	streams := map[string][]byte{
		"fixed/json":     fastzlib.Append(nil, json700[:300]),
		"fixed/text":     fastzlib.Append(nil, []byte("hello, hello, hello world, hello")),
		"fixed/empty":    fastzlib.Append(nil, nil),
		"stored":         fastzlib.Append(nil, randomBytes(r, 100)),
		"stored/flushed": zlibFlushed(t, randomBytes(r, 90), zlib.NoCompression, 30),
		"dynamic":        zlibCompress(t, json700[:300], zlib.DefaultCompression),
		"mixed":          mixed.zlib(),
	}
	if z := streams["stored"]; z[2]&7 != 1 {
		t.Fatalf("stored: block header %03b", z[2]&7)
	}
	cases, accepted := 0, 0
	for name, z := range streams {
		if !checkDecompress(t, name, z, 1<<20) {
			t.Fatalf("%s: not a valid stream", name)
		}
		c := bytes.Clone(z)
		for i := range len(c) * 8 {
			c[i/8] ^= 1 << (i % 8)
			if checkDecompress(t, fmt.Sprintf("%s with bit %d flipped", name, i), c, 1<<20) {
				accepted++
			}
			c[i/8] ^= 1 << (i % 8)
			cases++
		}
		for n := range len(z) {
			if checkDecompress(t, fmt.Sprintf("%s cut to %d bytes", name, n), z[:n], 1<<20) {
				t.Errorf("%s cut to %d bytes: accepted", name, n)
			}
			cases++
		}
	}
	t.Logf("%d corrupted streams, %d of them accepted by both", cases, accepted)
}

// TestDecompressAllocs checks that the fast path allocates nothing when
// dst has room.
func TestDecompressAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	random := randomBytes(r, 3000)
	for name, z := range map[string][]byte{
		"fixed":  fastzlib.Append(nil, json4K),
		"stored": fastzlib.Append(nil, random),
	} {
		dst := make([]byte, 0, 5000)
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := fastzlib.AppendDecompressed(dst, z, len(dst)+5000); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per call", name, allocs)
		}
	}
}

func FuzzDecompress(f *testing.F) {
	r := rand.New(rand.NewPCG(45, 46))
	for _, src := range [][]byte{nil, []byte("a"), []byte("abcabcabcabcabcXabcabc"), json700[:200], randomBytes(r, 50), make([]byte, 300)} {
		f.Add(fastzlib.Append(nil, src))
		for _, level := range []int{zlib.NoCompression, zlib.BestSpeed, zlib.DefaultCompression, zlib.HuffmanOnly} {
			f.Add(zlibCompress(f, src, level))
		}
	}
	var w bitWriter
	w.stored(false, []byte("stored"))
	w.header(true, 1)
	w.lit('x')
	w.match(10, 7)
	w.sym(256)
	f.Add(w.zlib())
	f.Fuzz(func(t *testing.T, z []byte) {
		checkDecompress(t, "fuzz", z, 1<<20)
	})
}
