package pypickle

import (
	"bytes"
	"testing"

	ogórek "github.com/kisielk/og-rek"
)

// benchSession is a Django-written entry (django5.2-redis-1): a cart, a
// list, a big int and non-ASCII text.
func benchSession(b *testing.B) []byte {
	p, ok := seeds(b)["django5.2-redis-1"]
	if !ok {
		b.Fatal("seed django5.2-redis-1 is missing")
	}
	return p
}

// BenchmarkDecodeJSON: a Django entry to the session's JSON, as Load does.
func BenchmarkDecodeJSON(b *testing.B) {
	p := benchSession(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeJSON(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeJSON: the session's JSON to a pickle, as a save does.
func BenchmarkEncodeJSON(b *testing.B) {
	j, err := DecodeJSON(benchSession(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeJSON(j); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOgórekDecode: og-rek's decoding of the same entry into Go
// values (no JSON), for comparison.
func BenchmarkOgórekDecode(b *testing.B) {
	p := benchSession(b)
	b.ReportAllocs()
	for b.Loop() {
		d := ogórek.NewDecoderWithConfig(bytes.NewReader(p), &ogórek.DecoderConfig{StrictUnicode: true})
		if _, err := d.Decode(); err != nil {
			b.Fatal(err)
		}
	}
}
