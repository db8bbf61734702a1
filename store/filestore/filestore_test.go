package filestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
)

// newStore opens a store on a fresh directory and closes it after the test.
func newStore(t *testing.T, cfg Config) *Store {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// canLock reports whether this system has flock (see unix.go).
var canLock = !slices.Contains([]string{"windows", "aix", "solaris", "illumos", "plan9", "js", "wasip1"}, runtime.GOOS)

// fileName returns the name of key's file, as the store makes it.
func (s *Store) fileName(key string) (string, bool) {
	var name string
	err := s.do(context.Background(), "test", key, func(n string) error { name = n; return nil })
	return name, err == nil
}

// temps lists the store's temporary files in dir.
func temps(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, name := range listDir(t, dir) {
		if strings.Contains(name, tempMarker) {
			out = append(out, name)
		}
	}
	return out
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestNewRejectsBadDirectory(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	_, err := New(Config{Dir: missing})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "doesn't exist") || !strings.Contains(err.Error(), "Config.Dir") {
		t.Errorf("New with a missing directory = %v; want an error wrapping fs.ErrNotExist that names Config.Dir", err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Dir: file}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("New with a regular file as directory = %v; want a 'not a directory' error", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a/b", `a\b`, "a b", "a\x00b", "sessión", strings.Repeat("x", 101), "a;b"} {
		if _, err := New(Config{Dir: dir, CookieName: name}); err == nil {
			t.Errorf("New(CookieName: %q) succeeded, want an error", name)
		}
	}
	if _, err := New(Config{Dir: dir, MaxAge: -time.Second}); err == nil {
		t.Error("New(MaxAge: -1s) succeeded, want an error")
	}
	if _, err := New(Config{Dir: dir, CookieName: "my-app.session_id"}); err != nil {
		t.Errorf("New with a valid cookie name: %v", err)
	}
}

func TestDjangoModeFile(t *testing.T) {
	dir := t.TempDir()
	const age = 1209600 * time.Second
	s := newStore(t, Config{Dir: dir, Django: true})
	key := sessionkit.NewKey()
	token := "eyJmb28iOiJiYXIifQ:1r31eq:HpP88y98DOPZ44Om-HE6Y8Vqu2uG2I2igVzB_O06hEg"
	exp := time.Now().Add(time.Hour).Round(time.Millisecond)
	got, err := s.Create(t.Context(), key, sessionkit.Record{Data: []byte(token), Expiry: exp, UserID: "42"})
	if err != nil || got != key {
		t.Fatalf("Create = %q, %v; want %q, nil", got, err, key)
	}
	// The session file as Django names it, and the per-user index's
	// directory, which Django's file engine does not look at.
	if names := listDir(t, dir); !slices.Equal(names, []string{usersDir, "sessionid" + key}) {
		t.Fatalf("directory holds %q, want only sessionid<key> and %s", names, usersDir)
	}
	path := filepath.Join(dir, "sessionid"+key)
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(content) != token {
		t.Errorf("file content = %q, want exactly the token %q", content, token)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("file mode = %v, want 0600", perm)
	}
	if want := exp.Add(-age); !fi.ModTime().Equal(want) {
		t.Errorf("mtime = %v, want Expiry - SESSION_COOKIE_AGE = %v", fi.ModTime(), want)
	}
	rec, err := s.Load(t.Context(), key)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if string(rec.Data) != token || !rec.Expiry.Equal(exp) || rec.UserID != "" {
		t.Errorf("Load = {%q, %v, %q}; want {%q, %v, \"\"}", rec.Data, rec.Expiry, rec.UserID, token, exp)
	}
}

func TestDjangoModeExpiryFromMtime(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, Config{Dir: dir, Django: true, MaxAge: time.Hour})
	key := sessionkit.NewKey()
	path := filepath.Join(dir, "sessionid"+key)
	if err := os.WriteFile(path, []byte("whatever Django wrote"), 0o600); err != nil {
		t.Fatal(err)
	}
	mtime := time.Now().Add(-30 * time.Minute).Truncate(time.Second)
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	rec, err := s.Load(t.Context(), key)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if want := mtime.Add(time.Hour); !rec.Expiry.Equal(want) {
		t.Errorf("Expiry = %v, want mtime + MaxAge = %v", rec.Expiry, want)
	}
	// Django mode hands over whatever the file holds: the Manager's codec
	// judges it, as Django's decode does.
	if string(rec.Data) != "whatever Django wrote" {
		t.Errorf("Data = %q", rec.Data)
	}
	old := time.Now().Add(-61 * time.Minute)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(t.Context(), key); !errors.Is(err, sessionkit.ErrNotFound) {
		t.Errorf("Load of a file older than MaxAge = %v, want ErrNotFound", err)
	}
}

func TestDjangoModeEmptyFileIsData(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, Config{Dir: dir, Django: true})
	key := sessionkit.NewKey()
	if err := os.WriteFile(filepath.Join(dir, "sessionid"+key), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	rec, err := s.Load(t.Context(), key)
	if err != nil || len(rec.Data) != 0 {
		t.Errorf("Load of an empty Django file = %q, %v; want empty data (Django reads it as {})", rec.Data, err)
	}
}

func TestNativeModeFile(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, Config{Dir: dir, CookieName: "sid"})
	key := sessionkit.NewKey()
	exp := time.Now().Add(time.Hour)
	data := `{"a":1}`
	if _, err := s.Create(t.Context(), key, sessionkit.Record{Data: []byte(data), Expiry: exp, UserID: "user 42\n"}); err != nil {
		t.Fatal(err)
	}
	want := "sid" + sessionkit.KeyHash(key)
	names := listDir(t, dir)
	if !slices.Equal(names, []string{want}) {
		t.Fatalf("directory holds %q, want only %q", names, want)
	}
	if strings.Contains(names[0], key) {
		t.Errorf("the key %q appears in the file name %q", key, names[0])
	}
	content, err := os.ReadFile(filepath.Join(dir, want))
	if err != nil {
		t.Fatal(err)
	}
	line := fmt.Sprintf("sessionkit/2 %d 8 7 %s ", exp.UnixNano(), sessionkit.KeyHash(key))
	sum := crc32.Checksum([]byte(line+"user 42\n"+data), crc32.MakeTable(crc32.Castagnoli))
	wantContent := fmt.Sprintf("%s%08x\nuser 42\n%s", line, sum, data)
	if string(content) != wantContent {
		t.Errorf("file content = %q, want %q", content, wantContent)
	}
	rec, err := s.Load(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	if string(rec.Data) != data || !rec.Expiry.Equal(exp) || rec.UserID != "user 42\n" {
		t.Errorf("Load = {%q, %v, %q}", rec.Data, rec.Expiry, rec.UserID)
	}
}

func TestNativeRejectsHugeUserID(t *testing.T) {
	s := newStore(t, Config{})
	_, err := s.Create(t.Context(), sessionkit.NewKey(), sessionkit.Record{Data: []byte("{}"), UserID: strings.Repeat("u", maxUserID+1)})
	if err == nil {
		t.Error("Create with a 1025-byte UserID succeeded, want an error")
	}
	if names := listDir(t, s.root.Name()); len(names) != 0 {
		t.Errorf("the failed Create left %q", names)
	}
}

func TestZeroExpiryMeansMaxAge(t *testing.T) {
	for _, django := range []bool{false, true} {
		s := newStore(t, Config{Django: django, MaxAge: time.Hour})
		key := sessionkit.NewKey()
		before := time.Now()
		if _, err := s.Create(t.Context(), key, sessionkit.Record{Data: []byte("{}")}); err != nil {
			t.Fatal(err)
		}
		rec, err := s.Load(t.Context(), key)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Expiry.Before(before.Add(time.Hour)) || rec.Expiry.After(time.Now().Add(time.Hour)) {
			t.Errorf("django=%v: Expiry of a record saved with none = %v, want about now + MaxAge", django, rec.Expiry)
		}
	}
}

func TestCorruptNativeFile(t *testing.T) {
	var logs syncBuffer
	dir := t.TempDir()
	s := newStore(t, Config{Dir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	key := sessionkit.NewKey()
	name := filepath.Join(dir, "sessionid"+sessionkit.KeyHash(key))
	valid := appendFile(nil, time.Now().Add(time.Hour), "u", sessionkit.KeyHash(key), []byte(`{"a":1}`))
	other := sessionkit.KeyHash(sessionkit.NewKey())
	for _, content := range []string{
		"garbage",
		"eyJmb28iOiJiYXIifQ:1r31eq:HpP88y98DOPZ44Om-HE6Y8Vqu2uG2I2igVzB_O06hEg", // a Django file
		"sessionkit/2 12x 0\n{}",
		"sessionkit/2 99999999999999999999 0\n{}",
		"sessionkit/1 1 5\nabc",                         // the first native format
		string(valid[:len(valid)-1]),                    // truncated
		string(valid) + " ",                             // overlong
		strings.Replace(string(valid), `"a"`, `"b"`, 1), // checksum mismatch
		string(appendFile(nil, time.Now().Add(time.Hour), "", other, []byte("{}"))), // another session's file
	} {
		if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		before := len(logs.String())
		if _, err := s.Load(t.Context(), key); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("Load of %q = %v, want ErrNotFound", content, err)
		}
		if l := logs.String()[before:]; !strings.Contains(l, "level=WARN") || !strings.Contains(l, "corrupt") {
			t.Errorf("Load of %q logged %q, want a warning about a corrupt file", content, l)
		}
	}
	if err := os.WriteFile(name, valid, 0o600); err != nil {
		t.Fatal(err)
	}
	if rec, err := s.Load(t.Context(), key); err != nil || string(rec.Data) != `{"a":1}` || rec.UserID != "u" {
		t.Errorf("Load of the intact file = %+v, %v", rec, err)
	}
}

func TestUpdateDoesNotCreate(t *testing.T) {
	for _, django := range []bool{false, true} {
		dir := t.TempDir()
		s := newStore(t, Config{Dir: dir, Django: django})
		_, err := s.Update(t.Context(), sessionkit.NewKey(), sessionkit.Record{Data: []byte("{}"), Expiry: time.Now().Add(time.Hour)})
		if !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("django=%v: Update of an unknown key = %v, want ErrNotFound", django, err)
		}
		if names := listDir(t, dir); len(names) != 0 {
			t.Errorf("django=%v: Update of an unknown key left %q", django, names)
		}
	}
}

// TestUserIndexDjangoMode: Django-mode files record no user, so the store
// keeps an index directory that Django's file names never match; expired
// and deleted sessions leave it with ClearExpired.
func TestUserIndexDjangoMode(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, Config{Django: true, Dir: dir})
	ctx := t.Context()
	var keys []string
	for range 3 {
		k, err := s.Create(ctx, sessionkit.NewKey(), sessionkit.Record{Data: []byte("signed"), UserID: "42"})
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	infos, err := s.UserSessions(ctx, "42")
	if err != nil || len(infos) != 3 {
		t.Fatalf("UserSessions = %v, %v; want 3", infos, err)
	}
	if err := s.Delete(ctx, keys[0]); err != nil {
		t.Fatal(err)
	}
	if n, err := s.ClearExpired(ctx); err != nil || n != 0 {
		t.Fatalf("ClearExpired = %d, %v", n, err)
	}
	if _, err := os.Stat(filepath.Join(dir, usersDir, "by-key", keys[0])); !os.IsNotExist(err) {
		t.Errorf("the deleted session's index entry survived ClearExpired: %v", err)
	}
	if n, err := s.DeleteUserSessions(ctx, "42", keys[1]); err != nil || n != 1 {
		t.Errorf("DeleteUserSessions = %d, %v; want 1", n, err)
	}
	if _, err := s.Load(ctx, keys[2]); err == nil {
		t.Error("the other session survived")
	}
	if _, err := s.Load(ctx, keys[1]); err != nil {
		t.Errorf("the kept session: %v", err)
	}
	// Every session file is still named as Django names them.
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if !e.IsDir() && !strings.HasPrefix(e.Name(), "sessionid") {
			t.Errorf("a file Django would not expect: %s", e.Name())
		}
	}
}

