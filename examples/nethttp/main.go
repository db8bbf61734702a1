// Command nethttp is a shop on net/http alone: log in, a cart and flash
// messages, kept in a sessionkit session.
package main

import (
	"log"
	"net/http"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/examples/flash"
	"github.com/sessionkit/sessionkit/examples/internal/shop"
	"github.com/sessionkit/sessionkit/store/memstore"
)

func main() {
	m := sessionkit.New(memstore.New(0))
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", newApp(m)))
}

// newApp returns the shop, its routes wrapped by the session Middleware.
func newApp(m *sessionkit.Manager) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", home)
	mux.HandleFunc("POST /login", login)
	mux.HandleFunc("POST /logout", logout)
	mux.HandleFunc("POST /cart", addToCart)
	return m.Middleware(mux)
}

func home(w http.ResponseWriter, r *http.Request) {
	s, _ := sessionkit.FromRequest(r)
	user, _ := sessionkit.Get[string](s, sessionkit.UserIDKey)
	cart, _ := sessionkit.Get[[]string](s, "cart")
	writeJSON(w, shop.Page{User: user, Cart: cart, Messages: flash.Pop(s)})
}

func login(w http.ResponseWriter, r *http.Request) {
	u, ok := shop.Authenticate(r.FormValue("username"), r.FormValue("password"))
	if !ok {
		http.Error(w, "wrong user name or password", http.StatusUnauthorized)
		return
	}
	s, _ := sessionkit.FromRequest(r)
	// A new key at login: a key planted before it (session fixation) is
	// worthless after.
	if err := s.CycleKey(); err != nil {
		http.Error(w, "the session could not be saved", http.StatusInternalServerError)
		return
	}
	s.Set(sessionkit.UserIDKey, u.ID)
	flash.Add(s, "Welcome, "+u.Name+".")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func logout(w http.ResponseWriter, r *http.Request) {
	s, _ := sessionkit.FromRequest(r)
	if err := s.Flush(); err != nil {
		http.Error(w, "the session could not be deleted", http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func addToCart(w http.ResponseWriter, r *http.Request) {
	sku := r.FormValue("sku")
	if sku == "" {
		http.Error(w, "sku is required", http.StatusBadRequest)
		return
	}
	s, _ := sessionkit.FromRequest(r)
	cart, _ := sessionkit.Get[[]string](s, "cart")
	s.Set("cart", append(cart, sku))
	flash.Add(s, "Added "+sku+" to your cart.")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
