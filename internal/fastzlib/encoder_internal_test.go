package fastzlib

import (
	"bytes"
	"compress/zlib"
	"io"
	"math"
	"math/rand/v2"
	"testing"
)

func inflate(t *testing.T, z []byte) []byte {
	t.Helper()
	r, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// testInputs are a few inputs of each kind, up to a few hundred KB.
func testInputs() map[string][]byte {
	r := rand.New(rand.NewPCG(21, 22))
	noise := func(n int, limit int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.IntN(limit))
		}
		return b
	}
	in := map[string][]byte{
		"empty":  nil,
		"short":  []byte("abc"),
		"four":   []byte("abcd"),
		"run":    bytes.Repeat([]byte{'z'}, 1000),
		"cycle":  bytes.Repeat([]byte("0123456789"), 5000),
		"random": noise(5000, 256),
		"ascii":  noise(5000, 128),
		"high":   noise(5000, 256-144), // all 9-bit literals
		"json":   []byte(`{"cart":[{"name":"Product number 0 with a descriptive name","price":19.99,"qty":1,"sku":"SKU-000000"},{"name":"Product number 1 with a descriptive name","price":20.99,"qty":2,"sku":"SKU-007919"}],"email":"alice@example.com"}`),
	}
	var mixed []byte
	for range 200 {
		switch r.IntN(3) {
		case 0:
			mixed = append(mixed, noise(1+r.IntN(2000), 256)...)
		case 1:
			mixed = append(mixed, bytes.Repeat([]byte{byte(r.Uint32())}, r.IntN(600))...)
		default:
			if len(mixed) > 0 {
				p := r.IntN(len(mixed))
				mixed = append(mixed, mixed[p:p+min(len(mixed)-p, r.IntN(400))]...)
			}
		}
	}
	in["mixed"] = mixed
	for i := range in["high"] {
		in["high"][i] += 144
	}
	return in
}

// TestEncodeLimit gives encode every limit short of what it needs, with
// no more room than it is promised, to check that it stops in time and
// says so.
func TestEncodeLimit(t *testing.T) {
	for name, src := range testInputs() {
		if len(src) > 20000 {
			src = src[:20000]
		}
		const o = 3 // an offset into out, as after a prefix and the header
		big := make([]byte, o+2*len(src)+100)
		full, ok := newEncoder(math.MaxInt32).encode(big, o, src, len(big)-slack)
		if !ok {
			t.Fatalf("%s: no room in %d bytes", name, len(big))
		}
		want := big[o:full]
		step := max(1, len(want)/300)
		for limit := o; limit <= full+2; limit += step {
			out := make([]byte, limit+slack)
			n, ok := newEncoder(math.MaxInt32).encode(out, o, src, limit)
			if ok != (full <= limit) {
				t.Fatalf("%s: with limit %d, ok=%v, but %d bytes are needed", name, limit, ok, full)
			}
			if ok && !bytes.Equal(out[o:n], want) {
				t.Fatalf("%s: with limit %d, different output", name, limit)
			}
		}
	}
}

// TestValuesRunOut uses encoders with few table values, so that they
// reset at the start of calls, mid-way through calls and after saturating.
func TestValuesRunOut(t *testing.T) {
	inputs := testInputs()
	names := []string{"empty", "short", "four", "run", "cycle", "random", "ascii", "high", "json", "mixed"}
	big := bytes.Repeat(inputs["mixed"], 3) // more than maxValue below
	for _, maxValue := range []int{window + 1 + maxMatch + 1000, 100_000, 300_000} {
		e := newEncoder(maxValue)
		for round := range 4 {
			for _, name := range names {
				src := inputs[name]
				if round == 3 {
					src = big
					name = "big"
				}
				z := e.append(nil, src)
				if got := inflate(t, z); !bytes.Equal(got, src) {
					t.Fatalf("maxValue %d, %s: round trip failed", maxValue, name)
				}
				// A fresh encoder of the same kind gives the same bytes.
				if fresh := newEncoder(maxValue).append(nil, src); !bytes.Equal(z, fresh) {
					t.Fatalf("maxValue %d, round %d, %s: output depends on earlier calls", maxValue, round, name)
				}
			}
		}
	}
}

// TestStaleTable checks that what an encoder saw before does not change
// its output: encoding after other inputs, or with a table full of
// arbitrary values, gives the same bytes as a fresh encoder.
func TestStaleTable(t *testing.T) {
	inputs := testInputs()
	r := rand.New(rand.NewPCG(23, 24))
	used := newEncoder(math.MaxInt32)
	for name, src := range inputs {
		want := newEncoder(math.MaxInt32).append(nil, src)
		for other, prev := range inputs {
			used.append(nil, prev)
			if got := used.append(nil, src); !bytes.Equal(got, want) {
				t.Fatalf("%s after %s: output differs from a fresh encoder's", name, other)
			}
		}
		// Values below cur-window are stale, whatever they are.
		junk := newEncoder(math.MaxInt32)
		junk.cur = 1 << 30
		for i := range junk.table {
			junk.table[i] = int32(r.IntN(junk.cur - window))
		}
		if got := junk.append(nil, src); !bytes.Equal(got, want) {
			t.Fatalf("%s: output differs with a table of stale values", name)
		}
	}
}

// TestCodes encodes every match length at distances on each side of every
// distance code's boundaries, and checks the round trip.
func TestCodes(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	// Distances 1-4 have codes 0-3; past that, codes pair up on each
	// power of two: 2^n+1 to 2^n+2^(n-1), and on to 2^(n+1).
	dists := []int{1, 2, 3, 4}
	for n := 2; n < 15; n++ {
		dists = append(dists, 1<<n+1, 1<<n+1<<(n-1), 1<<n+1<<(n-1)+1, 2<<n)
	}
	e := newEncoder(math.MaxInt32)
	for _, d := range dists {
		// d bytes with no repeated 4-byte sequence, so the only match is
		// the repeat of the prefix at distance d.
		unique := make([]byte, d)
		for i := range unique {
			unique[i] = byte(r.IntN(128))
		}
		lengths := []int{4, 5, 10, 11, 18, 19, 34, 35, 66, 67, 130, 131, 226, 227, 257, 258, 259}
		if d <= 64 {
			lengths = lengths[:0]
			for l := 4; l <= 260; l++ {
				lengths = append(lengths, l)
			}
		}
		for _, l := range lengths {
			src := append(bytes.Clone(unique), unique[:min(l, d)]...)
			for len(src) < d+l {
				src = append(src, src[len(src)-d])
			}
			src = append(src, '\xff')
			z := e.append(nil, src)
			if got := inflate(t, z); !bytes.Equal(got, src) {
				t.Fatalf("distance %d, length %d: round trip failed", d, l)
			}
			// Literals cost a byte each: the repeat must have been found.
			if l >= 64 && len(z) > len(src)-l/2 {
				t.Errorf("distance %d, length %d: %d bytes for %d: no match found", d, l, len(z), len(src))
			}
		}
	}
}
