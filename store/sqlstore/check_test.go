package sqlstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

// TestCheckAcceptsMigratedTables: the tables Migrate creates pass Check, in
// both layouts on every database.
func TestCheckAcceptsMigratedTables(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		if err := e.store.Check(t.Context()); err != nil {
			t.Errorf("Check on a migrated table: %v", err)
		}
	})
}

// TestCheckMissingTable: no table is ErrNoTable, with the command to run.
func TestCheckMissingTable(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		s := e.newStore(t, sqlstore.Config{Table: e.table + "_missing"})
		err := s.Check(t.Context())
		if !errors.Is(err, sqlstore.ErrNoTable) || !strings.Contains(err.Error(), "sessionkit migrate") {
			t.Errorf("Check without a table: %v; want ErrNoTable saying to run sessionkit migrate", err)
		}
	})
}

// TestMigrateRefusesIncompatibleTable: a table of the same name with other
// columns makes Migrate and Check fail on every database (SQLite too, where
// CREATE TABLE IF NOT EXISTS alone succeeds), with what is wrong and what
// to do, and it is left as it was.
func TestMigrateRefusesIncompatibleTable(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		other := e.table + "_x"
		t.Cleanup(func() { e.db.Exec("DROP TABLE IF EXISTS " + other) })
		// An application's own table that happens to have the name.
		if _, err := e.db.Exec("CREATE TABLE " + other + " (id integer NOT NULL PRIMARY KEY, title varchar(100) NOT NULL, body text NULL)"); err != nil {
			t.Fatal(err)
		}
		s := e.newStore(t, sqlstore.Config{Table: other})
		for name, f := range map[string]func(context.Context) error{"Migrate": s.Migrate, "Check": s.Check} {
			err := f(ctx)
			if !errors.Is(err, sqlstore.ErrTableMismatch) {
				t.Fatalf("%s on an incompatible table: %v; want ErrTableMismatch", name, err)
			}
			for _, want := range []string{"has no column", e.keyCol(), "NOT NULL with no default (", "title", "sessionkit migrate", "--table"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%s: %q does not say %q", name, err, want)
				}
			}
		}
		var n int
		if err := e.db.QueryRow("SELECT count(*) FROM " + other).Scan(&n); err != nil {
			t.Errorf("the table is not usable any more: %v", err)
		}
	})
}

// TestCheckTheOtherLayout: Django's table opened in the native layout (and
// the other way round) is refused with the switch that fits it.
func TestCheckTheOtherLayout(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		// The env's table has e.django's layout; open it with the other one.
		s2, err := sqlstore.New(e.db, sqlstore.Config{Table: e.table, Django: !e.django, Dialect: e.dialect()})
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		err = s2.Check(t.Context())
		want := "run without --django" // a native table opened in Django mode
		if e.django {
			want = "run with --django"
		}
		if !errors.Is(err, sqlstore.ErrTableMismatch) || !strings.Contains(err.Error(), want) {
			t.Errorf("Check with the other layout: %v; want ErrTableMismatch saying %q", err, want)
		}
	})
}

// TestTimeoutEndsABlockedUpdate: the store's own deadline ends an UPDATE
// that waits for a row lock, though the caller's context has none.
func TestTimeoutEndsABlockedUpdate(t *testing.T) {
	for _, b := range backends() {
		if b.name != "Postgres" && b.name != "MariaDB" {
			continue
		}
		t.Run(b.name, func(t *testing.T) {
			db, newStore := b.open(t)
			const timeout = 300 * time.Millisecond
			s := newStore(t, sqlstore.Config{Table: uniqueTable(t, db), CreateTable: true, Timeout: timeout})
			key := sessionkit.NewKey()
			if _, err := s.Create(t.Context(), key, rec("x", time.Now().Add(time.Hour))); err != nil {
				t.Fatal(err)
			}
			tx, err := db.BeginTx(t.Context(), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if _, err := tx.Exec("UPDATE " + s.Table() + " SET data = data"); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = s.Update(context.Background(), key, rec("y", time.Now().Add(time.Hour)))
			withinDeadline(t, "a blocked Update", time.Since(start), timeout)
			if !errors.Is(err, sqlstore.ErrTimeout) || !strings.Contains(err.Error(), "did not answer within 300ms") {
				t.Errorf("blocked Update = %v; want ErrTimeout saying the database did not answer within 300ms", err)
			}
		})
	}
}

// TestClearExpiredWithoutTableIsNoTimeout: a failure that is not the
// deadline (here, no table) is reported as itself, not as a timeout.
func TestClearExpiredWithoutTableIsNoTimeout(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		s := e.newStore(t, sqlstore.Config{Table: e.table + "_missing"})
		_, err := s.ClearExpired(t.Context())
		if err == nil || errors.Is(err, sqlstore.ErrTimeout) || !strings.Contains(err.Error(), "sessionkit migrate") {
			t.Errorf("ClearExpired without a table: %v; want the missing table reported, not a timeout", err)
		}
	})
}
