package sessionkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/sessionkittest"
	"github.com/sessionkit/sessionkit/store/cookiestore"
	"github.com/sessionkit/sessionkit/store/memstore"
)

// deviceApp is a small application with logins, a device list and the
// three ways of logging out, over m.
func deviceApp(t *testing.T, m *sessionkit.Manager) http.Handler {
	mux := http.NewServeMux()
	fail := func(w http.ResponseWriter, err error) { http.Error(w, err.Error(), http.StatusInternalServerError) }
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s, _ := m.FromRequest(r)
		s.Set(sessionkit.UserIDKey, r.FormValue("user"))
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		s, _ := m.FromRequest(r)
		u, _ := sessionkit.Get[string](s, sessionkit.UserIDKey)
		w.Write([]byte(strings.Join(s.Keys(), ",") + "|" + u))
	})
	mux.HandleFunc("/sessions", func(w http.ResponseWriter, r *http.Request) {
		s, _ := m.FromRequest(r)
		infos, err := m.SessionsOf(r.Context(), s)
		if err != nil {
			fail(w, err)
			return
		}
		json.NewEncoder(w).Encode(infos)
	})
	mux.HandleFunc("/revoke", func(w http.ResponseWriter, r *http.Request) {
		s, _ := m.FromRequest(r)
		u, _ := sessionkit.Get[string](s, sessionkit.UserIDKey)
		var n int64
		var err error
		switch {
		case r.FormValue("id") != "":
			var ok bool
			ok, err = m.DeleteUserSession(r.Context(), u, r.FormValue("id"))
			if ok {
				n = 1
			}
		case r.FormValue("all") != "":
			n, err = m.DeleteUserSessions(r.Context(), u)
		default:
			n, err = m.DeleteOtherSessions(r.Context(), s)
		}
		if err != nil {
			fail(w, err)
			return
		}
		w.Write([]byte(strconv.FormatInt(n, 10)))
	})
	return m.Middleware(mux)
}

func whoami(t *testing.T, c *sessionkittest.Client) string {
	t.Helper()
	r := c.Get("/whoami")
	_, u, _ := strings.Cut(r.Text, "|")
	return u
}

func listSessions(t *testing.T, c *sessionkittest.Client) []sessionkit.SessionInfo {
	t.Helper()
	r := c.Get("/sessions")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /sessions: %d %s", r.StatusCode, r.Text)
	}
	var infos []sessionkit.SessionInfo
	if err := json.Unmarshal([]byte(r.Text), &infos); err != nil {
		t.Fatalf("GET /sessions: %v in %q", err, r.Text)
	}
	return infos
}

