package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

func rec(data string, expiry time.Time) sessionkit.Record {
	return sessionkit.Record{Data: []byte(data), Expiry: expiry}
}

func TestCreateLoadUpdateDelete(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		s := e.store
		key := sessionkit.NewKey()
		exp := time.Date(2040, 5, 6, 7, 8, 9, 123456789, time.UTC)
		got, err := s.Create(ctx, key, rec(`{"a":1}`, exp))
		if err != nil || got != key {
			t.Fatalf("Create = %q, %v; want %q, nil", got, err, key)
		}
		r, err := s.Load(ctx, key)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		// Django's layout keeps microseconds, the native one seconds, in UTC.
		if string(r.Data) != `{"a":1}` || !r.Expiry.Equal(e.stored(exp)) || r.Expiry.Location() != time.UTC {
			t.Errorf("Load = %q, %v; want {\"a\":1}, %v", r.Data, r.Expiry, e.stored(exp))
		}
		exp2 := exp.Add(time.Hour)
		if got, err := s.Update(ctx, key, rec(`{"a":2}`, exp2)); err != nil || got != key {
			t.Fatalf("Update = %q, %v", got, err)
		}
		if r, _ := s.Load(ctx, key); string(r.Data) != `{"a":2}` || !r.Expiry.Equal(e.stored(exp2)) {
			t.Errorf("after Update, Load = %q, %v", r.Data, r.Expiry)
		}
		// An UPDATE that writes identical values still finds the row (on
		// MySQL without clientFoundRows it reports 0 affected rows).
		if _, err := s.Update(ctx, key, rec(`{"a":2}`, exp2)); err != nil {
			t.Errorf("identical Update: %v", err)
		}
		if err := s.Delete(ctx, key); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, err := s.Load(ctx, key); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("Load after Delete = %v, want ErrNotFound", err)
		}
		if n := e.count(t); n != 0 {
			t.Errorf("%d rows left after Delete", n)
		}
	})
}

func TestNativeKeyIsHashedAtRest(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		key := sessionkit.NewKey()
		if _, err := e.store.Create(t.Context(), key, sessionkit.Record{Data: []byte("d"), Expiry: time.Now().Add(time.Hour), UserID: "u1"}); err != nil {
			t.Fatal(err)
		}
		var stored string
		if err := e.db.QueryRow("SELECT " + e.keyCol() + " FROM " + e.table).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		want := sessionkit.KeyHash(key)
		if e.django {
			want = key // Django reads the raw key
		}
		if stored != want {
			t.Errorf("key column holds %q, want %q", stored, want)
		}
	})
}

func TestCollision(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		key := sessionkit.NewKey()
		if _, err := e.store.Create(ctx, key, rec("first", time.Now().Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		_, err := e.store.Create(ctx, key, rec("second", time.Now().Add(time.Hour)))
		if !errors.Is(err, sessionkit.ErrKeyExists) {
			t.Fatalf("second Create = %v, want ErrKeyExists", err)
		}
		if r, _ := e.store.Load(ctx, key); string(r.Data) != "first" {
			t.Errorf("the failed Create changed the row: %q", r.Data)
		}
		// An expired row still holds its key, as Django's exists() says.
		old := sessionkit.NewKey()
		if _, err := e.store.Create(ctx, old, rec("old", time.Now().Add(-time.Hour))); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.Create(ctx, old, rec("new", time.Now().Add(time.Hour))); !errors.Is(err, sessionkit.ErrKeyExists) {
			t.Errorf("Create over an expired row = %v, want ErrKeyExists", err)
		}
	})
}

func TestUpdateOfDeletedRowIsNotFound(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		key := sessionkit.NewKey()
		if _, err := e.store.Create(ctx, key, rec("x", time.Now().Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		// Another store on the same table logs the user out.
		other := e.newStore(t, sqlstore.Config{})
		if err := other.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.Update(ctx, key, rec("y", time.Now().Add(time.Hour))); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Fatalf("Update of a deleted row = %v, want ErrNotFound", err)
		}
		if n := e.count(t); n != 0 {
			t.Errorf("Update resurrected the session: %d rows", n)
		}
	})
}

