package sessionkittest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/sessionkittest"
	"github.com/sessionkit/sessionkit/store/memstore"
)

// t stands for the test's *testing.T in these examples.
var t sessionkittest.TB = exampleT{}

type exampleT struct{}

func (exampleT) Helper()                           {}
func (exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// app is a small application: log in (the key is cycled and the user id
// set) and a counter of visits.
func app(m *sessionkit.Manager) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromRequest(r)
		if err := s.CycleKey(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		s.Set(sessionkit.UserIDKey, r.FormValue("user"))
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromRequest(r)
		n, _ := sessionkit.Get[int](s, "visits")
		s.Set("visits", n+1)
		user, _ := sessionkit.Get[string](s, sessionkit.UserIDKey)
		fmt.Fprintf(w, "user %q, visit %d", user, n+1)
	})
	return m.Middleware(mux)
}

// The client keeps the session cookie between requests, as a browser does.
func ExampleClient() {
	m := sessionkit.New(memstore.New(0))
	c := sessionkittest.NewClient(t, app(m))

	fmt.Println(c.Get("/").Text)
	fmt.Println(c.Get("/").Text)
	before := c.SessionKey(m)
	resp := c.PostForm("/login", url.Values{"user": {"42"}})
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"))
	fmt.Println("key cycled:", c.SessionKey(m) != before)
	fmt.Println(c.Get("/").Text)
	// Output:
	// user "", visit 1
	// user "", visit 2
	// 303 /
	// key cycled: true
	// user "42", visit 3
}

// Seed starts a test with a session already in the store; ResponseSession
// reads what the handler left in it.
func ExampleSeedRequest() {
	m := sessionkit.New(memstore.New(0))

	r := httptest.NewRequest("GET", "/", nil)
	sessionkittest.SeedRequest(t, m, r, map[string]any{"visits": 9, sessionkit.UserIDKey: "7"})
	w := httptest.NewRecorder()
	app(m).ServeHTTP(w, r)
	fmt.Println(w.Body.String())

	s, ok := sessionkittest.ResponseSession(t, m, w.Result())
	visits, _ := sessionkit.Get[int](s, "visits")
	fmt.Println(ok, visits)
	// Output:
	// user "7", visit 10
	// true 10
}

// A Clock moves the Manager's time, and the store's with it: an idle
// session times out without the test sleeping.
func ExampleClock() {
	clock := sessionkittest.NewClock(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	m := &sessionkit.Manager{Store: memstore.New(0), Now: clock.Now, IdleTimeout: 30 * time.Minute}
	c := sessionkittest.NewClient(t, app(m))

	c.Get("/")
	clock.Advance(10 * time.Minute)
	fmt.Println(c.Get("/").Text)
	clock.Advance(31 * time.Minute)
	fmt.Println(c.Get("/").Text)
	// Output:
	// user "", visit 2
	// user "", visit 1
}
