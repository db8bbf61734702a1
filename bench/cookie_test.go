package bench

import (
	"net/http"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/cookiestore"
)

// The signed-cookie engine at the two protection levels gorilla's
// CookieStore offers: signed (gorilla: hash key only) and encrypted
// (gorilla: hash + block key).
func cookieLibs() []lib {
	open := func(django bool) func(b *testing.B, dir string) (func(http.Handler) http.Handler, access) {
		return func(b *testing.B, dir string) (func(http.Handler) http.Handler, access) {
			st, err := cookiestore.New(cookiestore.Config{SecretKey: benchHashKey, Django: django})
			if err != nil {
				b.Fatal(err)
			}
			return sessionkit.New(st).Middleware, skAccess{}
		}
	}
	return []lib{
		{name: "sessionkit-cookie", open: open(true)},
		{name: "sessionkit-cookie_encrypted", open: open(false)},
	}
}
