//go:build unix

package filestore

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
)

// A FIFO planted under a session's name would block an open for reading
// until some writer came; the store opens without blocking and refuses it.
func TestPlantedFIFOIsRefused(t *testing.T) {
	for _, django := range []bool{false, true} {
		dir := t.TempDir()
		s := newStore(t, Config{Dir: dir, Django: django})
		ctx := t.Context()
		key := sessionkit.NewKey()
		name, _ := s.fileName(key)
		if err := syscall.Mkfifo(filepath.Join(dir, name), 0o600); err != nil {
			t.Skipf("cannot make a FIFO here: %v", err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			if _, err := s.Load(ctx, key); !errors.Is(err, sessionkit.ErrNotFound) {
				t.Errorf("django=%v: Load of a FIFO: %v; want ErrNotFound", django, err)
			}
			if _, err := s.Update(ctx, key, sessionkit.Record{Data: []byte(`{}`), Expiry: time.Now().Add(time.Hour)}); !errors.Is(err, sessionkit.ErrNotFound) {
				t.Errorf("django=%v: Update over a FIFO: %v; want ErrNotFound", django, err)
			}
			if err := s.Delete(ctx, key); err != nil {
				t.Errorf("django=%v: Delete of a FIFO: %v", django, err)
			}
			if _, err := s.ClearExpired(ctx); err != nil {
				t.Errorf("django=%v: ClearExpired beside a FIFO: %v", django, err)
			}
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("django=%v: the store blocked on a FIFO", django)
		}
		if fi, err := os.Lstat(filepath.Join(dir, name)); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
			t.Errorf("django=%v: the FIFO was replaced or removed: %v, %v", django, fi, err)
		}
	}
}

// A symbolic link planted inside the directory, from one session's name to
// another session's file, is refused rather than followed: it would hand
// one client another's session (Django mode's files carry no id to check).
func TestSymlinkBetweenSessionsIsRefused(t *testing.T) {
	for _, django := range []bool{false, true} {
		dir := t.TempDir()
		s := newStore(t, Config{Dir: dir, Django: django})
		ctx := t.Context()
		victim, err := s.Create(ctx, sessionkit.NewKey(), sessionkit.Record{Data: []byte(`{"user":"victim"}`), Expiry: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		target, _ := s.fileName(victim)
		key := sessionkit.NewKey()
		name, _ := s.fileName(key)
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Skipf("cannot make symbolic links here: %v", err)
		}
		if rec, err := s.Load(ctx, key); err == nil {
			t.Errorf("django=%v: Load through a symlink to another session = %q; want an error", django, rec.Data)
		}
		if _, err := s.Update(ctx, key, sessionkit.Record{Data: []byte(`{"user":"attacker"}`), Expiry: time.Now().Add(time.Hour)}); err == nil {
			t.Errorf("django=%v: Update through a symlink to another session succeeded", django)
		}
		if rec, err := s.Load(ctx, victim); err != nil || string(rec.Data) != `{"user":"victim"}` {
			t.Errorf("django=%v: the victim's session afterwards: %q, %v", django, rec.Data, err)
		}
	}
}

// openFDs counts this process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot list open descriptors: %v", err)
	}
	return len(ents)
}

// Every path closes the files it opens, the directory included. Run
// serially: other tests' files would count.
func TestNoDescriptorLeaks(t *testing.T) {
	before := openFDs(t)
	for _, cfg := range []Config{{}, {Django: true}, {Sync: true}} {
		dir := t.TempDir()
		cfg.Dir = dir
		s, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx := t.Context()
		rec := func(v string) sessionkit.Record {
			return sessionkit.Record{Data: []byte(`{"v":"` + v + `"}`), Expiry: time.Now().Add(time.Hour)}
		}
		var keys []string
		for i := range 20 {
			key, err := s.Create(ctx, sessionkit.NewKey(), rec("new"))
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, key)
			if _, err := s.Create(ctx, key, rec("again")); !errors.Is(err, sessionkit.ErrKeyExists) {
				t.Fatalf("Create over an existing key: %v", err)
			}
			for j := range 3 {
				if _, err := s.Update(ctx, keys[(i+j)%len(keys)], rec("upd")); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.Load(ctx, key); err != nil {
				t.Fatal(err)
			}
		}
		for _, key := range keys[:10] {
			if err := s.Delete(ctx, key); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Update(ctx, key, rec("gone")); !errors.Is(err, sessionkit.ErrNotFound) {
				t.Fatalf("Update of a deleted session: %v", err)
			}
		}
		if _, err := s.ClearExpired(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if left := temps(t, dir); len(left) != 0 {
			t.Errorf("%+v: temporary files left: %q", cfg, left)
		}
	}
	if after := openFDs(t); after != before {
		t.Errorf("%d descriptors open before, %d after: a file was left open", before, after)
	}
}
