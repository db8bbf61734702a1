package storetest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
)

// serve runs one request with the given session cookie ("" for none)
// through m.Middleware around h.
func serve(t *testing.T, m *sessionkit.Manager, cookie string, h func(w http.ResponseWriter, r *http.Request, s *sessionkit.Session)) *http.Response {
	t.Helper()
	req := httptest.NewRequest("GET", "/", nil)
	if cookie != "" {
		req.Header.Set("Cookie", "sessionid="+cookie)
	}
	rec := httptest.NewRecorder()
	m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := sessionkit.FromRequest(r)
		if err != nil {
			t.Errorf("FromRequest: %v", err)
			return
		}
		h(w, r, s)
	})).ServeHTTP(rec, req)
	return rec.Result()
}

// sessionCookie returns the sessionid Set-Cookie header, or "".
func sessionCookie(r *http.Response) string {
	for _, v := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(v, "sessionid=") {
			return v
		}
	}
	return ""
}

func cookieValue(header string) string {
	v, _, _ := strings.Cut(strings.TrimPrefix(header, "sessionid="), ";")
	return v
}

func wantVary(t *testing.T, r *http.Response, want bool) {
	t.Helper()
	if got := r.Header.Get("Vary") == "Cookie"; got != want {
		t.Errorf("Vary = %q; want Cookie: %v", r.Header.Get("Vary"), want)
	}
}

const deletedCookie = `sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax`

