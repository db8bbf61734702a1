package sqlstore_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

// loginScript runs in real Django against the shared SQLite file. "login"
// creates the tables and a user and logs in with Django's test client,
// printing the session cookie; "check KEY" prints who Django's
// auth.get_user sees for that session and the session's cart.
const loginScript = `
from django.contrib.auth import get_user
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client
cmd = sys.argv[1:] or [sys.stdin.read().strip()]
op = cmd[0].split()
if op[0] == "login":
    call_command("migrate", verbosity=0)
    User.objects.create_user("alice", password="wonderland")
    c = Client()
    assert c.login(username="alice", password="wonderland")
    print(c.cookies["sessionid"].value)
else:
    r = HttpRequest()
    r.session = SessionStore(op[1])
    u = get_user(r)
    print(json.dumps({"user": u.username if u.is_authenticated else None, "cart": r.session.get("cart")}))
`

// TestSharedLoginWithDjango is the point of Django mode: a user who logs in
// to the Django app is logged in to the Go service, which can change the
// session without breaking Django's login (its _auth_user_hash check), and a
// logout on the Go side logs the user out of Django.
// It runs under each Django version, and under Django 3.2 with
// DEFAULT_HASHING_ALGORITHM = "sha1" and the codec's Algorithm "sha1".
func TestSharedLoginWithDjango(t *testing.T) {
	testenv.Python(t)
	for _, version := range testenv.DjangoVersions() {
		t.Run("Django"+version, func(t *testing.T) { sharedLoginWithDjango(t, version, "") })
	}
	t.Run("Django3.2-sha1", func(t *testing.T) { sharedLoginWithDjango(t, "3.2", "sha1") })
}

func sharedLoginWithDjango(t *testing.T, version, algorithm string) {
	path := filepath.Join(t.TempDir(), "shared.db")
	settings := djangoSettings(map[string]any{"ENGINE": "django.db.backends.sqlite3", "NAME": path})
	if algorithm != "" {
		settings["DEFAULT_HASHING_ALGORITHM"] = algorithm
	}
	settings["INSTALLED_APPS"] = []string{"django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions"}
	settings["PASSWORD_HASHERS"] = []string{"django.contrib.auth.hashers.MD5PasswordHasher"}
	django := func(cmd string) string {
		return strings.TrimSpace(string(testenv.DjangoIn(t, version, settings, loginScript, []byte(cmd))))
	}

	key := django("login")
	if !sessionkit.ValidKey(key) {
		t.Fatalf("Django's session cookie %q", key)
	}
	// The Go service: the table Django's migrate created, Django's codec.
	store, err := sqlstore.Open(t.Context(), "sqlite:///"+path, sqlstore.Config{Django: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	m := sessionkit.New(store)
	m.Codec = &sessionkit.DjangoCodec{SecretKey: djangoSecret, Algorithm: algorithm}
	serve := func(h func(s *sessionkit.Session)) *http.Response {
		req := httptest.NewRequest("POST", "/", nil)
		req.Header.Set("Cookie", "sessionid="+key)
		rec := httptest.NewRecorder()
		m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, _ := sessionkit.FromRequest(r)
			h(s)
		})).ServeHTTP(rec, req)
		return rec.Result()
	}

	// Go sees Django's login and adds to the cart.
	serve(func(s *sessionkit.Session) {
		uid, ok := s.Get(sessionkit.UserIDKey).(string)
		if !ok || uid == "" || s.Get("_auth_user_hash") == nil {
			t.Fatalf("the Go service does not see Django's login: keys %v", s.Keys())
		}
		s.Set("cart", []any{"mug", "kettle"})
	})
	if got := django("check " + key); got != `{"user": "alice", "cart": ["mug", "kettle"]}` {
		t.Fatalf("Django after the Go request: %s", got)
	}

	// A logout in Go is a logout in Django.
	res := serve(func(s *sessionkit.Session) {
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
	})
	if c := res.Header.Get("Set-Cookie"); !strings.HasPrefix(c, `sessionid="";`) {
		t.Errorf("logout Set-Cookie %q", c)
	}
	if got := django("check " + key); got != `{"user": null, "cart": null}` {
		t.Fatalf("Django after the Go logout: %s", got)
	}
}
