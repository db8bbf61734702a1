package config

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestNewSecretKey(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		k := NewSecretKey()
		if len(k) != secretKeyLength {
			t.Fatalf("key %q has %d characters, want %d", k, len(k), secretKeyLength)
		}
		for _, c := range k {
			if !strings.ContainsRune(secretKeyChars, c) {
				t.Fatalf("key %q has %q, outside Django's alphabet", k, c)
			}
		}
		if seen[k] {
			t.Fatalf("key %q came twice", k)
		}
		seen[k] = true
	}
}

func TestSecretKeyPath(t *testing.T) {
	for _, tc := range []struct {
		s    Settings
		want string
	}{
		{Settings{DatabaseURL: "sqlite:///sessionkit.db"}, "sessionkit.secret"},
		{Settings{DatabaseURL: "sqlite:///data/app.db"}, filepath.Join("data", "sessionkit.secret")},
		{Settings{DatabaseURL: "sqlite:////srv/app/db.sqlite3?mode=rwc"}, "/srv/app/sessionkit.secret"},
		{Settings{DatabaseURL: "sqlite://:memory:"}, "sessionkit.secret"},
		{Settings{DatabaseURL: "postgres://u@h/db"}, "sessionkit.secret"},
		{Settings{DatabaseURL: "sqlite:///a.db", SecretKeyFile: "/etc/key"}, "/etc/key"},
	} {
		if got := tc.s.SecretKeyPath(); got != tc.want {
			t.Errorf("%+v: SecretKeyPath() = %q, want %q", tc.s, got, tc.want)
		}
	}
}

func TestLoadSecretKey(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:///" + filepath.Join(dir, "app.db")
	path := filepath.Join(dir, SecretKeyFileName)

	// Given: used as is, no file written.
	s := Settings{DatabaseURL: db, SecretKey: "given"}
	if src, err := s.LoadSecretKey(true); err != nil || src != SecretKeyGiven || s.SecretKey != "given" {
		t.Fatalf("given key: %v %v %q", src, err, s.SecretKey)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("a given key was written to a file")
	}

	// Not allowed to generate: nothing happens.
	s = Settings{DatabaseURL: db}
	if src, err := s.LoadSecretKey(false); err != nil || src != SecretKeyNone || s.SecretKey != "" {
		t.Fatalf("generate=false: %v %v %q", src, err, s.SecretKey)
	}

	// Generated once, owner-only, then read back on the next start.
	if src, err := s.LoadSecretKey(true); err != nil || src != SecretKeyGenerated || len(s.SecretKey) != secretKeyLength {
		t.Fatalf("generate: %v %v %q", src, err, s.SecretKey)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("the key file has mode %v, want 0600", fi.Mode().Perm())
	}
	again := Settings{DatabaseURL: db}
	if src, err := again.LoadSecretKey(true); err != nil || src != SecretKeyFromFile || again.SecretKey != s.SecretKey {
		t.Errorf("second start: %v %v, key %q want %q", src, err, again.SecretKey, s.SecretKey)
	}
	readOnly := Settings{DatabaseURL: db}
	if src, err := readOnly.LoadSecretKey(false); err != nil || src != SecretKeyFromFile || readOnly.SecretKey != s.SecretKey {
		t.Errorf("generate=false with a key file: %v %v", src, err)
	}

	// An empty key file is refused rather than signing with "".
	if err := os.WriteFile(path, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := Settings{DatabaseURL: db}
	if _, err := empty.LoadSecretKey(true); err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Errorf("an empty key file: %v", err)
	}

	// A directory that does not exist: a clear error.
	missing := Settings{SecretKeyFile: filepath.Join(dir, "no", "such", "dir", "key")}
	if _, err := missing.LoadSecretKey(true); err == nil || !strings.Contains(err.Error(), "SECRET_KEY") {
		t.Errorf("unwritable key file: %v", err)
	}
}

func TestLoadSecretKeyConcurrentStarts(t *testing.T) {
	dir := t.TempDir()
	keys := make([]string, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			s := Settings{SecretKeyFile: filepath.Join(dir, "key")}
			if _, err := s.LoadSecretKey(true); err != nil {
				t.Error(err)
			}
			keys[i] = s.SecretKey
		})
	}
	wg.Wait()
	for _, k := range keys {
		if k != keys[0] {
			t.Fatalf("processes starting together got different keys: %q", keys)
		}
	}
}
