package sessionkit_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/pyjson"
	"github.com/sessionkit/sessionkit/signing"
	"github.com/sessionkit/sessionkit/store/memstore"
)

// The tests of Django's SessionTestsMixin (tests/sessions_tests/tests.py)
// that never reach the store: they run here once, on a Manager over
// memstore, rather than for every engine in storetest. Their clock is
// fixed, so that expiry is asserted exactly, as Django's tests do with a
// given modification time.

// frozen is the instant the fixed clocks show.
var frozen = time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)

// newFrozen returns a Manager over a fresh memstore whose clock (and the
// store's) stays at frozen.
func newFrozen() *sessionkit.Manager {
	now := func() time.Time { return frozen }
	return &sessionkit.Manager{Store: &memstore.Store{Now: now}, Now: now}
}

func wantFlags(t *testing.T, s *sessionkit.Session, accessed, modified bool) {
	t.Helper()
	if s.Accessed() != accessed || s.Modified() != modified {
		t.Errorf("accessed, modified = %v, %v; want %v, %v", s.Accessed(), s.Modified(), accessed, modified)
	}
}

func TestSessionDictAPI(t *testing.T) {
	ctx := context.Background()
	open := func() *sessionkit.Session { return newFrozen().Open(ctx, "") }
	t.Run("test_new_session", func(t *testing.T) {
		wantFlags(t, open(), false, false)
	})
	t.Run("test_get_empty", func(t *testing.T) {
		if v := open().Get("cat"); v != nil {
			t.Errorf("Get(cat) = %v, want nil", v)
		}
	})
	t.Run("test_store", func(t *testing.T) {
		s := open()
		s.Set("cat", "dog")
		wantFlags(t, s, true, true)
		if v, ok := s.Pop("cat"); v != "dog" || !ok {
			t.Errorf("Pop(cat) = %v, %v; want dog, true", v, ok)
		}
	})
	t.Run("test_pop_default", func(t *testing.T) {
		s := open()
		if v, ok := s.Pop("some key"); v != nil || ok {
			t.Errorf("Pop(missing) = %v, %v; want nil, false", v, ok)
		}
		wantFlags(t, s, true, false)
	})
	t.Run("test_setdefault", func(t *testing.T) {
		s := open()
		if v := s.SetDefault("foo", "bar"); v != "bar" {
			t.Errorf("SetDefault = %v, want bar", v)
		}
		if v := s.SetDefault("foo", "baz"); v != "bar" {
			t.Errorf("second SetDefault = %v, want bar", v)
		}
		wantFlags(t, s, true, true)
	})
	t.Run("test_update", func(t *testing.T) {
		s := open()
		s.Update(map[string]any{"update key": 1})
		wantFlags(t, s, true, true)
		if v, ok := sessionkit.Get[int](s, "update key"); v != 1 || !ok {
			t.Errorf("after Update, value = %v, %v; want 1", v, ok)
		}
	})
	t.Run("test_update_empty", func(t *testing.T) {
		s := open()
		s.Update(nil)
		wantFlags(t, s, true, true)
		if s.Len() != 0 {
			t.Errorf("Len = %d, want 0", s.Len())
		}
	})
	// Django 6.1's bool(session) and SessionBaseTests.test_is_empty.
	t.Run("test_is_empty", func(t *testing.T) {
		s := open()
		if !s.IsEmpty() {
			t.Error("a new session is not empty")
		}
		s.Set("a", 1)
		if s.IsEmpty() {
			t.Error("a session with data is empty")
		}
		s.Clear()
		if !s.IsEmpty() {
			t.Error("a cleared session without a key is not empty")
		}
		s.Set("a", 1)
		if err := s.Save(ctx); err != nil {
			t.Fatal(err)
		}
		s.Clear()
		if s.IsEmpty() {
			t.Error("a cleared session that has a key is empty")
		}
		// A key alone makes a session non-empty, without loading it.
		m := newFrozen()
		k := sessionkit.NewKey()
		s = m.Open(ctx, k)
		if s.IsEmpty() || s.Accessed() {
			t.Errorf("Open(key): IsEmpty %v, accessed %v; want false, false", s.IsEmpty(), s.Accessed())
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	ctx := context.Background()
	t.Run("test_default_expiry", func(t *testing.T) {
		s := newFrozen().Open(ctx, "")
		if a := s.ExpiryAge(); a != sessionkit.DefaultCookieAge {
			t.Errorf("ExpiryAge = %v, want %v", a, sessionkit.DefaultCookieAge)
		}
		if d := s.ExpiryDate(); !d.Equal(frozen.Add(sessionkit.DefaultCookieAge)) {
			t.Errorf("ExpiryDate = %v, want now + %v", d, sessionkit.DefaultCookieAge)
		}
		s.SetExpiry(0)
		if a := s.ExpiryAge(); a != sessionkit.DefaultCookieAge {
			t.Errorf("ExpiryAge after SetExpiry(0) = %v, want %v", a, sessionkit.DefaultCookieAge)
		}
	})
	t.Run("test_custom_expiry_seconds", func(t *testing.T) {
		s := newFrozen().Open(ctx, "")
		s.SetExpiry(10 * time.Second)
		if d := s.ExpiryDate(); !d.Equal(frozen.Add(10 * time.Second)) {
			t.Errorf("ExpiryDate = %v, want %v", d, frozen.Add(10*time.Second))
		}
		if a := s.ExpiryAge(); a != 10*time.Second {
			t.Errorf("ExpiryAge = %v, want 10s", a)
		}
	})
	t.Run("test_custom_expiry_datetime", func(t *testing.T) {
		s := newFrozen().Open(ctx, "")
		at := frozen.Add(10 * time.Second)
		s.SetExpiryAt(at)
		if d := s.ExpiryDate(); !d.Equal(at) {
			t.Errorf("ExpiryDate = %v, want %v", d, at)
		}
		if a := s.ExpiryAge(); a != 10*time.Second {
			t.Errorf("ExpiryAge = %v, want 10s", a)
		}
	})
	t.Run("test_custom_expiry_reset", func(t *testing.T) {
		s := newFrozen().Open(ctx, "")
		s.ResetExpiry()
		s.SetExpiry(10 * time.Second)
		s.ResetExpiry()
		if a := s.ExpiryAge(); a != sessionkit.DefaultCookieAge {
			t.Errorf("ExpiryAge = %v, want %v", a, sessionkit.DefaultCookieAge)
		}
	})
	// CustomDatabaseSessionTests: the fallback age is the configured cookie
	// age (there get_session_cookie_age() of one day), not two weeks.
	t.Run("custom_cookie_age", func(t *testing.T) {
		m := newFrozen()
		m.CookieAge = 24 * time.Hour
		s := m.Open(ctx, "")
		if a := s.ExpiryAge(); a != 24*time.Hour {
			t.Errorf("test_default_expiry: ExpiryAge = %v, want 24h", a)
		}
		s.SetExpiry(0)
		if a := s.ExpiryAge(); a != 24*time.Hour {
			t.Errorf("test_default_expiry: ExpiryAge after SetExpiry(0) = %v, want 24h", a)
		}
		s.ResetExpiry()
		s.SetExpiry(10 * time.Second)
		s.ResetExpiry()
		if a := s.ExpiryAge(); a != 24*time.Hour {
			t.Errorf("test_custom_expiry_reset: ExpiryAge = %v, want 24h", a)
		}
		if d := s.ExpiryDate(); !d.Equal(frozen.Add(24 * time.Hour)) {
			t.Errorf("test_custom_expiry_reset: ExpiryDate = %v, want now + 24h", d)
		}
		// The record the store gets expires by the same age.
		s.Set("a", 1)
		if err := s.Save(ctx); err != nil {
			t.Fatal(err)
		}
		rec, err := m.Store.Load(ctx, s.Key())
		if err != nil || !rec.Expiry.Equal(frozen.Add(24*time.Hour)) {
			t.Errorf("stored Expiry = %v, %v; want now + 24h", rec.Expiry, err)
		}
	})
	t.Run("test_get_expire_at_browser_close", func(t *testing.T) {
		for _, setting := range []bool{false, true} {
			m := newFrozen()
			m.ExpireAtBrowserClose = setting
			s := m.Open(ctx, "")
			s.SetExpiry(10 * time.Second)
			if s.ExpiresAtBrowserClose() {
				t.Errorf("setting %v, SetExpiry(10s): at browser close", setting)
			}
			s.SetExpiry(0)
			if !s.ExpiresAtBrowserClose() {
				t.Errorf("setting %v, SetExpiry(0): not at browser close", setting)
			}
			s.ResetExpiry()
			if s.ExpiresAtBrowserClose() != setting {
				t.Errorf("setting %v, ResetExpiry: at browser close = %v", setting, !setting)
			}
			s.SetExpiryAtBrowserClose()
			if !s.ExpiresAtBrowserClose() {
				t.Errorf("setting %v, SetExpiryAtBrowserClose: not at browser close", setting)
			}
		}
	})
}

func TestSessionDecode(t *testing.T) {
	ctx := context.Background()
	// test_decode, for both codecs.
	for _, c := range []sessionkit.Codec{sessionkit.JSONCodec{}, &sessionkit.DjangoCodec{SecretKey: testSecret}} {
		d := new(pyjson.Object)
		d.Set("a test key", "a test value")
		d.Set("n", 1)
		d.Set("f", 1.0)
		d.Set("u", "清風 😀")
		b, err := c.Encode(d)
		if err != nil {
			t.Fatalf("%T: %v", c, err)
		}
		got, err := c.Decode(b)
		if err != nil {
			t.Fatalf("%T: %v", c, err)
		}
		if !slices.Equal(got.Keys(), d.Keys()) {
			t.Errorf("%T: decoded keys %v, want %v", c, got.Keys(), d.Keys())
		}
		for k, want := range d.All() {
			if v, _ := got.Get(k); v != want {
				t.Errorf("%T: decoded %s = %#v, want %#v", c, k, v, want)
			}
		}
	}
	const validSigBadJSON = "bm90IGpzb24:1r31eq:Tlc8wrMQ8gIAGwkP37E5Ol6s9syIlcmlD63qEg7zokY"
	if _, err := (&sessionkit.DjangoCodec{SecretKey: testSecret}).Decode([]byte(validSigBadJSON)); err == nil || errors.Is(err, signing.ErrBadSignature) {
		t.Fatalf("Decode(valid_sig_bad_json) = %v, want an error other than a bad signature", err)
	}
	// test_decode_failure_logged_to_security: the Manager reads undecodable
	// data as an empty session and logs "Session data corrupted" at WARN.
	// test_decode_serializer_exception: so it does with data whose
	// signature is valid but whose payload is not JSON (the vector
	// valid_sig_bad_json, "not json" signed by Django under testSecret).
	for _, bad := range []string{
		base64.StdEncoding.EncodeToString([]byte("flaskdj:alkdjf")),
		"bad:encoded:value",
		validSigBadJSON,
	} {
		var logs strings.Builder
		m := newFrozen()
		m.Codec = &sessionkit.DjangoCodec{SecretKey: testSecret}
		m.Logger = textLogger(&logs)
		key := sessionkit.NewKey()
		if _, err := m.Store.Create(ctx, key, sessionkit.Record{Data: []byte(bad), Expiry: frozen.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		s := m.Open(ctx, key)
		if n := s.Len(); n != 0 || s.Err() != nil {
			t.Errorf("data %q: %d keys, err %v; want an empty session and no error", bad, n, s.Err())
		}
		if l := logs.String(); !strings.Contains(l, "level=WARN") || !strings.Contains(l, `msg="Session data corrupted"`) {
			t.Errorf("data %q: log = %q, want a warning \"Session data corrupted\"", bad, l)
		}
	}
}

// test_extra_session_field (CustomDatabaseSessionTests): the store gets the
// user of the session as Record.UserID, and removing _auth_user_id clears it.
func TestRecordUserID(t *testing.T) {
	ctx := context.Background()
	m := newFrozen()
	s := m.Open(ctx, "")
	s.Set(sessionkit.UserIDKey, 42)
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	rec, err := m.Store.Load(ctx, s.Key())
	if err != nil || rec.UserID != "42" {
		t.Fatalf("after login: UserID %q, %v; want \"42\"", rec.UserID, err)
	}
	s = m.Open(ctx, s.Key())
	s.Pop(sessionkit.UserIDKey)
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	rec, err = m.Store.Load(ctx, s.Key())
	if err != nil || rec.UserID != "" {
		t.Fatalf("after Pop(_auth_user_id): UserID %q, %v; want \"\"", rec.UserID, err)
	}
}

// The SessionMiddlewareTests whose session has no key: the store is never
// called.
func TestMiddlewareWithoutKey(t *testing.T) {
	serve := func(m *sessionkit.Manager, cookie string, h func(*sessionkit.Session)) *http.Response {
		req := httptest.NewRequest("GET", "/", nil)
		if cookie != "" {
			req.Header.Set("Cookie", "sessionid="+cookie)
		}
		rec := httptest.NewRecorder()
		m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, err := sessionkit.FromRequest(r)
			if err != nil {
				t.Fatalf("FromRequest: %v", err)
			}
			h(s)
		})).ServeHTTP(rec, req)
		return rec.Result()
	}
	flush := func(s *sessionkit.Session) {
		if err := s.Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
	}
	for _, tc := range []struct {
		name          string
		domain, path  string
		cookie        string
		wantSetCookie string
	}{
		{"test_session_delete_on_end", "", "", "abc",
			`sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax`},
		{"test_session_delete_on_end_with_custom_domain_and_path", ".example.local", "/example/", "abc",
			`sessionid=""; Domain=.example.local; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/example/; SameSite=Lax`},
		{"test_flush_empty_without_session_cookie_doesnt_set_cookie", "", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newFrozen()
			m.CookieDomain, m.CookiePath = tc.domain, tc.path
			r := serve(m, tc.cookie, flush)
			if got := strings.Join(r.Header.Values("Set-Cookie"), "\n"); got != tc.wantSetCookie {
				t.Errorf("Set-Cookie = %q, want %q", got, tc.wantSetCookie)
			}
			if v := r.Header.Get("Vary"); v != "Cookie" {
				t.Errorf("Vary = %q, want Cookie", v)
			}
		})
	}
}
