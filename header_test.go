package sessionkit_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/memstore"
)

// TestHeaderTransport: with Manager.Header the key travels in a header,
// both ways, under the same rules as the cookie.
func TestHeaderTransport(t *testing.T) {
	for _, tc := range []struct{ header, prefix string }{
		{"X-Session-Token", ""},
		{"Authorization", "Bearer "},
	} {
		t.Run(tc.header, func(t *testing.T) {
			m := &sessionkit.Manager{Store: &memstore.Store{}, Header: tc.header}
			h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s, _ := sessionkit.FromRequest(r)
				switch r.URL.Path {
				case "/set":
					n, _ := sessionkit.Get[int](s, "n")
					s.Set("n", n+1)
				case "/cycle":
					s.CycleKey()
				case "/flush":
					s.Flush()
				}
			}))
			send := func(path, token string) *http.Response {
				req := httptest.NewRequest("POST", path, nil)
				if token != "" {
					req.Header.Set(tc.header, tc.prefix+token)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				res := rec.Result()
				if len(res.Cookies()) != 0 {
					t.Errorf("%s: a cookie was set in header mode", path)
				}
				return res
			}
			token := func(res *http.Response) string {
				v := res.Header.Get(tc.header)
				if tc.prefix != "" && v != "" {
					if len(v) < len(tc.prefix) || v[:len(tc.prefix)] != tc.prefix {
						t.Errorf("%s = %q, want %q…", tc.header, v, tc.prefix)
						return ""
					}
					v = v[len(tc.prefix):]
				}
				return v
			}
			res := send("/set", "")
			key := token(res)
			if !sessionkit.ValidKey(key) {
				t.Fatalf("a new session answered %s = %q", tc.header, res.Header.Get(tc.header))
			}
			if got := res.Header.Get("Vary"); got != http.CanonicalHeaderKey(tc.header) {
				t.Errorf("Vary = %q, want %s", got, tc.header)
			}
			send("/set", key)
			if n, _ := sessionkit.Get[int](m.Open(t.Context(), key), "n"); n != 2 {
				t.Errorf("after two requests with the token n = %d, want 2", n)
			}
			res = send("/cycle", key)
			cycled := token(res)
			if cycled == "" || cycled == key {
				t.Errorf("CycleKey answered %q; want a new key", cycled)
			}
			res = send("/flush", cycled)
			if v, ok := res.Header[http.CanonicalHeaderKey(tc.header)]; !ok || len(v) != 1 || v[0] != "" {
				t.Errorf("a flushed session answered %s = %q; want the header, empty", tc.header, v)
			}
			if ok, _ := m.Exists(t.Context(), cycled); ok {
				t.Error("the flushed session still exists")
			}
			// Another scheme in Authorization is no session key.
			if tc.header == "Authorization" {
				req := httptest.NewRequest("GET", "/", nil)
				req.Header.Set("Authorization", "Basic "+key)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Header().Get("Authorization") != "" {
					t.Error("a Basic credential was taken as a session key")
				}
			}
		})
	}
}
