package pyjson_test

import (
	"encoding/json"
	"testing"

	"github.com/sessionkit/sessionkit/pyjson"
)

// A typical Django session, as Django writes it.
const benchSession = `{"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend",` +
	`"_auth_user_hash":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",` +
	`"_session_expiry":1209600,"cart":["A1","B2",{"sku":"C3","qty":2}],"seen":true,"total":12.5,` +
	`"prefs":{"theme":"dark","tz":null},"name":"J\u00fcrgen"}`

func BenchmarkUnmarshalOrdered(b *testing.B) {
	data := []byte(benchSession)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pyjson.UnmarshalOrdered(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeObject decodes a session and reads one key (Lazy), or
// every key (All), as a handler would.
func BenchmarkDecodeObject(b *testing.B) {
	data := []byte(benchSession)
	b.Run("Lazy", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			o, err := pyjson.DecodeObject(data)
			if err != nil {
				b.Fatal(err)
			}
			o.Get("_auth_user_id")
		}
	})
	b.Run("All", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			o, err := pyjson.DecodeObject(data)
			if err != nil {
				b.Fatal(err)
			}
			for range o.All() {
			}
		}
	})
}

func BenchmarkMarshal(b *testing.B) {
	v, err := pyjson.DecodeObject([]byte(benchSession))
	if err != nil {
		b.Fatal(err)
	}
	for range v.All() {
		// Read every value, so that all of them are encoded rather than
		// copied as they came.
	}
	buf := make([]byte, 0, 1024)
	b.SetBytes(int64(len(benchSession)))
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = pyjson.AppendMarshal(buf[:0], v); err != nil {
			b.Fatal(err)
		}
	}
}

// encoding/json on the same data, for comparison (it writes different
// bytes: raw UTF-8, sorted keys, 12.5 but also 1 for 1.0).
func BenchmarkEncodingJSON(b *testing.B) {
	data := []byte(benchSession)
	b.Run("Unmarshal", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var v map[string]any
			if err := json.Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Marshal", func(b *testing.B) {
		var v map[string]any
		json.Unmarshal(data, &v)
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
