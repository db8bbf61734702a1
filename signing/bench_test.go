package signing_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/pyjson"
	"github.com/sessionkit/sessionkit/signing"
)

const benchKey = "django-insecure-interop-test-key-0123456789abcdef"

// benchPayloads are session-like objects: "small" is 112 bytes of JSON,
// which makes a 201-byte token; "1KB" is 1071 bytes of JSON.
func benchPayloads() map[string]any {
	small := new(pyjson.Object)
	small.Set("_auth_user_id", "42")
	small.Set("_auth_user_backend", "django.contrib.auth.backends.ModelBackend")
	small.Set("cart", []any{"A1", "B2"})
	small.Set("n", 1)
	large := new(pyjson.Object)
	for i := range 20 {
		large.Set(fmt.Sprintf("key_%02d", i), fmt.Sprintf("value %d: %s", i, strings.Repeat("é-x", 4)))
	}
	return map[string]any{"small": small, "1KB": large}
}

// BenchmarkHMACSHA256 is the yardstick: one HMAC-SHA256 over a 200-byte
// token, with the key set up per operation (as a one-shot Loads must) and
// with a keyed state reused (as a long-lived Signer does).
func BenchmarkHMACSHA256(b *testing.B) {
	key := sha256.Sum256([]byte("django.core.signingsigner" + benchKey))
	msg := []byte(strings.Repeat("x", 200))
	b.Run("200B/new", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		b.ReportAllocs()
		for b.Loop() {
			m := hmac.New(sha256.New, key[:])
			m.Write(msg)
			m.Sum(nil)
		}
	})
	b.Run("200B/reused", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		b.ReportAllocs()
		m := hmac.New(sha256.New, key[:])
		var sum [sha256.Size]byte
		for b.Loop() {
			m.Reset()
			m.Write(msg)
			m.Sum(sum[:0])
		}
	})
}

// BenchmarkLoadsOverHMAC reads off how many HMAC-SHA256s over the same
// 200-byte token a Loads costs. It alternates batches of each so that both
// see the same load on a shared machine, and reports the ratio of their
// total times against both yardsticks of BenchmarkHMACSHA256.
func BenchmarkLoadsOverHMAC(b *testing.B) {
	token, _ := signing.Dumps(benchPayloads()["small"], benchKey, "", false)
	key := sha256.Sum256([]byte("django.core.signingsigner" + benchKey))
	msg := []byte(token)
	reused := hmac.New(sha256.New, key[:])
	var sum [sha256.Size]byte
	const batch = 200
	var loads, hmacNew, hmacReused time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		for range batch {
			if _, err := signing.Loads(token, benchKey, "", signing.NoMaxAge); err != nil {
				b.Fatal(err)
			}
		}
		mid := time.Now()
		for range batch {
			m := hmac.New(sha256.New, key[:])
			m.Write(msg)
			m.Sum(nil)
		}
		mid2 := time.Now()
		for range batch {
			reused.Reset()
			reused.Write(msg)
			reused.Sum(sum[:0])
		}
		loads += mid.Sub(start)
		hmacNew += mid2.Sub(mid)
		hmacReused += time.Since(mid2)
	}
	b.ReportMetric(float64(len(token)), "token-bytes")
	b.ReportMetric(float64(loads)/float64(hmacNew), "loads/hmac-new")
	b.ReportMetric(float64(loads)/float64(hmacReused), "loads/hmac-reused")
}

func BenchmarkSign(b *testing.B) {
	s, _ := signing.NewSigner(signing.Options{Key: benchKey})
	value := strings.Repeat("v", 150)
	b.ReportAllocs()
	for b.Loop() {
		s.Sign(value)
	}
}

func BenchmarkUnsign(b *testing.B) {
	s, _ := signing.NewSigner(signing.Options{Key: benchKey})
	signed := s.Sign(strings.Repeat("v", 150))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Unsign(signed); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDumps(b *testing.B) {
	for name, obj := range benchPayloads() {
		for _, compress := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/compress=%v", name, compress), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := signing.Dumps(obj, benchKey, "", compress); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkLoads(b *testing.B) {
	for name, obj := range benchPayloads() {
		for _, compress := range []bool{false, true} {
			token, _ := signing.Dumps(obj, benchKey, "", compress)
			b.Run(fmt.Sprintf("%s/compress=%v", name, compress), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := signing.Loads(token, benchKey, "", signing.NoMaxAge); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(token)), "token-bytes")
			})
		}
	}
}

// The hot path of a session codec: one TimestampSigner, reused.
func BenchmarkTimestampSigner(b *testing.B) {
	s, _ := signing.NewTimestampSigner(signing.Options{Key: benchKey, Salt: signing.DefaultSalt})
	for name, obj := range benchPayloads() {
		js, _ := pyjson.Marshal(obj)
		for _, compress := range []bool{false, true} {
			token := s.SignPayload(js, compress)
			b.Run(fmt.Sprintf("SignObject/%s/compress=%v", name, compress), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					s.SignObject(obj, compress)
				}
			})
			b.Run(fmt.Sprintf("UnsignObject/%s/compress=%v", name, compress), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := s.UnsignObject(token, time.Hour); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("UnsignPayload/%s/compress=%v", name, compress), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := s.UnsignPayload(token, time.Hour); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
