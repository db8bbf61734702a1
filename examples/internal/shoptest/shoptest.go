// Package shoptest checks an example application against the behaviour
// every one of them has, with sessionkittest: log in (the key is cycled
// and _auth_user_id set), a cart, flash messages, log out.
package shoptest

import (
	"context"
	"encoding/json"
	"github.com/sessionkit/sessionkit/examples/flash"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/examples/internal/shop"
	"github.com/sessionkit/sessionkit/sessionkittest"
	"github.com/sessionkit/sessionkit/store/memstore"
)

// Run runs the checks against the application newApp builds on a Manager.
func Run(t *testing.T, newApp func(*sessionkit.Manager) http.Handler) {
	setup := func(t *testing.T) (*sessionkit.Manager, *sessionkittest.Client) {
		store := memstore.New(0)
		t.Cleanup(func() { store.Close() })
		m := sessionkit.New(store)
		return m, sessionkittest.NewClient(t, newApp(m))
	}

	t.Run("LoginCyclesTheKey", func(t *testing.T) {
		m, c := setup(t)
		// An anonymous visitor with a cart logs in and keeps the cart.
		before := c.Seed(m, map[string]any{"cart": []string{"mug"}})
		resp := c.PostForm("/login", url.Values{"username": {"alice"}, "password": {"wonderland"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST /login: status %d, want 303\n%s", resp.StatusCode, resp.Text)
		}
		after := sessionkittest.ResponseKey(m, resp.Response)
		if after == "" || after == before {
			t.Fatalf("the session key was not cycled at login: %q before, %q after", before, after)
		}
		if ok, _ := m.Exists(context.Background(), before); ok {
			t.Error("the session stored under the old key outlived the login")
		}
		s, ok := sessionkittest.ResponseSession(t, m, resp.Response)
		if !ok {
			t.Fatal("no session after the login")
		}
		if id, _ := sessionkit.Get[string](s, sessionkit.UserIDKey); id != "1" {
			t.Errorf("%s = %q, want alice's id 1", sessionkit.UserIDKey, id)
		}
		page := home(t, c)
		if page.User != "1" || !slices.Equal(page.Cart, []string{"mug"}) {
			t.Errorf("after the login the home page says %+v; want user 1 with the cart kept", page)
		}
		if !slices.Equal(page.Messages, []string{"Welcome, alice."}) {
			t.Errorf("flash messages %q, want the welcome", page.Messages)
		}
		if again := home(t, c); len(again.Messages) != 0 {
			t.Errorf("the welcome was shown twice: %q", again.Messages)
		}
	})

	t.Run("WrongPassword", func(t *testing.T) {
		m, c := setup(t)
		resp := c.PostForm("/login", url.Values{"username": {"alice"}, "password": {"guess"}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("POST /login with a wrong password: status %d, want 401", resp.StatusCode)
		}
		if s, ok := c.Session(m); ok && s.Has(sessionkit.UserIDKey) {
			t.Fatal("a wrong password logged the user in")
		}
	})

	t.Run("Cart", func(t *testing.T) {
		m, c := setup(t)
		for _, sku := range []string{"mug", "tee", "mug"} {
			if resp := c.PostForm("/cart", url.Values{"sku": {sku}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("POST /cart: status %d, want 303\n%s", resp.StatusCode, resp.Text)
			}
		}
		s, ok := c.Session(m)
		if !ok {
			t.Fatal("adding to the cart left no session")
		}
		if cart, _ := sessionkit.Get[[]string](s, "cart"); !slices.Equal(cart, []string{"mug", "tee", "mug"}) {
			t.Errorf("the stored cart is %q", cart)
		}
		page := home(t, c)
		if want := []string{"Added mug to your cart.", "Added tee to your cart.", "Added mug to your cart."}; !slices.Equal(page.Messages, want) {
			t.Errorf("flash messages %q, want %q", page.Messages, want)
		}
		if resp := c.PostForm("/cart", url.Values{}); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("POST /cart without a sku: status %d, want 400", resp.StatusCode)
		}
	})

	t.Run("Logout", func(t *testing.T) {
		m, c := setup(t)
		key := c.Seed(m, map[string]any{sessionkit.UserIDKey: "2", "cart": []string{"tee"}})
		resp := c.PostForm("/logout", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST /logout: status %d, want 303", resp.StatusCode)
		}
		if c.SessionKey(m) != "" {
			t.Error("the session cookie outlived the logout")
		}
		if ok, _ := m.Exists(context.Background(), key); ok {
			t.Error("the session outlived the logout in the store")
		}
		if page := home(t, c); page.User != "" || len(page.Cart) != 0 {
			t.Errorf("after the logout the home page says %+v", page)
		}
	})
	// A request that arrives logged in, with a message waiting, sees both,
	// and the message is gone afterwards.
	t.Run("HomeShowsAndConsumesMessages", func(t *testing.T) {
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
	})
}

// home gets the home page and decodes it.
func home(t *testing.T, c *sessionkittest.Client) shop.Page {
	t.Helper()
	resp := c.Get("/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: status %d\n%s", resp.StatusCode, resp.Text)
	}
	var p shop.Page
	if err := json.Unmarshal([]byte(resp.Text), &p); err != nil {
		t.Fatalf("GET /: %v\n%s", err, resp.Text)
	}
	return p
}