// testClock is a clock that moves only when told to.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestDeviceList: each device of a user is listed with its user agent,
// network, login and last use, the asking one marked current, and the
// metadata never shows in the handler's keys.
func TestDeviceList(t *testing.T) {
	clock := &testClock{now: time.Unix(1_800_000_000, 0)}
	m := &sessionkit.Manager{Store: &memstore.Store{}, TrackSessions: true, TrackIP: true, IPv4Prefix: 24, Now: clock.Now}
	h := deviceApp(t, m)
	phone, laptop := sessionkittest.NewClient(t, h), sessionkittest.NewClient(t, h)
	phone.Header = http.Header{"User-Agent": {"Phone/1.0"}}
	laptop.Header = http.Header{"User-Agent": {"Laptop/2.0"}}
	phone.Get("/login?user=42")
	clock.Advance(time.Hour)
	laptop.Get("/login?user=42")
	if r := phone.Get("/whoami"); r.Text != sessionkit.UserIDKey+"|42" {
		t.Errorf("the handler sees %q; want only %s", r.Text, sessionkit.UserIDKey)
	}
	infos := listSessions(t, laptop)
	if len(infos) != 2 {
		t.Fatalf("listed %d sessions, want 2: %+v", len(infos), infos)
	}
	byUA := map[string]sessionkit.SessionInfo{}
	for _, in := range infos {
		byUA[in.UserAgent] = in
		if in.IP != "192.0.2.0/24" {
			t.Errorf("IP = %q, want the /24 of httptest's 192.0.2.1", in.IP)
		}
		if in.Data != nil {
			t.Error("the listing carries session data")
		}
	}
	p, l := byUA["Phone/1.0"], byUA["Laptop/2.0"]
	if p.Current || !l.Current {
		t.Errorf("Current: phone %v, laptop %v; want only the laptop", p.Current, l.Current)
	}
	if !p.Created.Equal(time.Unix(1_800_000_000, 0)) || !l.Created.Equal(time.Unix(1_800_003_600, 0)) {
		t.Errorf("Created: phone %v, laptop %v", p.Created, l.Created)
	}
	if !p.LastSeen.Equal(l.Created) {
		t.Errorf("phone LastSeen %v, want its use an hour after its login, %v", p.LastSeen, l.Created)
	}
	// A use within SeenInterval writes nothing; one after it records the time.
	clock.Advance(10 * time.Second)
	if r := phone.Get("/whoami"); r.Header.Get("Set-Cookie") != "" {
		t.Error("a use within SeenInterval saved the session")
	}
	clock.Advance(sessionkit.DefaultSeenInterval)
	if r := phone.Get("/whoami"); r.Header.Get("Set-Cookie") == "" {
		t.Error("a use after SeenInterval did not save the session")
	}
	for _, in := range listSessions(t, laptop) {
		if in.UserAgent == "Phone/1.0" && !in.LastSeen.Equal(clock.Now().Truncate(time.Second)) {
			t.Errorf("phone LastSeen %v, want %v", in.LastSeen, clock.Now())
		}
	}
}

// TestRevokeOneDevice: a device is logged out by its id from another, and
// an id is no use to another user.
func TestRevokeOneDevice(t *testing.T) {
	m := &sessionkit.Manager{Store: &memstore.Store{}, TrackSessions: true}
	h := deviceApp(t, m)
	a, b, mallory := sessionkittest.NewClient(t, h), sessionkittest.NewClient(t, h), sessionkittest.NewClient(t, h)
	a.Get("/login?user=42")
	b.Get("/login?user=42")
	mallory.Get("/login?user=7")
	var bID string
	for _, in := range listSessions(t, a) {
		if !in.Current {
			bID = in.ID
		}
	}
	if r := mallory.Get("/revoke?id=" + bID); r.Text != "0" {
		t.Errorf("another user revoking b: %q, want 0", r.Text)
	}
	if whoami(t, b) != "42" {
		t.Fatal("b was logged out by another user")
	}
	if r := a.Get("/revoke?id=" + bID); r.Text != "1" {
		t.Errorf("a revoking b: %q, want 1", r.Text)
	}
	if whoami(t, b) != "" || whoami(t, a) != "42" {
		t.Error("after a revoked b: b is still logged in or a is not")
	}
}