func TestExpiredRowsAreInvisible(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		past, future := sessionkit.NewKey(), sessionkit.NewKey()
		for k, exp := range map[string]time.Time{past: time.Now().Add(-time.Second), future: time.Now().Add(time.Minute)} {
			if _, err := e.store.Create(ctx, k, rec("x", exp)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.store.Load(ctx, past); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("Load of an expired row = %v, want ErrNotFound", err)
		}
		if _, err := e.store.Load(ctx, future); err != nil {
			t.Errorf("Load of a live row: %v", err)
		}
		// The expired row is still there until ClearExpired removes it.
		if n := e.count(t); n != 2 {
			t.Errorf("%d rows, want 2", n)
		}
	})
}

func TestFarExpiries(t *testing.T) {
	// Far-past and far-future instants are stored without error and keep
	// their meaning (expired / live), even where the column cannot hold
	// them. A zero expiry is refused: every session must expire.
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		if _, err := e.store.Create(ctx, sessionkit.NewKey(), rec("x", time.Time{})); err == nil {
			t.Error("Create with a zero expiry succeeded, want an error")
		}
		if n := e.count(t); n != 0 {
			t.Fatalf("a refused Create left %d rows", n)
		}
		zero, far := sessionkit.NewKey(), sessionkit.NewKey()
		if _, err := e.store.Create(ctx, zero, rec("x", time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC))); err != nil {
			t.Fatalf("Create with a far-past expiry: %v", err)
		}
		if _, err := e.store.Create(ctx, far, rec("x", time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC))); err != nil {
			t.Fatalf("Create with a far expiry: %v", err)
		}
		if _, err := e.store.Load(ctx, zero); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("far-past expiry: Load = %v, want ErrNotFound", err)
		}
		if r, err := e.store.Load(ctx, far); err != nil || r.Expiry.Year() < 9999 {
			t.Errorf("far expiry: Load = %v, %v", r.Expiry, err)
		}
	})
}

func TestCorruptDataLoadsAsIs(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		key := sessionkit.NewKey()
		stored := key
		if !e.django {
			stored = sessionkit.KeyHash(key)
		}
		garbage := "not a session \x01\x7f:bad:token"
		exp := time.Now().Add(time.Hour).UTC()
		var expArg any = exp
		switch {
		case e.dialect() == sqlstore.SQLite && e.django:
			expArg = exp.Format("2006-01-02 15:04:05.000000")
		case e.dialect() == sqlstore.SQLite:
			expArg = exp.UnixMicro()
		case e.dialect() == sqlstore.MySQL:
			expArg = exp.Format("2006-01-02 15:04:05.000000")
		}
		var dataArg any = []byte(garbage)
		if e.django {
			dataArg = garbage
		}
		ins := e.q("INSERT INTO " + e.table + " (" + e.keyCol() + ", " + e.dataCol() + ", " + e.expiryCol() + ") VALUES (?, ?, ?)")
		if _, err := e.db.Exec(ins, stored, dataArg, expArg); err != nil {
			t.Fatal(err)
		}
		r, err := e.store.Load(t.Context(), key)
		if err != nil {
			t.Fatalf("Load of a corrupt row: %v", err)
		}
		if string(r.Data) != garbage {
			t.Errorf("Data = %q, want the stored bytes %q", r.Data, garbage)
		}
	})
}

