package fastzlib_test

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"math/rand/v2"
	"os/exec"
	"sync"
	"testing"

	"github.com/sessionkit/sessionkit/internal/fastzlib"
)

func TestRoundTripEveryLength(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := 0; n <= 300; n++ {
		checkRoundTrip(t, fmt.Sprint("random/", n), randomBytes(r, n))
		checkRoundTrip(t, fmt.Sprint("repetitive/", n), repetitive(r, n))
		checkRoundTrip(t, fmt.Sprint("zeros/", n), make([]byte, n))
		checkRoundTrip(t, fmt.Sprint("text/", n), text(r, n))
	}
}

func TestRoundTripJSON(t *testing.T) {
	for _, c := range []struct{ viewed, items int }{{0, 0}, {1, 0}, {0, 1}, {20, 5}, {100, 32}, {500, 200}} {
		checkRoundTrip(t, fmt.Sprintf("json/%d/%d", c.viewed, c.items), sessionJSON(c.viewed, c.items))
	}
	checkRoundTrip(t, "json/empty", []byte("{}"))
}

func TestRoundTripLarge(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{64 << 10, 65535, 65536, 65537, 1 << 20} {
		checkRoundTrip(t, fmt.Sprint("random/", n), randomBytes(r, n))
		checkRoundTrip(t, fmt.Sprint("zeros/", n), make([]byte, n))
		checkRoundTrip(t, fmt.Sprint("text/", n), text(r, n))
		checkRoundTrip(t, fmt.Sprint("repeated/", n), bytes.Repeat([]byte("a repeated line of text.\n"), n/25+1)[:n])
		checkRoundTrip(t, fmt.Sprint("repetitive/", n), repetitive(r, n))
		checkRoundTrip(t, fmt.Sprint("ascii/", n), asciiNoise(r, n))
	}
	// Random data in a compressible stream, and the reverse.
	mixed := append(text(r, 40000), randomBytes(r, 100000)...)
	mixed = append(mixed, make([]byte, 30000)...)
	checkRoundTrip(t, "mixed", mixed)
}

// TestWindowEdge repeats a 300-byte chunk exactly window (32768) and one
// more byte apart, in filler with no repeats of its own: only the first
// may be matched, which shows in the size.
func TestWindowEdge(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	chunk := asciiNoise(r, 300)
	size := map[int]int{}
	for _, dist := range []int{32767, 32768, 32769, 40000} {
		src := append(asciiNoise(r, 1000), chunk...)
		src = append(src, asciiNoise(r, dist-len(chunk))...)
		src = append(src, chunk...)
		src = append(src, asciiNoise(r, 1000)...)
		size[dist] = len(checkRoundTrip(t, fmt.Sprint("distance/", dist), src)) - dist
	}
	t.Logf("size minus distance: %v", size)
	if size[32768] > size[32769]-250 {
		t.Errorf("the repeat at distance 32768 was not matched: %v", size)
	}
	if size[32769] < size[40000]-5 {
		t.Errorf("the repeat at distance 32769 looks matched: %v", size)
	}
}

// TestMatchLengths covers matches around the 258-byte maximum, both of a
// repeated chunk and of a run of one byte (distance 1).
func TestMatchLengths(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{3, 4, 5, 255, 256, 257, 258, 259, 260, 515, 516, 517, 1000} {
		chunk := asciiNoise(r, n)
		src := append(asciiNoise(r, 10), chunk...)
		src = append(src, chunk...)
		src = append(src, asciiNoise(r, 10)...)
		checkRoundTrip(t, fmt.Sprint("repeat/", n), src)
		for _, tail := range []int{0, 1, 3, 4, 5} {
			run := append(asciiNoise(r, 5), bytes.Repeat([]byte{'x'}, n+1)...)
			checkRoundTrip(t, fmt.Sprintf("run/%d/%d", n, tail), append(run, asciiNoise(r, tail)...))
		}
	}
}