// TestSignedCookieRevocation: with Manager.Revocations, signed cookies can
// be logged out: all but the current one, then all.
func TestSignedCookieRevocation(t *testing.T) {
	cs, err := cookiestore.New(cookiestore.Config{SecretKey: strings.Repeat("k", 50)})
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{now: time.Now()}
	m := &sessionkit.Manager{Store: cs, Revocations: &memstore.Store{}, Now: clock.Now}
	h := deviceApp(t, m)
	a, b, c, other := sessionkittest.NewClient(t, h), sessionkittest.NewClient(t, h), sessionkittest.NewClient(t, h), sessionkittest.NewClient(t, h)
	for _, cl := range []*sessionkittest.Client{a, b, c} {
		cl.Get("/login?user=42")
	}
	other.Get("/login?user=7")
	stolen := b.Cookie(sessionkit.DefaultCookieName)
	clock.Advance(time.Second)
	if r := a.Get("/revoke"); r.StatusCode != http.StatusOK {
		t.Fatalf("log out the others: %d %s", r.StatusCode, r.Text)
	}
	if whoami(t, a) != "42" {
		t.Error("the current cookie was logged out")
	}
	if whoami(t, b) != "" || whoami(t, c) != "" {
		t.Error("another device's cookie still logs in")
	}
	b.SetCookie(&http.Cookie{Name: sessionkit.DefaultCookieName, Value: stolen})
	if whoami(t, b) != "" {
		t.Error("a copy of a revoked cookie still logs in")
	}
	if whoami(t, other) != "7" {
		t.Error("another user's cookie was revoked")
	}
	// A new login after the revocation is valid.
	clock.Advance(time.Second)
	b.Get("/login?user=42")
	if whoami(t, b) != "42" {
		t.Error("a login after the revocation does not hold")
	}
	clock.Advance(time.Second)
	if r := a.Get("/revoke?all=1"); r.StatusCode != http.StatusOK {
		t.Fatalf("log out everywhere: %d %s", r.StatusCode, r.Text)
	}
	if whoami(t, a) != "" || whoami(t, b) != "" {
		t.Error("a cookie survived logging out everywhere")
	}
	// The cookie store cannot list or end one session.
	if _, err := m.DeleteUserSession(context.Background(), "42", "x"); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("DeleteUserSession on signed cookies = %v, want errors.ErrUnsupported", err)
	}
}

// TestRevocationsOnServerStore: Revocations is a cheap revoke-all for a
// server-side store too, and DeleteUserSessions deletes through the index.
func TestRevocationsOnServerStore(t *testing.T) {
	store := &memstore.Store{}
	m := &sessionkit.Manager{Store: store, Revocations: &memstore.Store{}}
	h := deviceApp(t, m)
	a, b := sessionkittest.NewClient(t, h), sessionkittest.NewClient(t, h)
	a.Get("/login?user=42")
	b.Get("/login?user=42")
	if r := a.Get("/revoke?all=1"); r.Text != "2" {
		t.Errorf("revoke all = %q, want 2 deleted", r.Text)
	}
	if whoami(t, a) != "" || whoami(t, b) != "" {
		t.Error("a session survived logging out everywhere")
	}
	// Without an index or revocations there is nothing to do it with.
	cs, _ := cookiestore.New(cookiestore.Config{SecretKey: strings.Repeat("k", 50)})
	m2 := &sessionkit.Manager{Store: cs}
	if _, err := m2.DeleteUserSessions(context.Background(), "42"); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("DeleteUserSessions on signed cookies without Revocations = %v, want errors.ErrUnsupported", err)
	}
}

// TestClientIPPrefixes: IPv6 addresses are cut to IPv6Prefix, and no
// address is kept without TrackIP.
func TestClientIPPrefixes(t *testing.T) {
	for _, tc := range []struct {
		track  bool
		v6bits int
		remote string
		want   string
	}{
		{true, 48, "[2001:db8:1234:5678::1]:443", "2001:db8:1234::/48"},
		{true, 0, "[2001:db8::1]:443", "2001:db8::1"},
		{false, 0, "192.0.2.1:1", ""},
	} {
		m := &sessionkit.Manager{Store: &memstore.Store{}, TrackSessions: true, TrackIP: tc.track, IPv6Prefix: tc.v6bits}
		h := deviceApp(t, m)
		rh := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.RemoteAddr = tc.remote
			h.ServeHTTP(w, r)
		})
		c := sessionkittest.NewClient(t, rh)
		c.Get("/login?user=1")
		infos := listSessions(t, c)
		if len(infos) != 1 || infos[0].IP != tc.want {
			t.Errorf("%s (TrackIP %v, /%d): %+v, want IP %q", tc.remote, tc.track, tc.v6bits, infos, tc.want)
		}
	}
}
