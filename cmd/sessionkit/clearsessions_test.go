package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/filestore"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

// seed stores two expired sessions and one live one in st.
func seed(t *testing.T, st sessionkit.Store) {
	t.Helper()
	now := time.Now()
	for key, exp := range map[string]time.Time{
		"expired0000000000000000000000001": now.Add(-time.Hour),
		"expired0000000000000000000000002": now.Add(-time.Second),
		"live0000000000000000000000000001": now.Add(time.Hour),
	} {
		if _, err := st.Create(context.Background(), key, sessionkit.Record{Data: []byte(`{"a":1}`), Expiry: exp}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestClearSessionsDB(t *testing.T) {
	t.Setenv("SESSION_ENGINE", "")
	for _, django := range []bool{false, true} {
		dbURL := "sqlite:///" + filepath.Join(t.TempDir(), "s.db")
		st, err := sqlstore.Open(context.Background(), dbURL, sqlstore.Config{Django: django, CreateTable: true})
		if err != nil {
			t.Fatal(err)
		}
		seed(t, st)
		args := []string{"clearsessions", "--db", dbURL}
		if django {
			args = append(args, "--django")
		}
		r := runCLI(t, "", args...)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "Deleted 2 expired sessions (db engine") {
			t.Errorf("django=%v: exit %d\n%s%s", django, r.code, r.stdout, r.stderr)
		}
		if _, err := st.Load(context.Background(), "live0000000000000000000000000001"); err != nil {
			t.Errorf("django=%v: the live session is gone: %v", django, err)
		}
		if r := runCLI(t, "", args...); r.code != 0 || !strings.HasPrefix(r.stdout, "Deleted 0 expired sessions") {
			t.Errorf("django=%v: second run: %s%s", django, r.stdout, r.stderr)
		}
		st.Close()
	}
}

func TestClearSessionsFile(t *testing.T) {
	dir := t.TempDir()
	st, err := filestore.New(filestore.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	seed(t, st)
	t.Setenv("SESSION_ENGINE", "file")
	t.Setenv("SESSION_FILE_PATH", dir)
	r := runCLI(t, "", "clearsessions")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "Deleted 2 expired sessions (file engine, files in "+dir) {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestClearSessionsEnginesThatDoNotClear(t *testing.T) {
	t.Setenv("SESSION_ENGINE", "")
	for _, tc := range []struct {
		engine string
		code   int
		want   string
	}{
		{"cache", exitOK, "expire by themselves"},
		{"django.contrib.sessions.backends.cache", exitOK, "expire by themselves"},
		{"signed_cookies", exitOK, "carry their own expiry"},
		{"memory", exitFail, "Session engine 'memory' doesn't support clearing expired sessions"},
	} {
		r := runCLI(t, "", "clearsessions", "--engine", tc.engine)
		out := r.stdout + r.stderr
		if r.code != tc.code || !strings.Contains(out, tc.want) || !oneLine(out) {
			t.Errorf("%s: exit %d, output %q; want %d and one line with %q", tc.engine, r.code, out, tc.code, tc.want)
		}
	}
}

func TestClearSessionsBadSettings(t *testing.T) {
	for _, args := range [][]string{
		{"--engine", "nope"},
		{"--db", "oracle://x"},
		{"--engine", "file", "--file-path", filepath.Join(t.TempDir(), "missing")},
		{"now"},
	} {
		r := runCLI(t, "", append([]string{"clearsessions"}, args...)...)
		if r.code != exitUsage || !oneLine(r.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line", args, r.code, r.stderr)
		}
	}
}