func TestInvalidKeysNeverReachTheDatabase(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		for _, k := range []string{"", "short", "../../etc/passwd", "x' OR '1'='1", strings.Repeat("a", 41), "ABCDEFGHIJ"} {
			if _, err := e.store.Load(ctx, k); !errors.Is(err, sessionkit.ErrInvalidKey) {
				t.Errorf("Load(%q) = %v, want ErrInvalidKey", k, err)
			}
			if _, err := e.store.Create(ctx, k, rec("x", time.Now().Add(time.Hour))); !errors.Is(err, sessionkit.ErrInvalidKey) {
				t.Errorf("Create(%q) = %v, want ErrInvalidKey", k, err)
			}
			if _, err := e.store.Update(ctx, k, rec("x", time.Now().Add(time.Hour))); !errors.Is(err, sessionkit.ErrInvalidKey) {
				t.Errorf("Update(%q) = %v, want ErrInvalidKey", k, err)
			}
			if err := e.store.Delete(ctx, k); !errors.Is(err, sessionkit.ErrInvalidKey) {
				t.Errorf("Delete(%q) = %v, want ErrInvalidKey", k, err)
			}
		}
		if n := e.count(t); n != 0 {
			t.Errorf("%d rows were written under invalid keys", n)
		}
	})
}

func TestClearExpiredCountsAndBatches(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		const expired, live = 23, 4
		for i := range expired + live {
			exp := time.Now().Add(-time.Duration(i+1) * time.Minute)
			if i >= expired {
				exp = time.Now().Add(time.Hour)
			}
			if _, err := e.store.Create(ctx, sessionkit.NewKey(), rec("x", exp)); err != nil {
				t.Fatal(err)
			}
		}
		s := e.newStore(t, sqlstore.Config{ClearBatchSize: 5})
		n, err := s.ClearExpired(ctx)
		if err != nil || n != expired {
			t.Fatalf("ClearExpired = %d, %v; want %d, nil", n, err, expired)
		}
		if c := e.count(t); c != live {
			t.Errorf("%d rows left, want the %d live ones", c, live)
		}
		if n, err := s.ClearExpired(ctx); n != 0 || err != nil {
			t.Errorf("second ClearExpired = %d, %v; want 0, nil", n, err)
		}
	})
}

func TestClearExpiredDeletesInBatches(t *testing.T) {
	// A driver wrapper records each DELETE the store runs and how many rows
	// it removed, on a real SQLite database.
	for _, tc := range []struct{ rows, batch, statements int }{
		{0, 10, 1}, {9, 10, 1}, {10, 10, 2}, {25, 10, 3}, {1000, 300, 4},
	} {
		t.Run(fmt.Sprintf("%d_rows_batch_%d", tc.rows, tc.batch), func(t *testing.T) {
			db, log := countingSQLite(t)
			s, err := sqlstore.New(db, sqlstore.Config{Dialect: sqlstore.SQLite, CreateTable: true, ClearBatchSize: tc.batch})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ctx := t.Context()
			for range tc.rows {
				if _, err := s.Create(ctx, sessionkit.NewKey(), rec("x", time.Now().Add(-time.Hour))); err != nil {
					t.Fatal(err)
				}
			}
			live := sessionkit.NewKey()
			if _, err := s.Create(ctx, live, rec("x", time.Now().Add(time.Hour))); err != nil {
				t.Fatal(err)
			}
			log.reset()
			n, err := s.ClearExpired(ctx)
			if err != nil || n != int64(tc.rows) {
				t.Fatalf("ClearExpired = %d, %v; want %d", n, err, tc.rows)
			}
			deletes := log.affected(`DELETE FROM "sessionkit_session" `)
			if prunes := log.affected(`DELETE FROM "sessionkit_session_lock" `); len(prunes) != 1 {
				t.Errorf("ran %d DELETE statements on the lease table, want 1", len(prunes))
			}
			if len(deletes) != tc.statements {
				t.Errorf("ran %d DELETE statements %v, want %d", len(deletes), deletes, tc.statements)
			}
			for _, d := range deletes {
				if d > int64(tc.batch) {
					t.Errorf("one DELETE removed %d rows, more than the batch of %d", d, tc.batch)
				}
			}
			if _, err := s.Load(ctx, live); err != nil {
				t.Errorf("the live session is gone: %v", err)
			}
		})
	}
}

