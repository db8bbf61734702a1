package filestore

import (
	"os"
	"path/filepath"
	"strconv"
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

// BenchmarkWritePatterns times the file-system work alone, without the
// store: the way gorilla/sessions' FilesystemStore writes (create, or
// truncate in place) against the way Create and Update write (a temporary
// file linked or renamed into place). It is what the write rows of the
// bench module's comparison come down to.
func BenchmarkWritePatterns(b *testing.B) {
	write := func(b *testing.B, name string, flag int) {
		f, err := os.OpenFile(name, flag, 0o600)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Write(benchData); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
	const create = os.O_WRONLY | os.O_CREATE | os.O_EXCL
	b.Run("new/create", func(b *testing.B) {
		dir := b.TempDir()
		i := 0
		for b.Loop() {
			i++
			write(b, filepath.Join(dir, "s"+strconv.Itoa(i)), create)
		}
	})
	b.Run("new/create+link+unlink", func(b *testing.B) {
		dir := b.TempDir()
		i := 0
		for b.Loop() {
			i++
			name := filepath.Join(dir, "s"+strconv.Itoa(i))
			write(b, name+".tmp", create)
			if err := os.Link(name+".tmp", name); err != nil {
				b.Fatal(err)
			}
			os.Remove(name + ".tmp")
		}
	})
	b.Run("update/truncate", func(b *testing.B) {
		name := filepath.Join(b.TempDir(), "s")
		for b.Loop() {
			write(b, name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
		}
	})
	b.Run("update/create+rename", func(b *testing.B) {
		name := filepath.Join(b.TempDir(), "s")
		i := 0
		for b.Loop() {
			i++
			tmp := name + ".tmp" + strconv.Itoa(i)
			write(b, tmp, create)
			if err := os.Rename(tmp, name); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCycle is a login's cycle_key, or a logout and the next login:
// one session created and another deleted per operation.
func BenchmarkCycle(b *testing.B) {
	benchModes(b, func(b *testing.B, s *Store) {
		rec := sessionkit.Record{Data: benchData, Expiry: time.Now().Add(time.Hour)}
		old, err := s.Create(b.Context(), sessionkit.NewKey(), rec)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			key, err := s.Create(b.Context(), sessionkit.NewKey(), rec)
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Delete(b.Context(), old); err != nil {
				b.Fatal(err)
			}
			old = key
		}
	})
}
