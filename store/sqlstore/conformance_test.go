package sqlstore_test

import (
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/sqlstore"
	"github.com/sessionkit/sessionkit/storetest"
)

// TestConformance runs the storetest suite on every database, in both
// layouts, each subtest on a fresh table. In Django mode the table has no
// user column, so without Config.UserIndex the store answers
// errors.ErrUnsupported to the per-user methods, and the suite skips their
// test; with it ("Django+Index") they run on the index table.
func TestConformance(t *testing.T) {
	for _, b := range backends() {
		for _, mode := range []string{"Native", "Django", "Django+Index"} {
			django, index := mode != "Native", mode == "Django+Index"
			name, opts := b.name+"/"+mode, storetest.Options{}
			if django {
				opts.Codec = &sessionkit.DjangoCodec{SecretKey: djangoSecret}
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel() // the databases side by side
				db, newStore := b.open(t)
				clock := storetest.NewClock()
				opts.Clock = clock
				storetest.Run(t, func(t *testing.T) sessionkit.Store {
					return newStore(t, sqlstore.Config{Django: django, UserIndex: index, Table: uniqueTable(t, db), CreateTable: true, Now: clock.Now})
				}, opts)
			})
		}
	}
}
