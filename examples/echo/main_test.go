package main

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/examples/flash"
	"github.com/sessionkit/sessionkit/examples/internal/shoptest"
	"github.com/sessionkit/sessionkit/sessionkittest"
	"github.com/sessionkit/sessionkit/store/memstore"
)

func TestShop(t *testing.T) { shoptest.Run(t, newApp) }

// A request that arrives logged in, with a message waiting, sees both,
// and the message is gone afterwards.
func TestHomeShowsAndConsumesMessages(t *testing.T) {
	m := sessionkit.New(memstore.New(0))
	r := httptest.NewRequest("GET", "/", nil)
	sessionkittest.SeedRequest(t, m, r, map[string]any{
		sessionkit.UserIDKey: "2",
		flash.Key:            []string{"Your order shipped."},
	})
	w := httptest.NewRecorder()
	newApp(m).ServeHTTP(w, r)
	if body := w.Body.String(); !strings.Contains(body, `"user":"2"`) || !strings.Contains(body, "Your order shipped.") {
		t.Fatalf("GET / answered %d %s", w.Code, body)
	}
	s, ok := sessionkittest.ResponseSession(t, m, w.Result())
	if !ok {
		t.Fatal("the response left no session")
	}
	if s.Has(flash.Key) {
		t.Fatal("the message is still in the session after it was shown")
	}
}