func TestAppendKeepsPrefix(t *testing.T) {
	src := json700
	for _, dst := range [][]byte{nil, {}, []byte("x"), make([]byte, 100, 1000), bytes.Repeat([]byte("p"), 5000)} {
		want := bytes.Clone(dst)
		out := fastzlib.Append(dst, src)
		if !bytes.Equal(out[:len(want)], want) {
			t.Fatalf("prefix of %d bytes changed", len(want))
		}
		got, err := inflate(out[len(want):])
		if err != nil || !bytes.Equal(got, src) {
			t.Fatalf("after a %d-byte prefix: %v", len(want), err)
		}
	}
	// Appending twice gives two whole streams.
	a := fastzlib.Append(nil, []byte("first"))
	n := len(a)
	a = fastzlib.Append(a, []byte("second"))
	if got, err := inflate(a[:n]); err != nil || string(got) != "first" {
		t.Fatalf("first stream: %q, %v", got, err)
	}
	if got, err := inflate(a[n:]); err != nil || string(got) != "second" {
		t.Fatalf("second stream: %q, %v", got, err)
	}
}

func TestDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	inputs := [][]byte{json700, json4K, text64K[:10000], repetitive(r, 5000), []byte("abcdabcdabcd")}
	var first [][]byte
	for _, in := range inputs {
		first = append(first, fastzlib.Append(nil, in))
	}
	for range 3 {
		for i, in := range inputs {
			if got := fastzlib.Append(nil, in); !bytes.Equal(got, first[i]) {
				t.Fatalf("input %d: output changed between calls", i)
			}
		}
	}
}

// TestBlockType checks that compressible input gets a fixed-Huffman block
// and random input stored blocks.
func TestBlockType(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, c := range []struct {
		name string
		src  []byte
		want byte // the first 3 bits of the DEFLATE data
	}{
		{"empty", nil, 0b011},
		{"json", json700, 0b011},
		{"text", text64K, 0b011},
		{"ascii", asciiNoise(r, 1000), 0b011},
		{"random", randomBytes(r, 1000), 0b001},
		{"random/big", randomBytes(r, 200000), 0b000},
	} {
		z := fastzlib.Append(nil, c.src)
		if got := z[2] & 7; got != c.want {
			t.Errorf("%s: block header %03b, want %03b", c.name, got, c.want)
		}
	}
}

func TestSizeBound(t *testing.T) {
	for _, n := range []int{0, 1, 2, 10, 100, 1000, 65535, 65536, 131070, 131071, 300000} {
		r := rand.New(rand.NewPCG(uint64(n), 15))
		src := randomBytes(r, n)
		z := fastzlib.Append(nil, src)
		bound := fastzlib.MaxLen(n)
		if len(z) > bound {
			t.Errorf("%d random bytes: %d bytes out, bound %d", n, len(z), bound)
		}
		if n <= 65535 && bound != n+11 {
			t.Errorf("MaxLen(%d) = %d, want %d", n, bound, n+11)
		}
		// Random input is stored, so the bound is met exactly, except for
		// tiny inputs where the fixed block is shorter.
		if n >= 100 && len(z) != bound {
			t.Errorf("%d random bytes: %d bytes out, want %d (stored)", n, len(z), bound)
		}
	}
}

// TestRatio checks that session-sized JSON shrinks, and logs how far the
// fixed codes fall behind compress/zlib.
func TestRatio(t *testing.T) {
	for _, c := range []struct {
		name string
		src  []byte
	}{{"json700", json700}, {"json4K", json4K}, {"text64K", text64K}} {
		ours := len(fastzlib.Append(nil, c.src))
		fast := len(zlibCompress(t, c.src, zlib.BestSpeed))
		def := len(zlibCompress(t, c.src, zlib.DefaultCompression))
		t.Logf("%s: %d bytes in; fastzlib %d, compress/zlib BestSpeed %d, DefaultCompression %d", c.name, len(c.src), ours, fast, def)
		if ours >= len(c.src) {
			t.Errorf("%s: %d bytes compressed to %d", c.name, len(c.src), ours)
		}
	}
	if n := len(json700); n < 600 || n > 800 {
		t.Errorf("json700 is %d bytes", n)
	}
	if n := len(json4K); n < 3800 || n > 4400 {
		t.Errorf("json4K is %d bytes", n)
	}
}

