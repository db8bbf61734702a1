package filestore

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
)

func unixOnly(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("no Unix owners or mode bits")
	}
}

// The zero Config uses a directory of the user's own, created 0700.
func TestDefaultDirIsPrivate(t *testing.T) {
	unixOnly(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	want := filepath.Join(tmp, "sessionkit-"+strconv.Itoa(os.Getuid()))
	for range 2 { // creates it, then reuses it
		s, err := New(Config{})
		if err != nil {
			t.Fatalf("New(Config{}): %v", err)
		}
		if got := s.root.Name(); got != want {
			t.Errorf("zero Config opened %q, want %q", got, want)
		}
		if s.prefix != "sessionid" || s.maxAge != 14*24*time.Hour || s.maxSize != 16<<20 || s.django {
			t.Errorf("zero Config: prefix %q, max age %v, max size %d, django %v", s.prefix, s.maxAge, s.maxSize, s.django)
		}
		s.Close()
		fi, err := os.Lstat(want)
		if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
			t.Fatalf("default directory: %v, %v; want a directory with mode 0700", fi, err)
		}
	}
	// Someone else's directory, or a link, in its place is refused.
	if err := os.Chmod(want, 0o770); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{}); err == nil || !strings.Contains(err.Error(), "chmod 700") {
		t.Errorf("New with a group-writable default directory = %v; want an error saying to chmod 700", err)
	}
	if err := os.Remove(want); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(t.TempDir(), want); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{}); err == nil {
		t.Error("New with a symbolic link as the default directory succeeded")
	}
}

func TestNewRefusesWritableDir(t *testing.T) {
	unixOnly(t)
	for _, mode := range []fs.FileMode{0o770, 0o703, 0o1777} {
		dir := t.TempDir()
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
		for _, django := range []bool{false, true} {
			_, err := New(Config{Dir: dir, Django: django})
			if err == nil || !strings.Contains(err.Error(), "chmod 700") || !strings.HasPrefix(err.Error(), "filestore: ") {
				t.Errorf("New on a directory with mode %v = %v; want an error saying to chmod 700", mode, err)
			}
		}
		s, err := New(Config{Dir: dir, Django: true, SharedDir: true})
		if err != nil {
			t.Errorf("New in Django mode with SharedDir on mode %v: %v", mode, err)
		} else {
			s.Close()
		}
	}
	if _, err := New(Config{Dir: t.TempDir(), SharedDir: true}); err == nil {
		t.Error("New with SharedDir in native mode succeeded; want an error")
	}
}

