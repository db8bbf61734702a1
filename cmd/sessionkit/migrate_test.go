package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/signing"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

// migrateCmd runs `sessionkit migrate args...` and returns its exit code
// and output.
func migrateCmd(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), append([]string{"migrate"}, args...), nil, &stdout, &stderr)
	return code, stdout.String() + stderr.String()
}

// TestMigrateDjangoSharesWithDjango is the issue's check: `sessionkit
// migrate --django --db sqlite:///x.db`, then Django (each version) writes a session
// into x.db that the Go store reads, and reads one the Go store wrote.
func TestMigrateDjangoSharesWithDjango(t *testing.T) {
	testenv.Python(t)
	for _, version := range testenv.DjangoVersions() {
		t.Run("Django"+version, func(t *testing.T) { migrateDjangoSharesWithDjango(t, version) })
	}
}

func migrateDjangoSharesWithDjango(t *testing.T, version string) {
	testenv.Python(t)
	dir := t.TempDir()
	t.Chdir(dir)
	code, out := migrateCmd(t, "--django", "--db", "sqlite:///x.db")
	if code != exitOK {
		t.Fatalf("migrate: exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "django_session") {
		t.Errorf("migrate printed %q, want the table name", out)
	}
	// Idempotent.
	if code, out := migrateCmd(t, "--django", "--db", "sqlite:///x.db"); code != exitOK {
		t.Fatalf("second migrate: exit %d\n%s", code, out)
	}

	const secret = "django-insecure-cli-test-key"
	settings := map[string]any{
		"DATABASES":      map[string]any{"default": map[string]any{"ENGINE": "django.db.backends.sqlite3", "NAME": filepath.Join(dir, "x.db")}},
		"INSTALLED_APPS": []string{"django.contrib.sessions"},
		"USE_TZ":         true,
		"SECRET_KEY":     secret,
	}
	store, err := sqlstore.Open(t.Context(), "sqlite:///x.db", sqlstore.Config{Django: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	signer, err := signing.NewTimestampSigner(signing.Options{Key: secret, Salt: sessionkit.DjangoSessionSalt})
	if err != nil {
		t.Fatal(err)
	}
	goKey := sessionkit.NewKey()
	token := signer.SignPayload([]byte(`{"from":"go","n":1}`), true)
	if _, err := store.Create(t.Context(), goKey, sessionkit.Record{Data: []byte(token), Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}

	// Django reads the Go session and writes one of its own.
	const script = `
from django.contrib.sessions.backends.db import SessionStore
go = SessionStore(session_key=sys.stdin.read().strip())
s = SessionStore()
s["from"] = "django"
s.set_expiry(600)
s.save()
print(json.dumps({"go": dict(go.items()), "key": s.session_key}))
`
	res := testenv.DjangoIn(t, version, settings, script, []byte(goKey))
	var got struct {
		Go  map[string]any `json:"go"`
		Key string         `json:"key"`
	}
	if err := json.Unmarshal(res, &got); err != nil {
		t.Fatalf("Django printed %q: %v", res, err)
	}
	if got.Go["from"] != "go" || got.Go["n"] != 1.0 {
		t.Errorf("Django read the Go session as %v", got.Go)
	}
	rec, err := store.Load(t.Context(), got.Key)
	if err != nil {
		t.Fatalf("Load of Django's session: %v", err)
	}
	payload, err := signer.UnsignPayload(string(rec.Data), signing.NoMaxAge)
	if err != nil || string(payload) != `{"from":"django","_session_expiry":600}` {
		t.Errorf("Django's session decodes to %s, %v", payload, err)
	}
	if d := time.Until(rec.Expiry); d < 590*time.Second || d > 610*time.Second {
		t.Errorf("Django's session expires in %v, want about 600s", d)
	}
}

func TestMigrateNative(t *testing.T) {
	path := filepath.Join(t.TempDir(), "n.db")
	t.Setenv("DATABASE_URL", "sqlite:///"+path)
	t.Setenv("SESSIONKIT_DJANGO", "")
	code, out := migrateCmd(t, "--table", "web_sessions")
	if code != exitOK || !strings.Contains(out, "web_sessions") {
		t.Fatalf("migrate: exit %d\n%s", code, out)
	}
	s, err := sqlstore.Open(t.Context(), "sqlite:///"+path, sqlstore.Config{Table: "web_sessions"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	key := sessionkit.NewKey()
	if _, err := s.Create(t.Context(), key, sessionkit.Record{Data: []byte("x"), Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Errorf("the table migrate created does not work: %v", err)
	}
}

func TestMigrateSettingsFromEnvironment(t *testing.T) {
	// SESSIONKIT_DJANGO, which serve reads, picks Django's table here too.
	path := filepath.Join(t.TempDir(), "e.db")
	t.Setenv("DATABASE_URL", "sqlite:///"+path)
	t.Setenv("SESSIONKIT_DJANGO", "true")
	if code, out := migrateCmd(t); code != exitOK || !strings.Contains(out, "django_session") {
		t.Fatalf("migrate: exit %d\n%s", code, out)
	}
	// The flag wins over the environment.
	if code, out := migrateCmd(t, "--django=false"); code != exitOK || !strings.Contains(out, "sessionkit_session") {
		t.Fatalf("migrate --django=false: exit %d\n%s", code, out)
	}
}

func TestMigrateErrors(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("DATABASE_URL", "")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "DATABASE_URL"},
		{[]string{"--db", "redis://localhost"}, exitUsage, "scheme"},
		{[]string{"--db", "sqlite:///x.db", "extra"}, exitUsage, "no arguments"},
		{[]string{"--nope"}, exitUsage, "not defined"},
		{[]string{"--db", "sqlite:///x.db", "--table", "bad name"}, exitFail, "identifier"},
		{[]string{"--db", "postgres://nobody@127.0.0.1:1/x?connect_timeout=2"}, exitFail, "connect"},
	} {
		code, out := migrateCmd(t, tc.args...)
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("migrate %q = exit %d (%q), want exit %d mentioning %q", tc.args, code, out, tc.code, tc.want)
		}
	}
	if _, err := os.Stat("x.db"); err == nil {
		t.Error("a failed migrate created x.db")
	}
	if code, out := migrateCmd(t, "--help"); code != exitOK || !strings.Contains(out, "--django") {
		t.Errorf("migrate --help = exit %d\n%s", code, out)
	}
}
