package sqlstore_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/sqlstore"
	"github.com/sessionkit/sessionkit/storetest"
)

func TestSwap(t *testing.T) {
	eachBackend(t, checkSwap)
}

// TestSwapClientFoundRows: on a MySQL connection that counts matched rows
// rather than changed ones (clientFoundRows, as Open sets it), Swap reads
// rows affected as well.
func TestSwapClientFoundRows(t *testing.T) {
	dsn := testenv.MySQLDSN(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	db := openDB(t, "mysql", dsn+sep+"clientFoundRows=true")
	for _, django := range []bool{false, true} {
		t.Run(fmt.Sprintf("django=%t", django), func(t *testing.T) {
			e := &env{db: db, django: django, backend: "MariaDB", table: uniqueTable(t, db)}
			e.newStore = func(t *testing.T, cfg sqlstore.Config) *sqlstore.Store {
				cfg.Table, cfg.Django = e.table, django
				return newOn(db)(t, cfg)
			}
			e.store = e.newStore(t, sqlstore.Config{CreateTable: true})
			checkSwap(t, e)
		})
	}
}

// checkSwap runs the Swap checks on e.
func checkSwap(t *testing.T, e *env) {
	ctx := t.Context()
	s := e.store
	key := sessionkit.NewKey()
	exp := time.Now().Add(time.Hour)
	if _, err := s.Create(ctx, key, rec("Abc:1", exp)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Swap(ctx, key, []byte("Abc:1"), rec("Abc:2", exp)); err != nil || got != key {
		t.Fatalf("Swap from the stored data = %q, %v; want %q, nil", got, err, key)
	}
	if r, _ := s.Load(ctx, key); string(r.Data) != "Abc:2" {
		t.Fatalf("after Swap, Load = %q; want Abc:2", r.Data)
	}
	// Stale data, and data that a case-insensitive or space-padding
	// collation would call equal, are conflicts; the row stays.
	for _, old := range []string{"Abc:1", "ABC:2", "abc:2", "Abc:2 ", ""} {
		_, err := s.Swap(ctx, key, []byte(old), rec("lost", exp))
		ce, ok := errors.AsType[*sessionkit.ConflictError](err)
		if !ok {
			t.Errorf("Swap from %q while %q is stored = %v; want a *sessionkit.ConflictError", old, "Abc:2", err)
			continue
		}
		if string(ce.Current.Data) != "Abc:2" || !ce.Current.Expiry.Equal(e.stored(exp)) {
			t.Errorf("the conflict carries %q expiring %v; want the stored row, %q expiring %v", ce.Current.Data, ce.Current.Expiry, "Abc:2", exp)
		}
	}
	if r, _ := s.Load(ctx, key); string(r.Data) != "Abc:2" {
		t.Fatalf("a conflicting Swap changed the row to %q", r.Data)
	}
	// Writing what is stored, expiry included, succeeds (MySQL reports
	// no changed row for it without clientFoundRows).
	if _, err := s.Swap(ctx, key, []byte("Abc:2"), rec("Abc:2", exp)); err != nil {
		t.Errorf("Swap to the same record = %v; want nil", err)
	}
	// A new expiry alone is written.
	exp2 := exp.Add(time.Hour)
	if _, err := s.Swap(ctx, key, []byte("Abc:2"), rec("Abc:2", exp2)); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Load(ctx, key); !r.Expiry.Equal(e.stored(exp2)) {
		t.Errorf("Swap of the expiry: Load gives %v, want %v", r.Expiry, exp2)
	}
	// A deleted row is not found and not brought back.
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Swap(ctx, key, []byte("Abc:2"), rec("back", exp)); !errors.Is(err, sessionkit.ErrNotFound) {
		t.Errorf("Swap of a deleted row = %v; want ErrNotFound", err)
	}
	if n := e.count(t); n != 0 {
		t.Errorf("Swap of a deleted row left %d rows", n)
	}
	if _, err := s.Swap(ctx, "Bad-Key", nil, rec("x", exp)); !errors.Is(err, sessionkit.ErrInvalidKey) {
		t.Errorf("Swap of an invalid key = %v; want ErrInvalidKey", err)
	}
}

func TestSwapEmptyData(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		key := sessionkit.NewKey()
		exp := time.Now().Add(time.Hour)
		if _, err := e.store.Create(ctx, key, sessionkit.Record{Expiry: exp}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.Swap(ctx, key, nil, rec("x", exp)); err != nil {
			t.Errorf("Swap from empty data = %v", err)
		}
	})
}

func TestLock(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		clock := storetest.NewClock()
		s := e.newStore(t, sqlstore.Config{Now: clock.Now})
		key := sessionkit.NewKey()
		if ok, err := s.TryLock(ctx, key, "a", time.Minute); !ok || err != nil {
			t.Fatalf("TryLock of a free session = %v, %v", ok, err)
		}
		if ok, err := s.TryLock(ctx, key, "b", time.Minute); ok || err != nil {
			t.Fatalf("TryLock of a held session = %v, %v; want false, nil", ok, err)
		}
		// The lease is a row of the lease table keyed by the key's hash:
		// never a session, never the key itself.
		var lockKey, token string
		if err := e.db.QueryRow(e.q("SELECT lock_key, token FROM "+e.table+"_lock")).Scan(&lockKey, &token); err != nil {
			t.Fatal(err)
		}
		if lockKey != sessionkit.KeyHash(key) || token != "a" || strings.Contains(lockKey, key) {
			t.Errorf("lease row (%q, %q); want (KeyHash(key), a)", lockKey, token)
		}
		if _, err := s.Load(ctx, key); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("Load of a locked key that has no session = %v; want ErrNotFound", err)
		}
		if n := e.count(t); n != 0 {
			t.Errorf("TryLock wrote %d rows into the session table", n)
		}
		// A held lease lives until it ends, by the store's clock.
		clock.Advance(59 * time.Second)
		if ok, _ := s.TryLock(ctx, key, "b", time.Minute); ok {
			t.Error("a lease was taken over before it ended")
		}
		clock.Advance(time.Second)
		if ok, err := s.TryLock(ctx, key, "b", time.Minute); !ok || err != nil {
			t.Fatalf("TryLock once the lease ended = %v, %v", ok, err)
		}
		// The former holder's Unlock leaves b's lease alone.
		if err := s.Unlock(ctx, key, "a"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.TryLock(ctx, key, "c", time.Minute); ok {
			t.Error("Unlock by a former holder released the new lease")
		}
		if err := s.Unlock(ctx, key, "b"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.TryLock(ctx, key, "c", time.Minute); !ok {
			t.Error("TryLock after the holder's Unlock failed")
		}
		// ClearExpired prunes the leases that ended, and only those.
		other := sessionkit.NewKey()
		if ok, _ := s.TryLock(ctx, other, "d", 2*time.Minute); !ok {
			t.Fatal("TryLock of another session failed")
		}
		clock.Advance(90 * time.Second)
		if _, err := s.ClearExpired(ctx); err != nil {
			t.Fatal(err)
		}
		var left []string
		rows, err := e.db.Query("SELECT token FROM " + e.table + "_lock")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var tok string
			rows.Scan(&tok)
			left = append(left, tok)
		}
		rows.Close()
		if len(left) != 1 || left[0] != "d" {
			t.Errorf("after ClearExpired the leases of %v remain; want only d's", left)
		}
		for _, bad := range []struct {
			key, token string
			ttl        time.Duration
			want       error
		}{
			{"Bad-Key", "t", time.Minute, sessionkit.ErrInvalidKey},
			{key, "", time.Minute, nil},
			{key, strings.Repeat("t", 256), time.Minute, nil},
			{key, "t", 0, nil},
		} {
			ok, err := s.TryLock(ctx, bad.key, bad.token, bad.ttl)
			if ok || err == nil || bad.want != nil && !errors.Is(err, bad.want) || !strings.HasPrefix(err.Error(), "sqlstore: ") {
				t.Errorf("TryLock(%q, %d-byte token, %v) = %v, %v; want an error", bad.key, len(bad.token), bad.ttl, ok, err)
			}
		}
		if err := s.Unlock(ctx, "Bad-Key", "t"); !errors.Is(err, sessionkit.ErrInvalidKey) {
			t.Errorf("Unlock of an invalid key = %v; want ErrInvalidKey", err)
		}
	})
}