func TestUserSessionsWithEmptyUserID(t *testing.T) {
	s := newStore(t, Config{})
	if _, err := s.Create(t.Context(), sessionkit.NewKey(), sessionkit.Record{Data: []byte("{}"), Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if infos, err := s.UserSessions(t.Context(), ""); err != nil || len(infos) != 0 {
		t.Errorf(`UserSessions("") = %v, %v; want none: anonymous sessions belong to nobody`, infos, err)
	}
	if n, err := s.DeleteUserSessions(t.Context(), "", ""); err != nil || n != 0 {
		t.Errorf(`DeleteUserSessions("") = %d, %v; want 0`, n, err)
	}
}

func TestUserSessionsSkipsExpired(t *testing.T) {
	s := newStore(t, Config{})
	live, err := s.Create(t.Context(), sessionkit.NewKey(), sessionkit.Record{Data: []byte("{}"), Expiry: time.Now().Add(time.Hour), UserID: "u"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(t.Context(), sessionkit.NewKey(), sessionkit.Record{Data: []byte("{}"), Expiry: time.Now().Add(-time.Hour), UserID: "u"}); err != nil {
		t.Fatal(err)
	}
	infos, err := s.UserSessions(t.Context(), "u")
	if err != nil || len(infos) != 1 || infos[0].ID != sessionkit.KeyHash(live) {
		t.Errorf("UserSessions = %v, %v; want only the live session", infos, err)
	}
}

func TestClearExpired(t *testing.T) {
	for _, django := range []bool{false, true} {
		t.Run(fmt.Sprintf("django=%v", django), func(t *testing.T) {
			dir := t.TempDir()
			var logs syncBuffer
			s := newStore(t, Config{Dir: dir, Django: django, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			ctx := t.Context()
			rec := func(exp time.Duration) sessionkit.Record {
				return sessionkit.Record{Data: []byte("{}"), Expiry: time.Now().Add(exp)}
			}
			// More files than one ReadDir chunk, so the scan pages.
			var live, dead []string
			for i := range 2*256 + 10 {
				exp := time.Hour
				if i%3 == 0 {
					exp = -time.Minute
				}
				k, err := s.Create(ctx, sessionkit.NewKey(), rec(exp))
				if err != nil {
					t.Fatal(err)
				}
				if exp < 0 {
					dead = append(dead, k)
				} else {
					live = append(live, k)
				}
			}
			old := time.Now().Add(-2 * staleTemp)
			anyID := sessionkit.NewKey()
			if !django {
				anyID = sessionkit.KeyHash(anyID)
			}
			foreign := map[string]string{
				"unrelated.txt":                          "keep me",
				"sessionidNOT-A-KEY":                     "keep me",
				"sessionid" + anyID + "_out_x1y":         "keep me", // Django's temporary file
				tempName("sessionid"+anyID, time.Now()):  "a write in progress",
				tempName("sessionid", time.Now()):        "a write in progress",
				tempName("othercookie"+anyID, old):       "another prefix",
				tempName("othercookie", old):             "another prefix",
				"sessionid" + anyID[:len(anyID)-1] + "!": "keep me",
			}
			for name, content := range foreign {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			stale := []string{tempName("sessionid"+anyID, old), tempName("sessionid", old)}
			for _, name := range stale {
				if err := os.WriteFile(filepath.Join(dir, name), []byte("left by a crash"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			wantRemoved := int64(len(dead))
			if !django {
				corrupt := "sessionid" + sessionkit.KeyHash(sessionkit.NewKey())
				if err := os.WriteFile(filepath.Join(dir, corrupt), []byte("not a header"), 0o600); err != nil {
					t.Fatal(err)
				}
				wantRemoved++
			}

			n, err := s.ClearExpired(ctx)
			if err != nil {
				t.Fatalf("ClearExpired: %v", err)
			}
			if n != wantRemoved {
				t.Errorf("ClearExpired removed %d, want %d", n, wantRemoved)
			}
			for _, k := range live {
				if _, err := s.Load(ctx, k); err != nil {
					t.Fatalf("live session gone after ClearExpired: %v", err)
				}
			}
			names := listDir(t, dir)
			for name := range foreign {
				if !slices.Contains(names, name) {
					t.Errorf("ClearExpired removed %q, which is not an expired session", name)
				}
			}
			for _, name := range stale {
				if slices.Contains(names, name) {
					t.Errorf("ClearExpired left the stale temporary file %q", name)
				}
			}
			if got, want := len(names), len(live)+len(foreign); got != want {
				t.Errorf("%d files left, want %d", got, want)
			}
			if !django && !strings.Contains(logs.String(), "corrupt") {
				t.Errorf("removing a corrupt file logged nothing: %q", logs.String())
			}
			if n, err := s.ClearExpired(ctx); n != 0 || err != nil {
				t.Errorf("second ClearExpired = %d, %v; want 0, nil", n, err)
			}
		})
	}
}

func TestClearExpiredKeepsRenewedSession(t *testing.T) {
	// A session judged expired but renewed before removal must survive.
	// The judgement is made under the file's lock, so the renewal either
	// lands first (and is judged live) or waits for the removal (and
	// fails with ErrNotFound); it is never silently lost.
	if !canLock {
		t.Skip("no flock on this system")
	}
	dir := t.TempDir()
	a := newStore(t, Config{Dir: dir})
	b := newStore(t, Config{Dir: dir})
	for range 50 {
		key, err := a.Create(t.Context(), sessionkit.NewKey(), sessionkit.Record{Data: []byte("{}"), Expiry: time.Now().Add(-time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		var uerr error
		var wg sync.WaitGroup
		wg.Go(func() {
			_, uerr = b.Update(t.Context(), key, sessionkit.Record{Data: []byte(`{"renewed":1}`), Expiry: time.Now().Add(time.Hour)})
		})
		if _, err := a.ClearExpired(t.Context()); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		_, lerr := a.Load(t.Context(), key)
		switch {
		case uerr == nil && lerr != nil:
			t.Fatalf("Update succeeded but the session is gone: %v", lerr)
		case errors.Is(uerr, sessionkit.ErrNotFound) && lerr == nil:
			t.Fatal("Update failed with ErrNotFound but the session is there")
		case uerr != nil && !errors.Is(uerr, sessionkit.ErrNotFound):
			t.Fatal(uerr)
		}
		a.Delete(t.Context(), key)
	}
}

func TestContextCanceled(t *testing.T) {
	s := newStore(t, Config{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	key := sessionkit.NewKey()
	if _, err := s.Load(ctx, key); !errors.Is(err, context.Canceled) {
		t.Errorf("Load = %v, want context.Canceled", err)
	}
	if _, err := s.Create(ctx, key, sessionkit.Record{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Create = %v, want context.Canceled", err)
	}
	if _, err := s.Update(ctx, key, sessionkit.Record{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Update = %v, want context.Canceled", err)
	}
	if err := s.Delete(ctx, key); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete = %v, want context.Canceled", err)
	}
	if _, err := s.ClearExpired(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("ClearExpired = %v, want context.Canceled", err)
	}
}

func TestTempNameRoundTrip(t *testing.T) {
	now := time.Now()
	name := tempName("sessionidabc", now)
	suffix, ok := strings.CutPrefix(name, "sessionidabc")
	if !ok || !strings.HasPrefix(suffix, tempMarker) {
		t.Fatalf("tempName = %q", name)
	}
	created, ok := tempCreated(suffix)
	if !ok || !created.Equal(time.Unix(0, now.UnixNano())) {
		t.Errorf("tempCreated(%q) = %v, %v; want %v", suffix, created, ok, now)
	}
	for _, bad := range []string{"", "x1y", "_out_x1y", suffix[:37], suffix + "0", strings.Replace(suffix, "_", "-", 3), suffix[:5] + "zz" + suffix[7:]} {
		if _, ok := tempCreated(bad); ok {
			t.Errorf("tempCreated(%q) accepted a name that is not ours", bad)
		}
	}
}

func TestSync(t *testing.T) {
	for _, django := range []bool{false, true} {
		s := newStore(t, Config{Django: django, Sync: true})
		key := sessionkit.NewKey()
		if _, err := s.Create(t.Context(), key, sessionkit.Record{Data: []byte(`{"a":1}`), Expiry: time.Now().Add(time.Hour)}); err != nil {
			t.Fatalf("django=%v: Create with Sync: %v", django, err)
		}
		if _, err := s.Update(t.Context(), key, sessionkit.Record{Data: []byte(`{"a":2}`), Expiry: time.Now().Add(time.Hour)}); err != nil {
			t.Fatalf("django=%v: Update with Sync: %v", django, err)
		}
		if rec, err := s.Load(t.Context(), key); err != nil || string(rec.Data) != `{"a":2}` {
			t.Errorf("django=%v: Load = %q, %v", django, rec.Data, err)
		}
	}
}

// A store used after Close fails with an error naming the mistake, and
// never touches a file: its directory's descriptor number may by then
// belong to another directory.
func TestUseAfterClose(t *testing.T) {
	dir := t.TempDir()
	s, err := New(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	key, err := s.Create(ctx, sessionkit.NewKey(), sessionkit.Record{Data: []byte(`{}`), Expiry: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
	// Descriptors freed by Close are handed out again.
	other := t.TempDir()
	var held []*os.File
	for range 4 {
		f, err := os.Open(other)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, f)
	}
	defer func() {
		for _, f := range held {
			f.Close()
		}
	}()
	rec := sessionkit.Record{Data: []byte(`{"after":"close"}`), Expiry: time.Now().Add(time.Hour)}
	check := func(op string, err error) {
		t.Helper()
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: %v; want ErrClosed", op, err)
		}
	}
	_, err = s.Load(ctx, key)
	check("Load", err)
	_, err = s.Create(ctx, sessionkit.NewKey(), rec)
	check("Create", err)
	_, err = s.Update(ctx, key, rec)
	check("Update", err)
	check("Delete", s.Delete(ctx, key))
	_, err = s.ClearExpired(ctx)
	check("ClearExpired", err)
	_, err = s.UserSessions(ctx, "u")
	check("UserSessions", err)
	_, err = s.DeleteUserSessions(ctx, "u", "")
	check("DeleteUserSessions", err)
	if names := listDir(t, other); len(names) != 0 {
		t.Errorf("a closed store wrote %q into another directory", names)
	}
	if names := listDir(t, dir); len(names) != 1 {
		t.Errorf("the closed store's directory holds %q, want the one session", names)
	}
}

// Close waits for operations in progress; those that start later get
// ErrClosed, and nothing else goes wrong.
func TestCloseDuringOperations(t *testing.T) {
	dir := t.TempDir()
	s, err := New(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	rec := sessionkit.Record{Data: []byte(`{"v":1}`), Expiry: time.Now().Add(time.Hour)}
	key, err := s.Create(ctx, sessionkit.NewKey(), rec)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Go(func() {
			for {
				var err error
				switch w {
				case 0:
					_, err = s.Update(ctx, key, rec)
				case 1:
					_, err = s.Load(ctx, key)
				case 2:
					_, err = s.Create(ctx, sessionkit.NewKey(), rec)
				default:
					_, err = s.ClearExpired(ctx)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("an operation racing Close: %v; want ErrClosed", err)
		}
	}
	if left := temps(t, dir); len(left) != 0 {
		t.Errorf("Close left %q", left)
	}
}
