package filestore

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
)

// hostileKeys are keys a client could send, hoping to reach a file outside
// the session directory.
var hostileKeys = []string{
	"",
	"../sentinel",
	"../../sentinel",
	"..",
	"../",
	"..%2fsentinel",
	"..%2F..%2Fsentinel",
	"%2e%2e%2fsentinel",
	"%2e%2e/sentinel",
	"abc\x00defghij",
	"../sentinel\x00abcdefgh",
	"/",
	"/etc/passwd",
	"abcdefgh/../../sentinel",
	`..\sentinel`,
	`a\b\cdefghij`,
	"a/b/cdefghij",
	strings.Repeat("a", 10*1024),
	strings.Repeat("../", 3000) + "sentinel",
	"ＡＢＣＤＥＦＧＨＩ",
	"清風清風清風清風",
	"abcdefg\u0301h",
	"abcdefgh\u2215sentinel",
	"ABCDEFGHIJ",
	"abcdefg",
	strings.Repeat("a", 41),
	"abcdefgh ",
	"abcdefgh\n",
	".abcdefgh",
}

// sentinelTime is the sentinel file's mtime, which nothing may change.
var sentinelTime = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

// layout makes parent/{sessions/, sentinel} and returns both paths.
func layout(t *testing.T) (dir, sentinel string) {
	t.Helper()
	parent := t.TempDir()
	dir = filepath.Join(parent, "sessions")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	sentinel = filepath.Join(parent, "sentinel")
	if err := os.WriteFile(sentinel, []byte("sentinel"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(sentinel, sentinelTime, sentinelTime); err != nil {
		t.Fatal(err)
	}
	return dir, sentinel
}

// checkUntouched fails the test if anything outside dir changed.
func checkUntouched(t *testing.T, dir, sentinel string) {
	t.Helper()
	parent := filepath.Dir(dir)
	if names := listDir(t, parent); !slices.Equal(names, []string{"sentinel", "sessions"}) {
		t.Errorf("the parent directory now holds %q, want only sentinel and sessions", names)
	}
	content, err := os.ReadFile(sentinel)
	if err != nil || string(content) != "sentinel" {
		t.Errorf("sentinel = %q, %v; want it unchanged", content, err)
	}
	fi, err := os.Stat(sentinel)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.ModTime().Equal(sentinelTime) {
		t.Errorf("sentinel was modified at %v", fi.ModTime())
	}
}

func TestHostileKeysStayInside(t *testing.T) {
	for _, django := range []bool{false, true} {
		dir, sentinel := layout(t)
		s := newStore(t, Config{Dir: dir, Django: django})
		ctx := t.Context()
		rec := sessionkit.Record{Data: []byte("planted"), Expiry: time.Now().Add(time.Hour)}
		for _, key := range hostileKeys {
			short := key
			if len(short) > 30 {
				short = short[:30] + "…"
			}
			// Every method refuses the key with ErrInvalidKey; Load's error
			// also wraps ErrNotFound.
			_, err := s.Load(ctx, key)
			if !errors.Is(err, sessionkit.ErrInvalidKey) || !errors.Is(err, sessionkit.ErrNotFound) {
				t.Errorf("django=%v: Load(%q) = %v, want ErrInvalidKey and ErrNotFound", django, short, err)
			}
			if _, err := s.Create(ctx, key, rec); !errors.Is(err, sessionkit.ErrInvalidKey) {
				t.Errorf("django=%v: Create(%q) = %v, want ErrInvalidKey", django, short, err)
			}
			if _, err := s.Update(ctx, key, rec); !errors.Is(err, sessionkit.ErrInvalidKey) {
				t.Errorf("django=%v: Update(%q) = %v, want ErrInvalidKey", django, short, err)
			}
			if err := s.Delete(ctx, key); !errors.Is(err, sessionkit.ErrInvalidKey) {
				t.Errorf("django=%v: Delete(%q) = %v, want ErrInvalidKey", django, short, err)
			}
		}
		if names := listDir(t, dir); len(names) != 0 {
			t.Errorf("django=%v: hostile keys left %q in the session directory", django, names)
		}
		checkUntouched(t, dir, sentinel)
	}
}

func TestPlantedSymlinksStayInside(t *testing.T) {
	for _, django := range []bool{false, true} {
		dir, sentinel := layout(t)
		s := newStore(t, Config{Dir: dir, Django: django, MaxAge: time.Second})
		ctx := t.Context()
		// Someone with write access to the directory plants session
		// files that point outside it, relative and absolute.
		var keys []string
		for _, target := range []string{filepath.Join("..", "sentinel"), sentinel} {
			key := sessionkit.NewKey()
			name, _ := s.fileName(key)
			if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
				t.Skipf("cannot make symbolic links here: %v", err)
			}
			keys = append(keys, key)
		}
		for _, key := range keys {
			rec, err := s.Load(ctx, key)
			if err == nil || strings.Contains(string(rec.Data), "sentinel") {
				t.Errorf("django=%v: Load through a symlink out of the directory = %q, %v; want an error", django, rec.Data, err)
			}
			if _, err := s.Update(ctx, key, sessionkit.Record{Data: []byte("overwritten"), Expiry: time.Now().Add(time.Hour)}); err == nil {
				t.Errorf("django=%v: Update through a symlink out of the directory succeeded", django)
			}
			s.Delete(ctx, key) // may fail; must not touch the target
		}
		// The symlinks are not session files: cleanup skips them
		// rather than following them or failing.
		if _, err := s.ClearExpired(ctx); err != nil {
			t.Errorf("django=%v: ClearExpired with planted symlinks: %v", django, err)
		}
		checkUntouched(t, dir, sentinel)
	}
}
