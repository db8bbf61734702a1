package bench

import (
	"encoding/gob"
	"net/http"
	"testing"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
)

// scsAccess uses scs the way its README shows.
type scsAccess struct{ sm *scs.SessionManager }

func (a scsAccess) getInt(_ http.ResponseWriter, r *http.Request, key string) int {
	return a.sm.GetInt(r.Context(), key)
}

func (a scsAccess) setInt(_ http.ResponseWriter, r *http.Request, key string, v int) {
	a.sm.Put(r.Context(), key, v)
}

func (a scsAccess) setThree(_ http.ResponseWriter, r *http.Request) {
	a.sm.Put(r.Context(), "user_id", 42)
	a.sm.Put(r.Context(), "theme", "dark")
	a.sm.Put(r.Context(), "lang", "en")
}

func (a scsAccess) seed(_ http.ResponseWriter, r *http.Request) {
	ids, cart, name, email := payload()
	a.sm.Put(r.Context(), "recently_viewed", ids)
	a.sm.Put(r.Context(), "cart", cart)
	a.sm.Put(r.Context(), "name", name)
	a.sm.Put(r.Context(), "email", email)
}

func (a scsAccess) addItem(_ http.ResponseWriter, r *http.Request, n int) {
	cart, _ := a.sm.Get(r.Context(), "cart").([]cartItem)
	if len(cart) == 0 {
		panic("cart lost")
	}
	cart = append(cart[:len(cart)-1:len(cart)-1], cartItem{SKU: "SKU-NEW", Name: "Added product", Qty: n, Price: 9.5})
	a.sm.Put(r.Context(), "cart", cart)
}

func newSCS(store scs.Store) (func(http.Handler) http.Handler, access) {
	gob.Register([]cartItem{})
	sm := scs.New()
	sm.Store = store
	return sm.LoadAndSave, scsAccess{sm}
}

func scsLibs() []lib {
	return []lib{
		{name: "scs-memstore", open: func(b *testing.B, dir string) (func(http.Handler) http.Handler, access) {
			return newSCS(memstore.New())
		}},
	}
}