// TestNoLockTable: a database migrated before sessions could be locked
// still passes Check and serves sessions; TryLock says to migrate, and
// works once Migrate has added the lease table.
func TestNoLockTable(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		if _, err := e.db.Exec("DROP TABLE " + e.table + "_lock"); err != nil {
			t.Fatal(err)
		}
		s := e.newStore(t, sqlstore.Config{})
		if err := s.Check(ctx); err != nil {
			t.Errorf("Check without the lease table = %v; want nil", err)
		}
		key := sessionkit.NewKey()
		if _, err := s.Create(ctx, key, rec("x", time.Now().Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Swap(ctx, key, []byte("x"), rec("y", time.Now().Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ClearExpired(ctx); err != nil {
			t.Errorf("ClearExpired without the lease table = %v; want nil", err)
		}
		ok, err := s.TryLock(ctx, key, "t", time.Minute)
		if ok || !errors.Is(err, sqlstore.ErrNoLockTable) || !strings.Contains(err.Error(), "sessionkit migrate") {
			t.Fatalf("TryLock without the lease table = %v, %v; want ErrNoLockTable saying to run sessionkit migrate", ok, err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.TryLock(ctx, key, "t", time.Minute); !ok || err != nil {
			t.Errorf("TryLock after Migrate = %v, %v", ok, err)
		}
	})
}

// TestLockTableMismatch: a table in the lease table's place that is not
// laid out for leases fails Check and Migrate.
func TestLockTableMismatch(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		lt := e.table + "_lock"
		if _, err := e.db.Exec("DROP TABLE " + lt); err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.Exec("CREATE TABLE " + lt + " (lock_key varchar(64) PRIMARY KEY, note varchar(10))"); err != nil {
			t.Fatal(err)
		}
		s := e.newStore(t, sqlstore.Config{})
		for name, f := range map[string]func() error{"Check": func() error { return s.Check(ctx) }, "Migrate": func() error { return s.Migrate(ctx) }} {
			if err := f(); !errors.Is(err, sqlstore.ErrTableMismatch) || !strings.Contains(err.Error(), "token") {
				t.Errorf("%s with a foreign lease table = %v; want ErrTableMismatch naming the missing column", name, err)
			}
		}
	})
}
