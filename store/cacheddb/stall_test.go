package cacheddb_test

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache/memorycache"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/cacheddb"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

// TestStalledDatabaseWrites: with the network to PostgreSQL cut, every
// write of cached_db (Create, Update, Delete) fails within the database
// store's deadline instead of hanging, and the store works again once the
// network heals.
func TestStalledDatabaseWrites(t *testing.T) {
	const timeout = time.Second
	u, err := url.Parse(testenv.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, u.Host)
	u.Host = p.Addr()
	table := "cacheddb_test_" + randomHex(6)
	db, err := sqlstore.Open(t.Context(), u.String(), sqlstore.Config{Table: table, CreateTable: true, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	pgURL := testenv.PostgresURL(t)
	t.Cleanup(func() {
		db.Close()
		if raw, err := sql.Open("pgx", pgURL); err == nil {
			raw.Exec(`DROP TABLE IF EXISTS "` + table + `"`)
			raw.Close()
		}
	})
	s := cacheddb.New(db, memorycache.New(memorycache.Config{}), cacheddb.Config{Prefix: uniquePrefix(), FenceInterval: -1})
	defer s.Close()
	ctx := context.Background()
	key := sessionkit.NewKey()
	if _, err := s.Create(ctx, key, rec("a")); err != nil {
		t.Fatal(err)
	}

	p.Stall()
	const callers = 12
	var wg sync.WaitGroup
	errs := make([]error, callers)
	took := make([]time.Duration, callers)
	for i := range callers {
		wg.Go(func() {
			start := time.Now()
			switch i % 3 {
			case 0:
				_, errs[i] = s.Create(ctx, sessionkit.NewKey(), rec("b"))
			case 1:
				_, errs[i] = s.Update(ctx, key, rec("c"))
			default:
				errs[i] = s.Delete(ctx, sessionkit.NewKey())
			}
			took[i] = time.Since(start)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, sqlstore.ErrTimeout) {
			t.Errorf("write %d with a stalled database: %v; want an error wrapping sqlstore.ErrTimeout", i, err)
		}
		// A bound on a hang, not a speed measurement: deadline + 10 % + slack.
		if limit := timeout + timeout/10 + 250*time.Millisecond; took[i] > limit {
			t.Errorf("write %d took %v with a stalled database; want at most %v", i, took[i], limit)
		}
	}

	if err := p.Restore(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, key, rec("d")); err != nil {
		t.Fatalf("Update after the stall: %v", err)
	}
	if got, err := s.Load(ctx, key); err != nil || string(got.Data) != "d" {
		t.Fatalf("Load after the stall: %q, %v; want the update", got.Data, err)
	}
}
