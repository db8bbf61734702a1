package bench

import (
	"net/http"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/memstore"
)

// skAccess uses sessionkit the way its README shows.
type skAccess struct{}

func sk(r *http.Request) *sessionkit.Session {
	s, err := sessionkit.FromRequest(r)
	if err != nil {
		panic(err)
	}
	return s
}

func (skAccess) getInt(_ http.ResponseWriter, r *http.Request, key string) int {
	n, _ := sessionkit.Get[int](sk(r), key)
	return n
}

func (skAccess) setInt(_ http.ResponseWriter, r *http.Request, key string, v int) { sk(r).Set(key, v) }

func (skAccess) setThree(_ http.ResponseWriter, r *http.Request) {
	s := sk(r)
	s.Set("user_id", 42)
	s.Set("theme", "dark")
	s.Set("lang", "en")
}

// The payload is kept as JSON-shaped values, which is how sessionkit
// sessions hold data (and how Django's do).
func (skAccess) seed(_ http.ResponseWriter, r *http.Request) {
	ids, cart, name, email := payload()
	s := sk(r)
	viewed := make([]any, len(ids))
	for i, id := range ids {
		viewed[i] = id
	}
	items := make([]any, len(cart))
	for i, c := range cart {
		items[i] = map[string]any{"sku": c.SKU, "name": c.Name, "qty": c.Qty, "price": c.Price}
	}
	s.Set("recently_viewed", viewed)
	s.Set("cart", items)
	s.Set("name", name)
	s.Set("email", email)
}

func (skAccess) addItem(_ http.ResponseWriter, r *http.Request, n int) {
	s := sk(r)
	cart, _ := s.Get("cart").([]any)
	if len(cart) == 0 {
		panic("cart lost")
	}
	cart = append(cart[:len(cart)-1:len(cart)-1], map[string]any{"sku": "SKU-NEW", "name": "Added product", "qty": n, "price": 9.5})
	s.Set("cart", cart)
}

func sessionkitLibs() []lib {
	return []lib{
		{name: "sessionkit-memory", open: func(b *testing.B, dir string) (func(http.Handler) http.Handler, access) {
			m := sessionkit.New(&memstore.Store{})
			return m.Middleware, skAccess{}
		}},
		// Django mode: the data is Django's session_data, signed and,
		// from CompressMin bytes of JSON, zlib-compressed.
		{name: "sessionkit-memory-django", open: func(b *testing.B, dir string) (func(http.Handler) http.Handler, access) {
			m := sessionkit.New(&memstore.Store{})
			m.Codec = &sessionkit.DjangoCodec{SecretKey: benchHashKey}
			return m.Middleware, skAccess{}
		}},
		// The cost of keeping concurrent writes: the default merges saves
		// through compare-and-swap; these two are last-write-wins (what
		// scs and gorilla do) and the exclusive mode (a lease per request).
		{name: "sessionkit-memory-lww", open: func(b *testing.B, dir string) (func(http.Handler) http.Handler, access) {
			m := sessionkit.New(&memstore.Store{})
			m.LastWriteWins = true
			return m.Middleware, skAccess{}
		}},
		{name: "sessionkit-memory-exclusive", open: func(b *testing.B, dir string) (func(http.Handler) http.Handler, access) {
			m := sessionkit.New(&memstore.Store{})
			return m.ExclusiveMiddleware, skAccess{}
		}},
	}
}