// runMiddleware is the Go counterpart of Django's SessionMiddlewareTests and
// of the middleware_db flows in the vectors.
func runMiddleware(t *testing.T, newStore NewStore, opts Options) {
	// login makes a session holding {"user": "alice"} and returns its cookie.
	login := func(t *testing.T, m *sessionkit.Manager) string {
		r := serve(t, m, "", func(w http.ResponseWriter, _ *http.Request, s *sessionkit.Session) {
			s.Set("user", "alice")
		})
		c := sessionCookie(r)
		if c == "" {
			t.Fatal("no session cookie after login")
		}
		return cookieValue(c)
	}
	t.Run("NewSessionSetsCookie", func(t *testing.T) {
		m := manager(t, newStore, opts)
		r := serve(t, m, "", func(w http.ResponseWriter, _ *http.Request, s *sessionkit.Session) {
			s.Set("hello", "world")
		})
		c := sessionCookie(r)
		for _, attr := range []string{"; expires=", "; HttpOnly", "; Max-Age=1209600", "; Path=/", "; SameSite=Lax"} {
			if !strings.Contains(c, attr) {
				t.Errorf("Set-Cookie %q lacks %q", c, attr)
			}
		}
		wantVary(t, r, true)
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", cc)
		}
		r = serve(t, m, cookieValue(c), func(w http.ResponseWriter, _ *http.Request, s *sessionkit.Session) {
			if v := s.Get("hello"); v != "world" {
				t.Errorf("next request reads %v", v)
			}
		})
		if sessionCookie(r) != "" {
			t.Error("a read-only request re-sent the cookie")
		}
		wantVary(t, r, true)
	})
	t.Run("UntouchedSessionSendsNothing", func(t *testing.T) {
		m := manager(t, newStore, opts)
		key := login(t, m)
		r := serve(t, m, key, func(w http.ResponseWriter, _ *http.Request, s *sessionkit.Session) {})
		if sessionCookie(r) != "" || r.Header.Get("Vary") != "" {
			t.Errorf("untouched session: Set-Cookie %q, Vary %q; want neither", sessionCookie(r), r.Header.Get("Vary"))
		}
	})
	t.Run("LogoutDeletesCookieAndSession", func(t *testing.T) {
		m := manager(t, newStore, opts)
		key := login(t, m)
		r := serve(t, m, key, func(w http.ResponseWriter, _ *http.Request, s *sessionkit.Session) {
			if err := s.Flush(); err != nil {
				t.Error(err)
			}
		})
		if c := sessionCookie(r); c != deletedCookie {
			t.Errorf("Set-Cookie = %q, want %q", c, deletedCookie)
		}
		if opts.ClientSide {
			return
		}
		serve(t, m, key, func(w http.ResponseWriter, _ *http.Request, s *sessionkit.Session) {
			if s.Get("user") != nil || s.Key() != "" {
				t.Error("the logged-out key still works")
			}
		})
	})
	t.Run("InvalidCookieIsDeleted", func(t *testing.T) {
		m := manager(t, newStore, opts)
		for _, bad := range []string{"abc", `""`, "../../etc/passwd"} {
			r := serve(t, m, bad, func(w http.ResponseWriter, _ *http.Request, s *sessionkit.Session) {})
			if c := sessionCookie(r); c != deletedCookie {
				t.Errorf("cookie %q: Set-Cookie = %q, want the deletion", bad, c)
			}
		}
	})
	t.Run("UnknownKeyIsNotAdopted", func(t *testing.T) {
		if opts.ClientSide {
			t.Skip("a client-side store has no keys to adopt")
		}
		m := manager(t, newStore, opts)
		forged := sessionkit.NewKey()
		r := serve(t, m, forged, func(w http.ResponseWriter, _ *http.Request, s *sessionkit.Session) {
			s.Set("x", 1)
		})
		if v := cookieValue(sessionCookie(r)); v == forged || v == "" {
			t.Errorf("cookie after a forged key = %q; want a fresh key", v)
		}
	})
	t.Run("test_session_save_on_500", func(t *testing.T) {
		for _, code := range []int{500, 503} {
			m := manager(t, newStore, opts)
			key := login(t, m)
			r := serve(t, m, key, func(w http.ResponseWriter, _ *http.Request, s *sessionkit.Session) {
				s.Set("hello", "world")
				w.WriteHeader(code)
			})
			if c := sessionCookie(r); c != "" {
				t.Errorf("%d: Set-Cookie %q, want none", code, c)
			}
			wantVary(t, r, true)
			serve(t, m, key, func(w http.ResponseWriter, _ *http.Request, s *sessionkit.Session) {
				if s.Has("hello") {
					t.Errorf("%d: the session was saved", code)
				}
			})
		}
	})
	t.Run("test_session_update_error_redirect", func(t *testing.T) {
		if opts.ClientSide {
			t.Skip("a client-side store cannot detect a concurrent logout")
		}
		m := manager(t, newStore, opts)
		key := login(t, m)
		r := serve(t, m, key, func(w http.ResponseWriter, r *http.Request, s *sessionkit.Session) {
			s.Set("x", 1)
			// A concurrent request logs out.
			if err := m.Store.Delete(r.Context(), key); err != nil {
				t.Error(err)
			}
			w.Write([]byte("handler body"))
		})
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("status = %d, want 400", r.StatusCode)
		}
		if sessionCookie(r) != "" {
			t.Error("a cookie was set for the interrupted session")
		}
		serve(t, m, key, func(w http.ResponseWriter, _ *http.Request, s *sessionkit.Session) {
			if s.Len() != 0 {
				t.Error("the interrupted save resurrected the session")
			}
		})
	})
	t.Run("test_empty_session_saved", func(t *testing.T) {
		m := manager(t, newStore, opts)
		key := login(t, m)
		r := serve(t, m, key, func(w http.ResponseWriter, _ *http.Request, s *sessionkit.Session) {
			s.Delete("user")
		})
		c := sessionCookie(r)
		if c == "" || strings.HasPrefix(c, `sessionid="";`) {
			t.Fatalf("Set-Cookie = %q, want the cookie re-sent", c)
		}
		if !opts.ClientSide && cookieValue(c) != key {
			t.Errorf("re-sent key %q, want %q", cookieValue(c), key)
		}
		wantVary(t, r, true)
		serve(t, m, cookieValue(c), func(w http.ResponseWriter, _ *http.Request, s *sessionkit.Session) {
			if s.Key() == "" || s.Len() != 0 {
				t.Errorf("the emptied session: key %q, %d keys; want the key kept and no data", s.Key(), s.Len())
			}
		})
	})
	t.Run("BrowserCloseCookie", func(t *testing.T) {
		m := manager(t, newStore, opts)
		r := serve(t, m, "", func(w http.ResponseWriter, _ *http.Request, s *sessionkit.Session) {
			s.Set("a", 1)
			s.SetExpiryAtBrowserClose()
		})
		c := sessionCookie(r)
		if c == "" || strings.Contains(c, "Max-Age") || strings.Contains(c, "expires") {
			t.Errorf("Set-Cookie = %q, want a cookie without Max-Age or expires", c)
		}
	})
	t.Run("SaveEveryRequest", func(t *testing.T) {
		m := manager(t, newStore, opts)
		m.SaveEveryRequest = true
		key := login(t, m)
		r := serve(t, m, key, func(w http.ResponseWriter, _ *http.Request, s *sessionkit.Session) {})
		if sessionCookie(r) == "" {
			t.Error("SaveEveryRequest: the cookie was not re-sent")
		}
		wantVary(t, r, true)
	})
	t.Run("CycleKeyOnLogin", func(t *testing.T) {
		m := manager(t, newStore, opts)
		key := login(t, m)
		r := serve(t, m, key, func(w http.ResponseWriter, _ *http.Request, s *sessionkit.Session) {
			if err := s.CycleKey(); err != nil {
				t.Error(err)
			}
			s.Set("_auth_user_id", "42")
		})
		nk := cookieValue(sessionCookie(r))
		if nk == "" || nk == key {
			t.Fatalf("cookie after CycleKey = %q (old %q)", nk, key)
		}
		serve(t, m, nk, func(w http.ResponseWriter, _ *http.Request, s *sessionkit.Session) {
			if s.Get("user") != "alice" || s.Get("_auth_user_id") != "42" {
				t.Errorf("data after CycleKey: %v", s.Keys())
			}
		})
		if !opts.ClientSide {
			serve(t, m, key, func(w http.ResponseWriter, _ *http.Request, s *sessionkit.Session) {
				if s.Len() != 0 {
					t.Error("the old key still works after CycleKey")
				}
			})
		}
	})
	t.Run("WriteBeforeModify", func(t *testing.T) {
		if opts.ClientSide {
			t.Skip("a client-side session lives in the cookie, which is gone once the body starts")
		}
		m := manager(t, newStore, opts)
		key := login(t, m)
		serve(t, m, key, func(w http.ResponseWriter, _ *http.Request, s *sessionkit.Session) {
			s.Get("user")
			w.Write([]byte("streaming"))
			s.Set("late", true)
		})
		serve(t, m, key, func(w http.ResponseWriter, _ *http.Request, s *sessionkit.Session) {
			if s.Get("late") != true {
				t.Error("a change made after the body started was lost")
			}
		})
	})
}
