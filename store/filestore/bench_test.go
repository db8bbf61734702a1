package filestore

import (
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
)

// benchData is a typical session of about 300 bytes.
var benchData = []byte(`{"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend","_auth_user_hash":"0000000000000000000000000000000000000000000000000000000000000000","cart":[1,2,3],"seen":true,"ratio":0.5,"prefs":{"lang":"fr"},"name":"J\u00fcrgen","_session_expiry":3600}`)

func benchModes(b *testing.B, fn func(b *testing.B, s *Store)) {
	for _, m := range []struct {
		name   string
		django bool
	}{{"native", false}, {"django", true}} {
		b.Run(m.name, func(b *testing.B) {
			s, err := New(Config{Dir: b.TempDir(), Django: m.django})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			fn(b, s)
		})
	}
}

func BenchmarkLoad(b *testing.B) {
	benchModes(b, func(b *testing.B, s *Store) {
		key, err := s.Create(b.Context(), sessionkit.NewKey(), sessionkit.Record{Data: benchData, Expiry: time.Now().Add(time.Hour)})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Load(b.Context(), key); err != nil {
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
			if _, err := s.Create(b.Context(), sessionkit.NewKey(), rec); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkUpdate(b *testing.B) {
	benchModes(b, func(b *testing.B, s *Store) {
		rec := sessionkit.Record{Data: benchData, Expiry: time.Now().Add(time.Hour)}
		key, err := s.Create(b.Context(), sessionkit.NewKey(), rec)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Update(b.Context(), key, rec); err != nil {
				b.Fatal(err)
			}
		}
	})
}
