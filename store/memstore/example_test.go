package memstore_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/memstore"
)

func Example() {
	store := memstore.New(time.Minute) // sweep expired sessions every minute
	defer store.Close()
	m := sessionkit.New(store)

	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromRequest(r)
		n, _ := sessionkit.Get[int](s, "visits")
		s.Set("visits", n+1)
		fmt.Fprintf(w, "visit %d", n+1)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Body.String())
	// Output: visit 1
}
