package demo_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/demo"
	"github.com/sessionkit/sessionkit/store/memstore"
)

// The playground on an in-memory store, asked for its session over the
// JSON API, as `curl -X POST localhost:8000/api/session -d …` would.
func Example() {
	store := memstore.New(0)
	defer store.Close()
	playground, err := demo.New(demo.Config{
		Manager:   sessionkit.New(store),
		SecretKey: "change me",
		Engine:    "memory engine",
	})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(playground)
	defer srv.Close()

	res, err := http.Post(srv.URL+"/api/session", "application/json", strings.NewReader(`{"color": "blue"}`))
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	fmt.Println(res.Status)
	fmt.Println(res.Header.Get("Vary"))
	fmt.Println(strings.Contains(string(body), `"data":{"color":"blue"}`))
	// Output:
	// 200 OK
	// Cookie
	// true
}
