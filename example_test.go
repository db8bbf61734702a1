package sessionkit_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/memstore"
)

// A counter kept in the session, the way Django's request.session is used.
func Example() {
	m := sessionkit.New(&memstore.Store{})
	m.CookieSecure = false // true in production, behind HTTPS

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s, err := sessionkit.FromRequest(r)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		n, _ := sessionkit.Get[int](s, "visits")
		s.Set("visits", n+1)
		fmt.Fprintf(w, "visit %d", n+1)
	})
	h := m.Middleware(mux)

	var cookie string
	for range 3 {
		req := httptest.NewRequest("GET", "/", nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if c := rec.Result().Cookies(); len(c) > 0 {
			cookie = c[0].Name + "=" + c[0].Value
		}
		fmt.Println(rec.Body.String())
	}
	// Output:
	// visit 1
	// visit 2
	// visit 3
}

// Logging in cycles the key (against session fixation); logging out flushes.
func ExampleSession_CycleKey() {
	m := sessionkit.New(&memstore.Store{})
	login := func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromRequest(r)
		if err := s.CycleKey(); err != nil {
			http.Error(w, "try again", 500)
			return
		}
		s.Set(sessionkit.UserIDKey, "42")
		s.SetExpiry(0) // no "remember me": the cookie ends with the browser
	}
	logout := func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromRequest(r)
		s.Flush()
	}
	rec := httptest.NewRecorder()
	m.Middleware(http.HandlerFunc(login)).ServeHTTP(rec, httptest.NewRequest("POST", "/login", nil))
	fmt.Println(len(rec.Result().Cookies()[0].Value), rec.Result().Cookies()[0].MaxAge)

	req := httptest.NewRequest("POST", "/logout", nil)
	req.AddCookie(rec.Result().Cookies()[0])
	rec = httptest.NewRecorder()
	m.Middleware(http.HandlerFunc(logout)).ServeHTTP(rec, req)
	fmt.Println(rec.Header().Get("Set-Cookie"))
	// Output:
	// 32 0
	// sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax
}

// Expiry works as Django's set_expiry.
func ExampleSession_SetExpiry() {
	m := sessionkit.New(&memstore.Store{})
	s := m.Open(context.Background(), "")
	s.SetExpiry(30 * time.Minute)
	fmt.Println(s.ExpiryAge(), s.ExpiresAtBrowserClose())
	s.SetExpiry(0)
	fmt.Println(s.ExpiryAge(), s.ExpiresAtBrowserClose())
	s.ResetExpiry()
	fmt.Println(s.ExpiryAge(), s.ExpiresAtBrowserClose())
	// Output:
	// 30m0s false
	// 336h0m0s true
	// 336h0m0s false
}
