package fastzlib_test

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit/internal/fastzlib"
)

// inflate decodes a zlib stream with compress/zlib, which also checks the
// header and the Adler-32 trailer.
func inflate(z []byte) ([]byte, error) {
	r, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, err
	}
	got, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return got, r.Close()
}

// checkRoundTrip compresses src after a prefix and checks that the prefix
// is kept, the stream decodes to src and the size bound holds.
func checkRoundTrip(t *testing.T, name string, src []byte) []byte {
	t.Helper()
	prefix := []byte("prefix:")
	out := fastzlib.Append(bytes.Clone(prefix), src)
	if !bytes.HasPrefix(out, prefix) {
		t.Fatalf("%s: prefix lost: %q", name, out[:min(len(out), len(prefix))])
	}
	z := out[len(prefix):]
	if len(z) > fastzlib.MaxLen(len(src)) {
		t.Errorf("%s: %d bytes of output for %d of input, more than MaxLen %d", name, len(z), len(src), fastzlib.MaxLen(len(src)))
	}
	if z[0] != 0x78 || z[1] != 0x01 {
		t.Errorf("%s: header %#x %#x, want 0x78 0x01", name, z[0], z[1])
	}
	got, err := inflate(z)
	if err != nil {
		t.Fatalf("%s (%d bytes): inflate: %v", name, len(src), err)
	}
	if !bytes.Equal(got, src) {
		t.Fatalf("%s (%d bytes): round trip differs at byte %d of %d (got %d bytes)", name, len(src), firstDiff(got, src), len(src), len(got))
	}
	return z
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// asciiNoise is random bytes below 128: 8 bits each under the fixed codes,
// and nearly free of 4-byte repeats, so it compresses to about its size.
func asciiNoise(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.IntN(128))
	}
	return b
}

// repetitive is short random phrases repeated at random, with runs.
func repetitive(r *rand.Rand, n int) []byte {
	var phrases [][]byte
	for range 5 {
		phrases = append(phrases, randomBytes(r, 1+r.IntN(12)))
	}
	var b []byte
	for len(b) < n {
		if r.IntN(4) == 0 {
			b = append(b, bytes.Repeat([]byte{byte(r.Uint32())}, r.IntN(300))...)
		} else {
			b = append(b, phrases[r.IntN(len(phrases))]...)
		}
	}
	return b[:n]
}

var words = strings.Fields(`the session cookie is signed and compressed before it is sent to the
browser which returns it with every request so its size and the time spent on it matter
a server reads the cookie checks the signature inflates the payload and decodes the json
into a map of values that the handler may change before the response writes it back`)

// text is n bytes of random words.
func text(r *rand.Rand, n int) []byte {
	var b []byte
	for len(b) < n {
		b = append(b, words[r.IntN(len(words))]...)
		if r.IntN(12) == 0 {
			b = append(b, ".\n"...)
		} else {
			b = append(b, ' ')
		}
	}
	return b[:n]
}

// sessionJSON is a session like a shop keeps: recently viewed product
// ids, a cart and a user.
func sessionJSON(viewed, items int) []byte {
	type item struct {
		Name  string  `json:"name"`
		Price float64 `json:"price"`
		Qty   int     `json:"qty"`
		SKU   string  `json:"sku"`
	}
	s := map[string]any{"name": "Alice Example", "email": "alice@example.com"}
	var ids []int
	for i := range viewed {
		ids = append(ids, 100000+37*i)
	}
	s["recently_viewed"] = ids
	var cart []item
	for i := range items {
		cart = append(cart, item{
			Name:  fmt.Sprintf("Product number %d with a descriptive name", i),
			Price: 19.99 + float64(i),
			Qty:   1 + i%3,
			SKU:   fmt.Sprintf("SKU-%06d", i*7919),
		})
	}
	s["cart"] = cart
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return b
}

// The payloads measured by the tests and benchmarks.
var (
	json700 = sessionJSON(20, 5)
	json4K  = sessionJSON(100, 32)
	text64K = text(rand.New(rand.NewPCG(1, 2)), 64<<10)
)

func zlibCompress(tb testing.TB, src []byte, level int) []byte {
	var buf bytes.Buffer
	w, err := zlib.NewWriterLevel(&buf, level)
	if err != nil {
		tb.Fatal(err)
	}
	w.Write(src)
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
