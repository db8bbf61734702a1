package sessionkittest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/sessionkittest"
	"github.com/sessionkit/sessionkit/store/memstore"
)

func newManager(t *testing.T) *sessionkit.Manager {
	store := memstore.New(0)
	t.Cleanup(func() { store.Close() })
	return &sessionkit.Manager{Store: store}
}

// logout flushes the session; the Middleware deletes the cookie.
func logout(w http.ResponseWriter, r *http.Request) {
	s, _ := sessionkit.FromRequest(r)
	s.Flush()
}

func TestServerClientKeepsCookies(t *testing.T) {
	m := newManager(t)
	srv := httptest.NewServer(app(m))
	defer srv.Close()
	c := sessionkittest.NewServerClient(t, srv)
	c.Get("/")
	if got := c.Get("/").Text; got != `user "", visit 2` {
		t.Fatalf("second visit over the network: %q", got)
	}
	s, ok := c.Session(m)
	if !ok {
		t.Fatal("Session: the client holds no live session")
	}
	if n, _ := sessionkit.Get[int](s, "visits"); n != 2 {
		t.Fatalf("visits in the store = %d, want 2", n)
	}
}

func TestSeedAndLogout(t *testing.T) {
	m := newManager(t)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /logout", logout)
	c := sessionkittest.NewClient(t, m.Middleware(mux))
	key := c.Seed(m, map[string]any{sessionkit.UserIDKey: "1"})
	if c.SessionKey(m) != key {
		t.Fatalf("the jar holds %q, want the seeded key %q", c.SessionKey(m), key)
	}
	resp := c.Post("/logout", "text/plain", "")
	if k := sessionkittest.ResponseKey(m, resp.Response); k != "" {
		t.Fatalf("ResponseKey after a logout = %q, want \"\" (cookie deleted)", k)
	}
	if _, ok := sessionkittest.ResponseSession(t, m, resp.Response); ok {
		t.Fatal("ResponseSession after a logout reports a session")
	}
	if c.SessionKey(m) != "" {
		t.Fatalf("the jar still holds the session cookie %q after its deletion", c.SessionKey(m))
	}
	if ok, _ := m.Exists(context.Background(), key); ok {
		t.Fatal("the store still holds the flushed session")
	}
}

func TestSeedRequestHeader(t *testing.T) {
	for _, header := range []string{"X-Session-Token", "Authorization"} {
		t.Run(header, func(t *testing.T) {
			m := newManager(t)
			m.Header = header
			r := httptest.NewRequest("GET", "/", nil)
			key := sessionkittest.SeedRequest(t, m, r, map[string]any{"visits": 1})
			w := httptest.NewRecorder()
			app(m).ServeHTTP(w, r)
			if got := w.Body.String(); got != `user "", visit 2` {
				t.Fatalf("the handler saw %q: the seeded session did not arrive in %s", got, header)
			}
			if got := sessionkittest.ResponseKey(m, w.Result()); got != key {
				t.Fatalf("ResponseKey = %q, want %q", got, key)
			}
		})
	}
}

// The Clock reaches the store through the request's context: memstore
// expires a record by it.
func TestClockReachesTheStore(t *testing.T) {
	clock := sessionkittest.NewClock(time.Date(2030, 5, 1, 0, 0, 0, 0, time.UTC))
	m := newManager(t)
	m.Now = clock.Now
	m.CookieAge = time.Hour
	c := sessionkittest.NewClient(t, app(m))
	c.Get("/")
	clock.Advance(59 * time.Minute)
	if _, ok := c.Session(m); !ok {
		t.Fatal("the session expired before its hour")
	}
	clock.Advance(2 * time.Minute)
	if _, ok := c.Session(m); ok {
		t.Fatal("the store still returns a session past its expiry by the Manager's clock")
	}
	if got := clock.Advance(-61 * time.Minute); !got.Equal(time.Date(2030, 5, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("Advance(-61m) = %v", got)
	}
}

// fakeTB records a Fatalf instead of stopping the test.
type fakeTB struct{ failed string }

func (*fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = format
	panic(f)
}

func TestSeedFailureFailsTheTest(t *testing.T) {
	m := newManager(t)
	m.MaxSize = 10
	tb := &fakeTB{}
	func() {
		defer func() { recover() }()
		sessionkittest.Seed(tb, m, map[string]any{"big": "more than ten bytes of session"})
	}()
	if tb.failed == "" {
		t.Fatal("Seed of a session larger than MaxSize did not fail the test")
	}
}
