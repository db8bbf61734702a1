package sqlstore_test

import (
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/sqlstore"
	"github.com/sessionkit/sessionkit/storetest"
)

// TestConformance runs the storetest suite on every database, in both
// layouts, each subtest on a fresh table. In Django mode the table has no
// user column, so the store answers errors.ErrUnsupported to the per-user
// methods, and the suite skips their test.
func TestConformance(t *testing.T) {
	for _, b := range backends() {
		for _, django := range []bool{false, true} {
			name, opts := b.name+"/Native", storetest.Options{}
			if django {
				name, opts = b.name+"/Django", storetest.Options{Codec: &sessionkit.DjangoCodec{SecretKey: djangoSecret}}
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel() // the databases side by side
				db, newStore := b.open(t)
				clock := storetest.NewClock()
				opts.Clock = clock
				storetest.Run(t, func(t *testing.T) sessionkit.Store {
					return newStore(t, sqlstore.Config{Django: django, Table: uniqueTable(t, db), CreateTable: true, Now: clock.Now})
				}, opts)
			})
		}
	}
}