func TestUserSessions(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		if e.django {
			if _, err := e.store.UserSessions(ctx, "u"); !errors.Is(err, errors.ErrUnsupported) {
				t.Errorf("Django mode UserSessions = %v, want ErrUnsupported", err)
			}
			if _, err := e.store.DeleteUserSessions(ctx, "u", ""); !errors.Is(err, errors.ErrUnsupported) {
				t.Errorf("Django mode DeleteUserSessions = %v, want ErrUnsupported", err)
			}
			return
		}
		mk := func(user string, exp time.Time) string {
			k := sessionkit.NewKey()
			if _, err := e.store.Create(ctx, k, sessionkit.Record{Data: []byte("x"), Expiry: exp, UserID: user}); err != nil {
				t.Fatal(err)
			}
			return k
		}
		now := time.Now().UTC().Truncate(time.Second)
		a2, a1 := mk("Ünïcode-42", now.Add(2*time.Hour)), mk("Ünïcode-42", now.Add(time.Hour))
		mk("Ünïcode-42", now.Add(-time.Hour)) // expired: not listed, but deleted
		mk("ünïcode-42", now.Add(time.Hour))  // another user: IDs are case-sensitive
		anon := mk("", now.Add(time.Hour))
		infos, err := e.store.UserSessions(ctx, "Ünïcode-42")
		if err != nil {
			t.Fatal(err)
		}
		want := []sessionkit.SessionInfo{{ID: sessionkit.KeyHash(a1), Expiry: now.Add(time.Hour)}, {ID: sessionkit.KeyHash(a2), Expiry: now.Add(2 * time.Hour)}}
		if len(infos) != 2 || infos[0].ID != want[0].ID || infos[1].ID != want[1].ID || !infos[0].Expiry.Equal(want[0].Expiry) || !infos[1].Expiry.Equal(want[1].Expiry) {
			t.Errorf("UserSessions = %v, want %v", infos, want)
		}
		if r, _ := e.store.Load(ctx, a1); r.UserID != "Ünïcode-42" {
			t.Errorf("Load UserID = %q", r.UserID)
		}
		if r, _ := e.store.Load(ctx, anon); r.UserID != "" {
			t.Errorf("anonymous Load UserID = %q", r.UserID)
		}
		n, err := e.store.DeleteUserSessions(ctx, "Ünïcode-42", a1)
		if err != nil || n != 2 {
			t.Errorf("DeleteUserSessions = %d, %v; want 2 (one live, one expired)", n, err)
		}
		if _, err := e.store.Load(ctx, a1); err != nil {
			t.Errorf("the kept session is gone: %v", err)
		}
		if n := e.count(t); n != 3 {
			t.Errorf("%d rows left, want 3", n)
		}
		if _, err := e.store.Create(ctx, sessionkit.NewKey(), sessionkit.Record{Data: []byte("x"), Expiry: now, UserID: strings.Repeat("é", 256)}); err == nil {
			t.Error("Create with a 256-character user ID succeeded")
		}
	})
}

func TestMigrate(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		// eachBackend migrated already; again changes nothing.
		if err := e.store.Migrate(ctx); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		// Without CreateTable, a missing table is an error that says what to do.
		s := e.newStore(t, sqlstore.Config{Table: uniqueTable(t, e.db)})
		_, err := s.Load(ctx, sessionkit.NewKey())
		if err == nil || errors.Is(err, sessionkit.ErrNotFound) || !strings.Contains(err.Error(), "Migrate") {
			t.Errorf("Load on a missing table = %v, want an error naming Migrate", err)
		}
		// With CreateTable, first use creates it.
		s = e.newStore(t, sqlstore.Config{Table: uniqueTable(t, e.db), CreateTable: true})
		if _, err := s.Load(ctx, sessionkit.NewKey()); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("Load with CreateTable = %v, want ErrNotFound", err)
		}
	})
}

func TestConcurrentMigrate(t *testing.T) {
	// Many processes starting at once with CreateTable must not trip over
	// each other's CREATE TABLE.
	eachBackend(t, func(t *testing.T, e *env) {
		table := uniqueTable(t, e.db)
		var wg sync.WaitGroup
		for range 6 {
			s := e.newStore(t, sqlstore.Config{Table: table, CreateTable: true})
			wg.Go(func() {
				if _, err := s.Create(t.Context(), sessionkit.NewKey(), rec("x", time.Now().Add(time.Hour))); err != nil {
					t.Errorf("Create: %v", err)
				}
			})
		}
		wg.Wait()
	})
}

