package filestore_test

import (
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/filestore"
	"github.com/sessionkit/sessionkit/storetest"
)

// djangoSecret is the SECRET_KEY of Django's test vectors.
const djangoSecret = "django-insecure-interop-test-key-0123456789abcdef"

// djangoStore hides UserSessionLister: Django's session files record no
// user, so in Django mode UserSessions returns errors.ErrUnsupported.
type djangoStore struct {
	sessionkit.Store
	sessionkit.ExpiredClearer
}

func TestConformance(t *testing.T) {
	for _, django := range []bool{false, true} {
		name, opts := "Native", storetest.Options{}
		if django {
			name, opts = "Django", storetest.Options{Codec: &sessionkit.DjangoCodec{SecretKey: djangoSecret}}
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel() // the suite waits for sessions to expire
			storetest.Run(t, func(t *testing.T) sessionkit.Store {
				s, err := filestore.New(filestore.Config{Dir: t.TempDir(), Django: django})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				if django {
					return djangoStore{s, s}
				}
				return s
			}, opts)
		})
	}
}