// TestPython decompresses streams with Python's zlib module, the one
// Django's signing.loads uses.
func TestPython(t *testing.T) {
	py, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		if py, err = exec.LookPath("python3"); err != nil {
			testenv.Missing(t, "python3")
		}
	}
	r := rand.New(rand.NewPCG(16, 17))
	for _, c := range []struct {
		name string
		src  []byte
	}{
		{"empty", nil},
		{"byte", []byte{0xff}},
		{"json700", json700},
		{"json4K", json4K},
		{"text64K", text64K},
		{"zeros", make([]byte, 100000)},
		{"random", randomBytes(r, 70000)},
		{"repetitive", repetitive(r, 20000)},
	} {
		cmd := exec.Command(py, "-c", "import sys,zlib;sys.stdout.buffer.write(zlib.decompress(sys.stdin.buffer.read()))")
		cmd.Stdin = bytes.NewReader(fastzlib.Append(nil, c.src))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		got, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: python: %v: %s", c.name, err, stderr.Bytes())
		}
		if !bytes.Equal(got, c.src) {
			t.Fatalf("%s: python decoded %d bytes, differing at %d", c.name, len(got), firstDiff(got, c.src))
		}
	}
}

func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("under the race detector, sync.Pool drops some of what it is given")
	}
	dst := make([]byte, 0, fastzlib.MaxLen(len(json4K))+16)
	fastzlib.Append(dst, json4K) // fill the pool
	allocs := testing.AllocsPerRun(100, func() {
		fastzlib.Append(dst[:0], json700)
		fastzlib.Append(dst[:0], json4K)
	})
	// The pool may lose its encoder to a GC, so allow a little.
	if allocs > 0.1 {
		t.Errorf("%v allocations per call with room in dst", allocs)
	}
}

// FuzzDifferential checks fastzlib against compress/flate, through
// compress/zlib, in both directions: what Append writes, compress/zlib
// reads back as the input, within MaxLen, and AppendDecompressed agrees;
// what compress/zlib writes, at the level the fuzzer picks, is read back
// by AppendDecompressed as the input, and refused one byte under its
// length, as compress/zlib refuses it. CI runs it for a few seconds (make
// fuzz).
func FuzzDifferential(f *testing.F) {
	for i, src := range [][]byte{
		{},
		[]byte("a"),
		[]byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
		[]byte("abcabcabcabcabcXabcabcabc"),
		json700,
		{0xff, 0xfe, 0x00, 0x01, 0x90, 0x8f},
	} {
		f.Add(src, int8(i))
	}
	f.Fuzz(func(t *testing.T, src []byte, level int8) {
		z := checkRoundTrip(t, "Append", src)
		checkDecodes(t, "Append", z, src)
		// HuffmanOnly (-2), DefaultCompression (-1), 0 to 9.
		lvl := (int(level)%12+12)%12 - 2
		zz := pooledZlib(t, src, lvl)
		checkDecodes(t, fmt.Sprintf("compress/zlib level %d", lvl), zz, src)
		if len(src) > 0 && checkDecompress(t, "one byte under the limit", zz, len(src)-1) {
			t.Fatalf("compress/zlib level %d, %d bytes: accepted with a limit of %d", lvl, len(src), len(src)-1)
		}
	})
}

// zlibWriters[level+2] recycles compress/zlib writers, whose allocation
// would otherwise be most of an execution of FuzzDifferential.
var zlibWriters [12]sync.Pool

// pooledZlib is zlibCompress with a recycled writer.
func pooledZlib(tb testing.TB, src []byte, level int) []byte {
	var buf bytes.Buffer
	w, _ := zlibWriters[level+2].Get().(*zlib.Writer)
	if w == nil {
		var err error
		if w, err = zlib.NewWriterLevel(&buf, level); err != nil {
			tb.Fatal(err)
		}
	} else {
		w.Reset(&buf)
	}
	defer zlibWriters[level+2].Put(w)
	w.Write(src)
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
