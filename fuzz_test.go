package sessionkit_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/memstore"
)

// FuzzMiddlewareCookie sends arbitrary Cookie headers through the
// Middleware: it must never panic or fail the request, and never adopt a
// session key that the store did not issue.
func FuzzMiddlewareCookie(f *testing.F) {
	const known = "existingsession0000000000000000a"
	for _, s := range []string{"", "sessionid=" + known, "sessionid=abc", `sessionid="` + known + `"`,
		"sessionid=../../etc/passwd", "a=b; sessionid=x; sessionid=" + known, "sessionid=\x00\xff", "sessionid=" + strings.Repeat("a", 5000)} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, header string, write bool) {
		store := &memstore.Store{}
		store.Create(context.Background(), known, sessionkit.Record{Data: []byte(`{"user":"alice"}`), Expiry: time.Now().Add(time.Hour)})
		m := &sessionkit.Manager{Store: store, Logger: discardLogger()}
		var key string
		h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, err := sessionkit.FromRequest(r)
			if err != nil {
				t.Fatal(err)
			}
			user := s.Get("user")
			if write {
				s.Set("seen", true)
			}
			key = s.Key()
			if user != nil && key != known {
				t.Fatalf("data %v under key %q", user, key)
			}
		}))
		req := httptest.NewRequest("GET", "/", nil)
		req.Header["Cookie"] = []string{header}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("status %d for Cookie %q", rec.Code, header)
		}
		if key != "" && key != known {
			if _, err := store.Load(context.Background(), key); err != nil {
				t.Fatalf("the session ended with key %q, which the store did not issue", key)
			}
			if strings.Contains(header, key) {
				t.Fatalf("the client's key %q was adopted", key)
			}
		}
	})
}
