package bench

import (
	"encoding/gob"
	"net/http"
	"testing"

	"github.com/gorilla/sessions"
)

// gorillaAccess uses gorilla/sessions the way its README shows: Get the
// session, change Values, Save.
type gorillaAccess struct{ store sessions.Store }

func (a gorillaAccess) session(r *http.Request) *sessions.Session {
	s, err := a.store.Get(r, "session")
	if err != nil {
		panic(err)
	}
	return s
}

func (a gorillaAccess) save(w http.ResponseWriter, r *http.Request, s *sessions.Session) {
	if err := s.Save(r, w); err != nil {
		panic(err)
	}
}

func (a gorillaAccess) getInt(_ http.ResponseWriter, r *http.Request, key string) int {
	n, _ := a.session(r).Values[key].(int)
	return n
}

func (a gorillaAccess) setInt(w http.ResponseWriter, r *http.Request, key string, v int) {
	s := a.session(r)
	s.Values[key] = v
	a.save(w, r, s)
}

func (a gorillaAccess) setThree(w http.ResponseWriter, r *http.Request) {
	s := a.session(r)
	s.Values["user_id"] = 42
	s.Values["theme"] = "dark"
	s.Values["lang"] = "en"
	a.save(w, r, s)
}

func (a gorillaAccess) seed(w http.ResponseWriter, r *http.Request) {
	ids, cart, name, email := payload()
	s := a.session(r)
	s.Values["recently_viewed"] = ids
	s.Values["cart"] = cart
	s.Values["name"] = name
	s.Values["email"] = email
	a.save(w, r, s)
}

func (a gorillaAccess) addItem(w http.ResponseWriter, r *http.Request, n int) {
	s := a.session(r)
	cart, _ := s.Values["cart"].([]cartItem)
	if len(cart) == 0 {
		panic("cart lost")
	}
	s.Values["cart"] = append(cart[:len(cart)-1:len(cart)-1], cartItem{SKU: "SKU-NEW", Name: "Added product", Qty: n, Price: 9.5})
	a.save(w, r, s)
}

func newGorilla(store sessions.Store) (func(http.Handler) http.Handler, access) {
	gob.Register([]cartItem{})
	gob.Register([]int{})
	return nil, gorillaAccess{store}
}

const (
	benchHashKey  = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	benchBlockKey = "0123456789abcdef0123456789abcdef"
)

func gorillaLibs() []lib {
	return []lib{
		{name: "gorilla-cookie", open: func(b *testing.B, dir string) (func(http.Handler) http.Handler, access) {
			return newGorilla(sessions.NewCookieStore([]byte(benchHashKey)))
		}},
		{name: "gorilla-cookie_encrypted", open: func(b *testing.B, dir string) (func(http.Handler) http.Handler, access) {
			return newGorilla(sessions.NewCookieStore([]byte(benchHashKey), []byte(benchBlockKey)))
		}},
		{name: "gorilla-filesystem", open: func(b *testing.B, dir string) (func(http.Handler) http.Handler, access) {
			return newGorilla(sessions.NewFilesystemStore(dir, []byte(benchHashKey)))
		}},
	}
}
