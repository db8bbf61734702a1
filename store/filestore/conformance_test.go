package filestore_test

import (
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/filestore"
	"github.com/sessionkit/sessionkit/storetest"
)

// djangoSecret is the SECRET_KEY of Django's test vectors.
const djangoSecret = "django-insecure-interop-test-key-0123456789abcdef"

func TestConformance(t *testing.T) {
	for _, django := range []bool{false, true} {
		clock := storetest.NewClock()
		name, opts := "Native", storetest.Options{Clock: clock}
		if django {
			name, opts = "Django", storetest.Options{Clock: clock, Codec: &sessionkit.DjangoCodec{SecretKey: djangoSecret}}
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel() // the suite waits for sessions to expire
			storetest.Run(t, func(t *testing.T) sessionkit.Store {
				s, err := filestore.New(filestore.Config{Dir: t.TempDir(), Django: django, Now: clock.Now})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			}, opts)
		})
	}
}
