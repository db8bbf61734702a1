package sqlstore_test

import (
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/sqlstore"
	"github.com/sessionkit/sessionkit/storetest"
)

// djangoStore hides UserSessionLister: Django's table has no user column,
// so in Django mode the store's UserSessions returns errors.ErrUnsupported.
type djangoStore struct {
	sessionkit.Store
	sessionkit.ExpiredClearer
}

// TestConformance runs the storetest suite on every database, in both
// layouts, each subtest on a fresh table.
func TestConformance(t *testing.T) {
	for _, b := range backends() {
		for _, django := range []bool{false, true} {
			name, opts := b.name+"/Native", storetest.Options{}
			if django {
				name, opts = b.name+"/Django", storetest.Options{Codec: &sessionkit.DjangoCodec{SecretKey: djangoSecret}}
			}
			t.Run(name, func(t *testing.T) {
				// The suite waits for sessions to expire; run the
				// databases side by side.
				t.Parallel()
				db, newStore := b.open(t)
				storetest.Run(t, func(t *testing.T) sessionkit.Store {
					s := newStore(t, sqlstore.Config{Django: django, Table: uniqueTable(t, db), CreateTable: true})
					if django {
						return djangoStore{s, s}
					}
					return s
				}, opts)
			})
		}
	}
}