// plant creates a session under a new key and returns the key and the
// path of its file.
func plant(t *testing.T, s *Store, dir string) (string, string) {
	t.Helper()
	key, err := s.Create(t.Context(), sessionkit.NewKey(), sessionkit.Record{Data: []byte(`{"user":"admin"}`), Expiry: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	name, _ := s.fileName(key)
	return key, filepath.Join(dir, name)
}

// A session file that others could have written is never loaded, and the
// warning names no key.
func TestWritableSessionFileIsRefused(t *testing.T) {
	unixOnly(t)
	for _, django := range []bool{false, true} {
		var logs syncBuffer
		dir := t.TempDir()
		s := newStore(t, Config{Dir: dir, Django: django, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		key, path := plant(t, s, dir)
		for _, mode := range []fs.FileMode{0o666, 0o620, 0o602} {
			if err := os.Chmod(path, mode); err != nil {
				t.Fatal(err)
			}
			if rec, err := s.Load(t.Context(), key); !errors.Is(err, sessionkit.ErrNotFound) {
				t.Errorf("django=%v: Load of a file with mode %v = %q, %v; want ErrNotFound", django, mode, rec.Data, err)
			}
		}
		if l := logs.String(); !strings.Contains(l, "level=WARN") || !strings.Contains(l, "suspicious file") || strings.Contains(l, key) {
			t.Errorf("django=%v: logged %q; want a warning about a suspicious file, without the key", django, l)
		}
		if _, err := s.Update(t.Context(), key, sessionkit.Record{Data: []byte("{}")}); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("django=%v: Update of a writable file = %v; want ErrNotFound", django, err)
		}
	}
	// Sharing the directory with Django allows group-writable files, never
	// world-writable ones.
	dir := t.TempDir()
	s := newStore(t, Config{Dir: dir, Django: true, SharedDir: true})
	key, path := plant(t, s, dir)
	for mode, ok := range map[fs.FileMode]bool{0o660: true, 0o666: false} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Load(t.Context(), key); (err == nil) != ok {
			t.Errorf("SharedDir: Load of a file with mode %v = %v; want success %v", mode, err, ok)
		}
	}
}

// A session file owned by another user is never loaded, except in a
// directory shared with Django.
func TestForeignSessionFileIsRefused(t *testing.T) {
	unixOnly(t)
	if os.Getuid() != 0 {
		t.Skip("changing a file's owner needs root")
	}
	for _, cfg := range []Config{{}, {Django: true}, {Django: true, SharedDir: true}} {
		cfg.Dir = t.TempDir()
		s := newStore(t, cfg)
		key, path := plant(t, s, cfg.Dir)
		if err := os.Chown(path, 12345, 12345); err != nil {
			t.Fatal(err)
		}
		_, err := s.Load(t.Context(), key)
		if cfg.SharedDir && err != nil {
			t.Errorf("SharedDir: Load of another user's file: %v", err)
		}
		if !cfg.SharedDir && !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("django=%v: Load of another user's file = %v; want ErrNotFound", cfg.Django, err)
		}
	}
}

// Over Config.MaxFileSize a file is not read: Load says so (not "not
// found", so the Manager does not silently replace it), and ClearExpired
// removes it in native mode.
func TestOversizedFileIsNotRead(t *testing.T) {
	for _, django := range []bool{false, true} {
		var logs syncBuffer
		dir := t.TempDir()
		s := newStore(t, Config{Dir: dir, Django: django, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		key, path := plant(t, s, dir)
		if err := os.Truncate(path, 4<<30); err != nil { // sparse: no disk used
			t.Skipf("cannot make a sparse 4 GiB file here: %v", err)
		}
		_, err := s.Load(t.Context(), key)
		if err == nil || errors.Is(err, sessionkit.ErrNotFound) || !strings.Contains(err.Error(), "MaxFileSize") || strings.Contains(err.Error(), key) {
			t.Errorf("django=%v: Load of a 4 GiB file = %v; want an error about MaxFileSize, not ErrNotFound, without the key", django, err)
		}
		if l := logs.String(); !strings.Contains(l, "level=WARN") || strings.Contains(l, key) {
			t.Errorf("django=%v: logged %q; want a warning without the key", django, l)
		}
		// Native mode removes it as corrupt; Django mode judges it by its
		// mtime alone, without reading it.
		if django {
			if n, err := s.ClearExpired(t.Context()); n != 0 || err != nil {
				t.Errorf("ClearExpired with a live 4 GiB Django file = %d, %v; want it kept", n, err)
			}
			old := time.Now().Add(-DefaultMaxAge - time.Hour)
			if err := os.Chtimes(path, old, old); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := s.ClearExpired(t.Context()); n != 1 || err != nil {
			t.Errorf("django=%v: ClearExpired with an oversized (expired, in Django mode) file = %d, %v; want it removed", django, n, err)
		}
	}
	dir := t.TempDir()
	s := newStore(t, Config{Dir: dir, MaxFileSize: 200})
	key, _ := plant(t, s, dir)
	if _, err := s.Load(t.Context(), key); err != nil {
		t.Errorf("Load of a small file under a 200-byte bound: %v", err)
	}
	big, err := s.Create(t.Context(), sessionkit.NewKey(), sessionkit.Record{Data: make([]byte, 200), Expiry: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(t.Context(), big); err == nil || !strings.Contains(err.Error(), "MaxFileSize") {
		t.Errorf("Load of a file over a 200-byte bound = %v; want an error about MaxFileSize", err)
	}
}

// In Django mode a session file's name is its key: no log line and no
// error shows it, whatever goes wrong with the file.
func TestKeysNeverInLogsOrErrors(t *testing.T) {
	unixOnly(t)
	var logs syncBuffer
	dir := t.TempDir()
	s := newStore(t, Config{Dir: dir, Django: true, MaxFileSize: 1000, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	ctx := t.Context()
	var errs []error
	for _, plantBad := range []func(path string) error{
		func(path string) error { return os.Chmod(path, 0o666) },
		func(path string) error { return os.Truncate(path, 2000) },
		func(path string) error { os.Remove(path); return os.Mkdir(path, 0o700) },
		func(path string) error { os.Remove(path); return os.Symlink("../outside", path) },
		func(path string) error { os.Remove(path); return os.Symlink("loop", path) },
	} {
		key, path := plant(t, s, dir)
		if err := plantBad(path); err != nil {
			t.Fatal(err)
		}
		_, err := s.Load(ctx, key)
		if err == nil {
			t.Errorf("Load of a bad file succeeded")
		}
		_, uerr := s.Update(ctx, key, sessionkit.Record{Data: []byte("x")})
		errs = append(errs, err, uerr, s.Delete(ctx, key))
		if strings.Contains(logs.String(), key) {
			t.Errorf("a log line holds the key: %q", logs.String())
		}
		for _, err := range errs {
			if err != nil && strings.Contains(err.Error(), key) {
				t.Errorf("an error holds the key: %v", err)
			}
		}
	}
	if !strings.Contains(logs.String(), "sessionid#") {
		t.Errorf("logged %q; want the files named by the hash of their key", logs.String())
	}
}
