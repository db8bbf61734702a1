package demo

import (
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/sqlstore"

	_ "modernc.org/sqlite"
)

func wantUser(t *testing.T, r *response, want string) {
	t.Helper()
	wantStatus(t, r, 200)
	var v struct {
		User *struct{ ID, Username string } `json:"user"`
	}
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("%s: %v", r.body, err)
	}
	got := ""
	if v.User != nil {
		got = v.User.Username
		if v.User.ID == "" {
			t.Errorf("user without an id: %s", r.body)
		}
	}
	if got != want {
		t.Errorf("%s %s: user %q, want %q (%s)", r.Request.Method, r.Request.URL, got, want, r.body)
	}
}

func TestAPILogin(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	wantUser(t, c.get("/api/user"), "")
	c.postJSON("/api/session", `{"cart": ["mug"]}`)
	before := c.cookies["sessionid"]

	wantError(t, c.postJSON("/api/login", `{"username": "alice", "password": "nope"}`), 401, "wrong username or password")
	wantError(t, c.postJSON("/api/login", `{"username": "mallory", "password": "x"}`), 401, "wrong username or password")
	wantError(t, c.postJSON("/api/login", `{"username": "alice"}`), 400, `"password"`)
	wantError(t, c.postJSON("/api/login", `{"username": "alice", "password": "wonderland", "extra": 1}`), 400, "extra")

	r := c.postJSON("/api/login", `{"username": "alice", "password": "wonderland"}`)
	wantUser(t, r, "alice")
	if c.cookies["sessionid"] == before || c.cookies["sessionid"] == "" {
		t.Error("login did not cycle the session key")
	}
	wantUser(t, c.get("/api/user"), "alice")
	data := c.get("/api/session").json(t)["data"].(map[string]any)
	for _, k := range []string{"_auth_user_id", "_auth_user_backend", "_auth_user_hash", "cart"} {
		if _, ok := data[k]; !ok {
			t.Errorf("after login the session lacks %s: %v", k, data)
		}
	}
	// The shop sees the same login.
	wantContains(t, c.get("/shop"), `id="username">alice<`)

	// Logging in as bob over alice's session starts afresh.
	wantUser(t, c.postJSON("/api/login", `{"username": "bob", "password": "builder"}`), "bob")
	if _, ok := c.get("/api/session").json(t)["data"].(map[string]any)["cart"]; ok {
		t.Error("bob's login kept alice's cart")
	}

	wantUser(t, c.postJSON("/api/logout", ``), "")
	if _, ok := c.cookies["sessionid"]; ok {
		t.Error("logout kept the session cookie")
	}
	wantUser(t, c.get("/api/user"), "")
}

// TestAPIUserTampered: a session whose password hash does not match is
// anonymous and flushed, as Django's get_user does.
func TestAPIUserTampered(t *testing.T) {
	s, m := newTestServer(t, nil)
	c := newClient(t, s)
	wantUser(t, c.postJSON("/api/login", `{"username": "alice", "password": "wonderland"}`), "alice")
	key := c.cookies["sessionid"]
	sess := m.Open(t.Context(), key)
	sess.Set("_auth_user_hash", strings.Repeat("0", 64))
	if err := sess.Save(t.Context()); err != nil {
		t.Fatal(err)
	}
	wantUser(t, c.get("/api/user"), "")
	if ok, _ := m.Exists(t.Context(), key); ok {
		t.Error("the tampered session was not flushed")
	}
}

