package bench

import (
	"net/http"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/filestore"
)

func fileLibs() []lib {
	return []lib{
		{name: "sessionkit-file", open: func(b *testing.B, dir string) (func(http.Handler) http.Handler, access) {
			st, err := filestore.New(filestore.Config{Dir: dir})
			if err != nil {
				b.Fatal(err)
			}
			return sessionkit.New(st).Middleware, skAccess{}
		}},
	}
}