func TestContextCancelled(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		key := sessionkit.NewKey()
		if _, err := e.store.Create(t.Context(), key, rec("x", time.Now().Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := e.store.Load(ctx, key); !errors.Is(err, context.Canceled) {
			t.Errorf("Load = %v, want context.Canceled", err)
		}
		if _, err := e.store.Create(ctx, sessionkit.NewKey(), rec("x", time.Now())); !errors.Is(err, context.Canceled) {
			t.Errorf("Create = %v, want context.Canceled", err)
		}
		if _, err := e.store.Update(ctx, key, rec("y", time.Now())); !errors.Is(err, context.Canceled) {
			t.Errorf("Update = %v, want context.Canceled", err)
		}
		if err := e.store.Delete(ctx, key); !errors.Is(err, context.Canceled) {
			t.Errorf("Delete = %v, want context.Canceled", err)
		}
		if _, err := e.store.ClearExpired(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("ClearExpired = %v, want context.Canceled", err)
		}
		if r, err := e.store.Load(t.Context(), key); err != nil || string(r.Data) != "x" {
			t.Errorf("after cancelled calls, Load = %q, %v", r.Data, err)
		}
	})
}

func TestContextDeadlineWhileBlocked(t *testing.T) {
	// A row lock held by another transaction blocks the UPDATE; the
	// request's deadline must end the wait.
	for _, b := range backends() {
		if b.name != "Postgres" && b.name != "MariaDB" {
			continue
		}
		t.Run(b.name, func(t *testing.T) {
			db, newStore := b.open(t)
			s := newStore(t, sqlstore.Config{Table: uniqueTable(t, db), CreateTable: true})
			key := sessionkit.NewKey()
			if _, err := s.Create(t.Context(), key, rec("x", time.Now().Add(time.Hour))); err != nil {
				t.Fatal(err)
			}
			tx, err := db.BeginTx(t.Context(), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			// Update every row: the test's table holds only this one.
			if _, err := tx.Exec("UPDATE " + s.Table() + " SET data = data"); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err = s.Update(ctx, key, rec("y", time.Now().Add(time.Hour)))
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("blocked Update = %v, want context.DeadlineExceeded", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("blocked Update returned after %v", d)
			}
		})
	}
}

func TestDatabaseDown(t *testing.T) {
	t.Run("ClosedDB", func(t *testing.T) {
		src, _ := sqlstore.ParseURL("sqlite://:memory:")
		db, err := sql.Open(src.Driver, src.DSN)
		if err != nil {
			t.Fatal(err)
		}
		s, err := sqlstore.New(db, sqlstore.Config{CreateTable: true})
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		checkAllFail(t, s)
	})
	t.Run("ClosedAfterUse", func(t *testing.T) {
		src, _ := sqlstore.ParseURL("sqlite://:memory:")
		db, err := sql.Open(src.Driver, src.DSN)
		if err != nil {
			t.Fatal(err)
		}
		s, err := sqlstore.New(db, sqlstore.Config{CreateTable: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Load(t.Context(), sessionkit.NewKey()); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Fatal(err)
		}
		db.Close() // the prepared statements now point at a closed pool
		checkAllFail(t, s)
	})
	t.Run("PostgresUnreachable", func(t *testing.T) {
		db, err := sql.Open("pgx", "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		s, err := sqlstore.New(db, sqlstore.Config{})
		if err != nil {
			t.Fatal(err)
		}
		checkAllFail(t, s)
		if _, err := sqlstore.Open(t.Context(), "postgres://postgres:secret@127.0.0.1:1/test?sslmode=disable&connect_timeout=2", sqlstore.Config{}); err == nil || strings.Contains(err.Error(), "secret") {
			t.Errorf("Open of an unreachable server = %v; want an error without the password", err)
		}
	})
	t.Run("MySQLUnreachable", func(t *testing.T) {
		db, err := sql.Open("mysql", "root@tcp(127.0.0.1:1)/test?timeout=2s")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		s, err := sqlstore.New(db, sqlstore.Config{Django: true})
		if err != nil {
			t.Fatal(err)
		}
		checkAllFail(t, s)
	})
	t.Run("PostgresConnectionsKilled", func(t *testing.T) {
		u := testenv.PostgresURL(t)
		admin := rawDB(t, u)
		db := rawDB(t, u)
		s, err := sqlstore.New(db, sqlstore.Config{Table: uniqueTable(t, admin), CreateTable: true})
		if err != nil {
			t.Fatal(err)
		}
		key := sessionkit.NewKey()
		if _, err := s.Create(t.Context(), key, rec("x", time.Now().Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		var pid int
		if err := db.QueryRow("SELECT pg_backend_pid()").Scan(&pid); err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1) // so the store's next call meets the killed connection
		if _, err := admin.Exec("SELECT pg_terminate_backend($1)", pid); err != nil {
			t.Fatal(err)
		}
		// database/sql retries a statement once on a fresh connection when
		// the driver reports a bad connection; either way, no panic and
		// no silent loss: the call succeeds or says why it failed.
		for range 3 {
			if _, err := s.Update(t.Context(), key, rec("y", time.Now().Add(time.Hour))); err != nil {
				t.Logf("Update after the backend was killed: %v", err)
			}
		}
		if r, err := s.Load(t.Context(), key); err != nil || string(r.Data) != "y" {
			t.Errorf("Load after reconnecting = %q, %v; want y", r.Data, err)
		}
	})
}

// checkAllFail asserts that every method returns a real error (not "not
// found", not a panic).
func checkAllFail(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	ctx := t.Context()
	key := sessionkit.NewKey()
	if _, err := s.Load(ctx, key); err == nil || errors.Is(err, sessionkit.ErrNotFound) {
		t.Errorf("Load = %v, want a database error", err)
	}
	if _, err := s.Create(ctx, key, rec("x", time.Now().Add(time.Hour))); err == nil || errors.Is(err, sessionkit.ErrKeyExists) {
		t.Errorf("Create = %v, want a database error", err)
	}
	if _, err := s.Update(ctx, key, rec("x", time.Now().Add(time.Hour))); err == nil || errors.Is(err, sessionkit.ErrNotFound) {
		t.Errorf("Update = %v, want a database error", err)
	}
	if err := s.Delete(ctx, key); err == nil {
		t.Error("Delete succeeded on a dead database")
	}
	if _, err := s.ClearExpired(ctx); err == nil {
		t.Error("ClearExpired succeeded on a dead database")
	}
	if err := s.Migrate(ctx); err == nil {
		t.Error("Migrate succeeded on a dead database")
	}
}

func TestClose(t *testing.T) {
	s, err := sqlstore.Open(t.Context(), "sqlite://:memory:", sqlstore.Config{CreateTable: true})
	if err != nil {
		t.Fatal(err)
	}
	key := sessionkit.NewKey()
	if _, err := s.Create(t.Context(), key, rec("x", time.Now().Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.Load(t.Context(), key); !errors.Is(err, sqlstore.ErrClosed) {
		t.Errorf("Load after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Create(t.Context(), sessionkit.NewKey(), rec("x", time.Now())); !errors.Is(err, sqlstore.ErrClosed) {
		t.Errorf("Create after Close = %v, want ErrClosed", err)
	}

	// A store made by New leaves the caller's pool open.
	src, _ := sqlstore.ParseURL("sqlite://:memory:")
	db := openDB(t, src.Driver, src.DSN)
	s, err = sqlstore.New(db, sqlstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := db.Ping(); err != nil {
		t.Errorf("Close closed the caller's *sql.DB: %v", err)
	}
}

func TestJanitor(t *testing.T) {
	u := "sqlite:///" + t.TempDir() + "/janitor.db"
	db := rawDB(t, u)
	s, err := sqlstore.Open(t.Context(), u, sqlstore.Config{CreateTable: true, CleanupInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	live := sessionkit.NewKey()
	if _, err := s.Create(t.Context(), live, rec("x", time.Now().Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := s.Create(t.Context(), sessionkit.NewKey(), rec("x", time.Now().Add(-time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	count := func() int {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + sqlstore.DefaultTable).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	deadline := time.Now().Add(10 * time.Second)
	for count() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the janitor left %d rows, want 1", count())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Stopped: nothing deletes a new expired row any more.
	if _, err := db.Exec("INSERT INTO " + sqlstore.DefaultTable + " (key_hash, data, expiry) VALUES ('h', x'00', 0)"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if n := count(); n != 2 {
		t.Errorf("after Close, %d rows, want 2: the janitor is still running", n)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	src, _ := sqlstore.ParseURL("sqlite://:memory:")
	db := openDB(t, src.Driver, src.DSN)
	for _, cfg := range []sqlstore.Config{
		{Table: "bad name"},
		{Table: "x; DROP TABLE y"},
		{Table: `"quoted"`},
		{Table: "a.b.c"},
		{Table: "1abc"},
		{Dialect: "oracle"},
		{ClearBatchSize: -1},
		{CleanupInterval: -time.Second},
	} {
		if _, err := sqlstore.New(db, cfg); err == nil {
			t.Errorf("New(%+v) succeeded, want an error", cfg)
		}
	}
	if _, err := sqlstore.New(nil, sqlstore.Config{}); err == nil {
		t.Error("New(nil) succeeded")
	}
	for _, name := range []string{"sessions", "app.sessions", "_x1"} {
		if _, err := sqlstore.New(db, sqlstore.Config{Table: name}); err != nil {
			t.Errorf("New with table %q: %v", name, err)
		}
	}
}

func TestDialectDetection(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db, _ := b.open(t)
			s, err := sqlstore.New(db, sqlstore.Config{})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]sqlstore.Dialect{"SQLiteFile": sqlstore.SQLite, "SQLiteMemory": sqlstore.SQLite, "Postgres": sqlstore.Postgres, "MariaDB": sqlstore.MySQL}[b.name]
			if s.Dialect() != want {
				t.Errorf("detected %q, want %q", s.Dialect(), want)
			}
		})
	}
	// A wrapped driver hides its type: New says to name the dialect.
	db, _ := countingSQLite(t)
	_, err := sqlstore.New(db, sqlstore.Config{})
	if err == nil || !strings.Contains(err.Error(), "Config.Dialect") {
		t.Errorf("New on a wrapped driver = %v, want an error naming Config.Dialect", err)
	}
}

func TestMemoryDatabaseIsSharedByThePool(t *testing.T) {
	s, err := sqlstore.Open(t.Context(), "sqlite://:memory:", sqlstore.Config{CreateTable: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	other, err := sqlstore.Open(t.Context(), "sqlite://:memory:", sqlstore.Config{CreateTable: true})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	// Many goroutines hold many connections at once; each must see the
	// sessions the others wrote.
	var wg sync.WaitGroup
	keys := make(chan string, 200)
	for range 8 {
		wg.Go(func() {
			for range 25 {
				k := sessionkit.NewKey()
				if _, err := s.Create(t.Context(), k, rec(k, time.Now().Add(time.Hour))); err != nil {
					t.Errorf("Create: %v", err)
					return
				}
				keys <- k
			}
		})
	}
	wg.Wait()
	close(keys)
	var all []string
	for k := range keys {
		all = append(all, k)
	}
	for i := range 8 {
		wg.Go(func() {
			for _, k := range all[i*25 : i*25+25] {
				if r, err := s.Load(t.Context(), k); err != nil || string(r.Data) != k {
					t.Errorf("Load = %q, %v", r.Data, err)
				}
			}
		})
	}
	wg.Wait()
	// Two :memory: URLs are two databases.
	if _, err := other.Load(t.Context(), all[0]); !errors.Is(err, sessionkit.ErrNotFound) {
		t.Errorf("a second :memory: store sees the first one's session: %v", err)
	}
}