func TestAPIMessages(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	added := func(body string, want bool) {
		t.Helper()
		r := c.postJSON("/api/messages", body)
		wantStatus(t, r, 200)
		if got := r.json(t)["added"]; got != want {
			t.Errorf("POST %s: added %v, want %v", body, got, want)
		}
	}
	added(`{"level": 25, "message": "Saved.", "extra_tags": "fade"}`, true)
	added(`{"level": "debug", "message": "below MESSAGE_LEVEL"}`, false)
	added(`{"level": "error", "message": "Failed."}`, true)
	added(`{"level": 20, "message": ""}`, false)
	wantError(t, c.postJSON("/api/messages", `{"level": 0, "message": "x"}`), 400, "out of range")
	wantError(t, c.postJSON("/api/messages", `{"level": "loud", "message": "x"}`), 400, `"level"`)
	wantError(t, c.postJSON("/api/messages", `{"message": "x"}`), 400, `"level"`)
	wantError(t, c.postJSON("/api/messages", `{"level": 20}`), 400, `"message"`)

	r := c.get("/api/messages")
	wantStatus(t, r, 200)
	want := `{"messages":[{"level":25,"message":"Saved.","extra_tags":"fade","tags":"fade success"},{"level":40,"message":"Failed.","extra_tags":"","tags":"error"}]}`
	if got := strings.TrimSpace(r.body); got != want {
		t.Errorf("GET /api/messages = %s\nwant %s", got, want)
	}
	if got := strings.TrimSpace(c.get("/api/messages").body); got != `{"messages":[]}` {
		t.Errorf("the second GET /api/messages = %s", got)
	}
}

// TestAPILoginDjangoUsers: with UsersDB the playground logs in the users
// of Django's auth_user (hashed by each Django's default hasher), and
// Django sees the login.
func TestAPILoginDjangoUsers(t *testing.T) {
	for _, v := range testenv.DjangoVersions() {
		t.Run(v, func(t *testing.T) { testAPILoginDjangoUsers(t, v) })
	}
}

func testAPILoginDjangoUsers(t *testing.T, version string) {
	path := filepath.Join(t.TempDir(), "django.db")
	const secret = "django-insecure-playground-users-0123456789"
	settings := map[string]any{
		"DATABASES":      map[string]any{"default": map[string]any{"ENGINE": "django.db.backends.sqlite3", "NAME": path}},
		"INSTALLED_APPS": []string{"django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions"},
		"USE_TZ":         true,
		"SECRET_KEY":     secret,
	}
	testenv.DjangoIn(t, version, settings, `
from django.core.management import call_command
from django.contrib.auth.models import User
call_command("migrate", verbosity=0)
User.objects.create_user("carol", password="sunflower")
`, nil)
	store, err := sqlstore.Open(t.Context(), "sqlite:///"+path, sqlstore.Config{Django: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := &sessionkit.Manager{Store: store, Logger: log, Codec: &sessionkit.DjangoCodec{SecretKey: secret}}
	s, err := New(Config{Manager: m, SecretKey: secret, UsersDB: db, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s)
	wantError(t, c.postJSON("/api/login", `{"username": "alice", "password": "wonderland"}`), 401, "wrong")
	wantUser(t, c.postJSON("/api/login", `{"username": "carol", "password": "sunflower"}`), "carol")
	out := testenv.DjangoIn(t, version, settings, `
from django.contrib.auth import get_user
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest
from django.contrib.auth.models import User
r = HttpRequest()
r.session = SessionStore(sys.stdin.read())
u = get_user(r)
print(u.username if u.is_authenticated else None, User.objects.get(username="carol").last_login is not None)
`, []byte(c.cookies["sessionid"]))
	if got := strings.TrimSpace(string(out)); got != "carol True" {
		t.Errorf("Django's get_user and last_login after the playground's login: %q", got)
	}
	if strings.Contains(c.get("/shop").body, "wonderland") {
		t.Error("the shop shows the demo accounts while users come from auth_user")
	}
}

// TestLoginSurvivesRestart: a new Server with the same SECRET_KEY (a
// restart) hashes the demo passwords the same way, so the session's
// _auth_user_hash still matches and the user stays logged in.
func TestLoginSurvivesRestart(t *testing.T) {
	s, m := newTestServer(t, nil)
	c := newClient(t, s)
	wantUser(t, c.postJSON("/api/login", `{"username": "alice", "password": "wonderland"}`), "alice")
	// A new process has no hashes cached.
	demoHashes.Lock()
	demoHashes.m = nil
	demoHashes.Unlock()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	again, err := New(Config{Manager: m, SecretKey: testSecret, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	c.h = again
	wantUser(t, c.get("/api/user"), "alice")
	if demoUsers(testSecret)[0].Password == demoUsers("another key")[0].Password {
		t.Error("the demo password hashes do not depend on the key")
	}
}
