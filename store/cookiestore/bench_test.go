package cookiestore

import (
	"log/slog"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
)

// benchData is a typical session of about 300 bytes.
var benchData = []byte(`{"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend","_auth_user_hash":"0000000000000000000000000000000000000000000000000000000000000000","cart":[1,2,3],"seen":true,"ratio":0.5,"prefs":{"lang":"fr"},"name":"J\u00fcrgen","_session_expiry":3600}`)

// benchModes runs fn on a signed (Django) and an encrypted (native) store.
func benchModes(b *testing.B, fn func(b *testing.B, s *Store)) {
	for _, m := range []struct {
		name   string
		django bool
	}{{"signed", true}, {"encrypted", false}} {
		b.Run(m.name, func(b *testing.B) {
			s := mustNew(b, Config{Django: m.django, Logger: slog.New(slog.DiscardHandler)})
			fn(b, s)
		})
	}
}

func BenchmarkLoad(b *testing.B) {
	benchModes(b, func(b *testing.B, s *Store) {
		v, err := s.Create(b.Context(), "", sessionkit.Record{Data: benchData, Expiry: time.Now().Add(time.Hour)})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Load(b.Context(), v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCreate(b *testing.B) {
	benchModes(b, func(b *testing.B, s *Store) {
		rec := sessionkit.Record{Data: benchData, Expiry: time.Now().Add(time.Hour)}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Create(b.Context(), "", rec); err != nil {
				b.Fatal(err)
			}
		}
	})
}
