// Command chi is the shop on chi: log in, a cart and flash messages, kept
// in a sessionkit session. sessionkit's Middleware is a plain net/http
// middleware, so chi's Use takes it as it is.
package main

import (
	"encoding/json"
	"log"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/examples/flash"
	"github.com/sessionkit/sessionkit/examples/internal/shop"
	"github.com/sessionkit/sessionkit/store/memstore"
)

func main() {
	m := sessionkit.New(memstore.New(0))
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", newApp(m)))
}

func newApp(m *sessionkit.Manager) http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	r.Use(m.Middleware)
	r.Get("/", home)
	r.Post("/login", login)
	r.Post("/logout", logout)
	r.Post("/cart", addToCart)
	return r
}

// session returns the request's session; the Middleware always gives one.
func session(r *http.Request) *sessionkit.Session {
	s, _ := sessionkit.FromRequest(r)
	return s
}

func home(w http.ResponseWriter, r *http.Request) {
	s := session(r)
	user, _ := sessionkit.Get[string](s, sessionkit.UserIDKey)
	cart, _ := sessionkit.Get[[]string](s, "cart")
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(shop.Page{User: user, Cart: cart, Messages: flash.Pop(s)})
}

func login(w http.ResponseWriter, r *http.Request) {
	u, ok := shop.Authenticate(r.FormValue("username"), r.FormValue("password"))
	if !ok {
		http.Error(w, "wrong user name or password", http.StatusUnauthorized)
		return
	}
	s := session(r)
	if err := s.CycleKey(); err != nil { // a new key at login: no session fixation
		http.Error(w, "the session could not be saved", http.StatusInternalServerError)
		return
	}
	s.Set(sessionkit.UserIDKey, u.ID)
	flash.Add(s, "Welcome, "+u.Name+".")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func logout(w http.ResponseWriter, r *http.Request) {
	if err := session(r).Flush(); err != nil {
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
	s := session(r)
	cart, _ := sessionkit.Get[[]string](s, "cart")
	s.Set("cart", append(cart, sku))
	flash.Add(s, "Added "+sku+" to your cart.")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
