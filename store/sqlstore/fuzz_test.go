package sqlstore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
)

// FuzzParseURL: any string gives a DataSource or an error, never a panic,
// and an error never repeats a password.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"sqlite:///relative.db", "sqlite:////abs/path.db", "sqlite://:memory:", "sqlite://",
		"sqlite:///x.db?_pragma=journal_mode(DELETE)", "postgres://u:p@h:5432/db?sslmode=disable",
		"postgresql://u@h/db", "mysql://u:p@h:3306/db?parseTime=false", "mariadb://u@%2Ftmp%2Fm.sock/db",
		"mysql://u:p@[::1]:3306/db", "sqlite:///%zz", "mysql://%zz@h/db", "://", "sqlite:///a?b=%",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		src, err := ParseURL(s)
		if err != nil {
			if _, pw, ok := strings.Cut(s, ":secretpw@"); ok && pw != "" && strings.Contains(err.Error(), "secretpw") {
				t.Errorf("error %q shows the password", err)
			}
			return
		}
		if src.Driver == "" || src.DSN == "" || !src.Dialect.valid() {
			t.Errorf("ParseURL(%q) = %+v without error", s, src)
		}
	})
}

// FuzzExpiryScanner: whatever text a column holds, reading it as an expiry
// fails cleanly or gives a UTC instant.
func FuzzExpiryScanner(f *testing.F) {
	for _, s := range []string{
		"2023-11-28 22:13:20.500000", "2023-11-28 22:13:20", "2030-01-02T03:04:05.678901Z",
		"0000-00-00 00:00:00", "9999-12-31 23:59:59.999999", "", "2023-11-28 22:13:20.5000000000001",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, d := range []Dialect{SQLite, Postgres, MySQL} {
			e := expiryScanner{dialect: d}
			if err := e.Scan(s); err == nil && e.t.Location() != time.UTC {
				t.Errorf("Scan(%q) = %v, not in UTC", s, e.t)
			}
			e = expiryScanner{dialect: d}
			_ = e.Scan([]byte(s))
		}
	})
}

// FuzzKeys: whatever a cookie carries as the key, the store answers
// "not found" or refuses it, and stores nothing under an invalid key.
func FuzzKeys(f *testing.F) {
	for _, s := range []string{"", "abcdefgh", "../../etc/passwd", "x' OR 1=1 --", strings.Repeat("a", 41), "ABCDEFGHIJ", "清風清風清風清風"} {
		f.Add(s)
	}
	s, err := Open(context.Background(), "sqlite://:memory:", Config{CreateTable: true})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	f.Fuzz(func(t *testing.T, key string) {
		ctx := context.Background()
		want := sessionkit.ErrNotFound
		if !sessionkit.ValidKey(key) {
			want = sessionkit.ErrInvalidKey
		}
		_, err := s.Load(ctx, key)
		if !errors.Is(err, want) {
			t.Fatalf("Load(%q) = %v, want %v", key, err, want)
		}
		_, err = s.Create(ctx, key, sessionkit.Record{Data: []byte("x"), Expiry: time.Now().Add(time.Hour)})
		if sessionkit.ValidKey(key) {
			if err != nil && !errors.Is(err, sessionkit.ErrKeyExists) {
				t.Fatalf("Create(%q): %v", key, err)
			}
			s.Delete(ctx, key)
			return
		}
		if !errors.Is(err, sessionkit.ErrInvalidKey) {
			t.Fatalf("Create(%q) = %v, want ErrInvalidKey", key, err)
		}
	})
}
