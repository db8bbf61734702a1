package sqlstore_test

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/faultproxy"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

// faultTimeout is the store deadline of the fault tests, and faultSlack
// what an operation may take beyond deadline × 1.1 on a loaded machine.
// Together they bound a hang; they do not measure speed.
const (
	faultTimeout = time.Second
	faultSlack   = 250 * time.Millisecond
)

// withinDeadline fails the test if an operation that the store's deadline
// should have ended took longer than the deadline allows.
func withinDeadline(t *testing.T, what string, elapsed, timeout time.Duration) {
	t.Helper()
	if limit := timeout + timeout/10 + faultSlack; elapsed > limit {
		t.Errorf("%s took %v with a stalled database; want at most %v (deadline %v + 10%% + %v)", what, elapsed, limit, timeout, faultSlack)
	}
}

// proxiedPostgres starts a fault proxy in front of the test PostgreSQL and
// returns it with the database URL that goes through it.
func proxiedPostgres(t *testing.T, query string) (*faultproxy.Proxy, string) {
	t.Helper()
	u, err := url.Parse(testenv.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	p, err := faultproxy.Start(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	u.Host = p.Addr()
	q := u.Query()
	extra, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range extra {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	return p, u.String()
}

// TestStalledPostgres: with the network to PostgreSQL cut, 30 concurrent
// Loads and Updates each fail with ErrTimeout within the deadline, while
// at most max_conns connections reach the server; once the network heals,
// the same store works again.
func TestStalledPostgres(t *testing.T) {
	const maxConns, callers = 10, 30
	p, dbURL := proxiedPostgres(t, "")
	raw := rawDB(t, testenv.PostgresURL(t))
	table := uniqueTable(t, raw)
	s, err := sqlstore.Open(t.Context(), dbURL, sqlstore.Config{Table: table, CreateTable: true, Timeout: faultTimeout})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.DB().Stats().MaxOpenConnections; got != maxConns {
		t.Fatalf("Open's pool allows %d connections; want the default cap %d", got, maxConns)
	}
	ctx := context.Background()
	key := "faultsessionkey0123456789abcdef"
	rec := sessionkit.Record{Data: []byte(`{"a":1}`), Expiry: time.Now().Add(time.Hour)}
	if _, err := s.Create(ctx, key, rec); err != nil {
		t.Fatal(err)
	}
	before := p.Accepted()

	p.Stall()
	var wg sync.WaitGroup
	errs := make([]error, callers)
	took := make([]time.Duration, callers)
	for i := range callers {
		wg.Go(func() {
			start := time.Now()
			if i%2 == 0 {
				_, errs[i] = s.Load(ctx, key)
			} else {
				_, errs[i] = s.Update(ctx, key, rec)
			}
			took[i] = time.Since(start)
		})
	}
	// Once every caller holds or waits for a connection, count what the
	// server was asked for: without a cap, one connection per caller.
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	saw := false
	for !saw {
		st := s.DB().Stats()
		if st.OpenConnections == maxConns && st.WaitCount >= callers-maxConns {
			saw = true
			if n := p.Accepted() - before; n > maxConns {
				t.Errorf("%d callers opened %d connections through the proxy; want at most the cap, %d", callers, n, maxConns)
			}
			if st.OpenConnections > maxConns {
				t.Errorf("the pool has %d connections open; want at most %d", st.OpenConnections, maxConns)
			}
			break
		}
		select {
		case <-done:
			t.Fatalf("the callers ended before all of them held or waited for a connection (stats %+v)", st)
		case <-time.After(time.Millisecond):
		}
	}
	<-done
	for i, err := range errs {
		if !errors.Is(err, sqlstore.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("caller %d: error %v; want one wrapping sqlstore.ErrTimeout and context.DeadlineExceeded", i, err)
		}
		withinDeadline(t, "a Load or Update", took[i], faultTimeout)
	}
	t.Logf("error: %v", errs[0])

	if err := p.Restore(); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(ctx, key)
	if err != nil || string(got.Data) != string(rec.Data) {
		t.Fatalf("Load after the stall: %q, %v; want the session back", got.Data, err)
	}
	if _, err := s.Update(ctx, key, rec); err != nil {
		t.Fatalf("Update after the stall: %v", err)
	}
}

// TestStalledPostgresAtOpen: a database that does not answer makes Open
// (and so the commands and serve) fail within the deadline too.
func TestStalledPostgresAtOpen(t *testing.T) {
	p, dbURL := proxiedPostgres(t, "")
	p.Stall()
	start := time.Now()
	s, err := sqlstore.Open(t.Context(), dbURL, sqlstore.Config{Timeout: faultTimeout})
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded with a stalled database")
	}
	withinDeadline(t, "Open", time.Since(start), faultTimeout)
	if !errors.Is(err, sqlstore.ErrTimeout) {
		t.Errorf("Open: %v; want an error wrapping ErrTimeout", err)
	}
}

// TestStalledPostgresClearExpired: ClearExpired with a stalled database
// returns an error within the deadline.
func TestStalledPostgresClearExpired(t *testing.T) {
	p, dbURL := proxiedPostgres(t, "")
	raw := rawDB(t, testenv.PostgresURL(t))
	table := uniqueTable(t, raw)
	s, err := sqlstore.Open(t.Context(), dbURL, sqlstore.Config{Table: table, CreateTable: true, Timeout: faultTimeout})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.ClearExpired(t.Context()); err != nil {
		t.Fatal(err)
	}
	p.Stall()
	start := time.Now()
	_, err = s.ClearExpired(t.Context())
	withinDeadline(t, "ClearExpired", time.Since(start), faultTimeout)
	if !errors.Is(err, sqlstore.ErrTimeout) {
		t.Errorf("ClearExpired: %v; want an error wrapping ErrTimeout", err)
	}
}

// TestPoolKeepsIdleConnections: a store from Open caps its pool at
// max_conns (default 10) and keeps every connection when idle, so that
// concurrent requests never close and reopen connections (database/sql's
// default keeps 2); ConfigurePool does the same for a *sql.DB of one's own.
func TestPoolKeepsIdleConnections(t *testing.T) {
	pgURL := testenv.PostgresURL(t)
	raw := rawDB(t, pgURL)
	table := uniqueTable(t, raw)
	for _, tc := range []struct {
		query string
		cap   int
	}{{"", sqlstore.DefaultMaxConns}, {"max_conns=6", 6}} {
		_, dbURL := proxiedPostgres(t, tc.query)
		s, err := sqlstore.Open(t.Context(), dbURL, sqlstore.Config{Table: table, CreateTable: true})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if got := s.DB().Stats().MaxOpenConnections; got != tc.cap {
			t.Errorf("%q: the pool allows %d connections; want %d", tc.query, got, tc.cap)
		}
		ctx := t.Context()
		key := sessionkit.NewKey()
		if _, err := s.Create(ctx, key, sessionkit.Record{Data: []byte("x"), Expiry: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				for range 20 {
					if _, err := s.Load(ctx, key); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if st := s.DB().Stats(); st.MaxIdleClosed != 0 || st.MaxIdleTimeClosed != 0 || st.OpenConnections > tc.cap {
			t.Errorf("%q: after concurrent loads %d connections were closed for lack of idle room (%d for idle time), %d open; want none closed and at most %d open",
				tc.query, st.MaxIdleClosed, st.MaxIdleTimeClosed, st.OpenConnections, tc.cap)
		}
	}

	db := rawDB(t, pgURL)
	sqlstore.ConfigurePool(db, 0)
	if st := db.Stats(); st.MaxOpenConnections != sqlstore.DefaultMaxConns {
		t.Errorf("ConfigurePool(db, 0): %d connections allowed; want %d", st.MaxOpenConnections, sqlstore.DefaultMaxConns)
	}
}

// TestStalledPostgresFirstUse: when the database stalls before the store
// has prepared its statements, concurrent first calls (which take turns to
// prepare) each fail within their own deadline, and the store prepares
// them once the network heals.
func TestStalledPostgresFirstUse(t *testing.T) {
	p, dbURL := proxiedPostgres(t, "")
	raw := rawDB(t, testenv.PostgresURL(t))
	table := uniqueTable(t, raw)
	if _, err := raw.Exec(`CREATE TABLE ` + table + ` ("key_hash" varchar(64) NOT NULL PRIMARY KEY, "data" bytea NOT NULL, "expiry" timestamp with time zone NOT NULL, "user_id" varchar(255) NULL)`); err != nil {
		t.Fatal(err)
	}
	s, err := sqlstore.Open(t.Context(), dbURL, sqlstore.Config{Table: table, Timeout: faultTimeout})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p.Stall()
	const callers = 6
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			start := time.Now()
			_, err := s.Load(context.Background(), sessionkit.NewKey())
			withinDeadline(t, "a first Load", time.Since(start), faultTimeout)
			if !errors.Is(err, sqlstore.ErrTimeout) {
				t.Errorf("first Load with a stalled database: %v; want an error wrapping ErrTimeout", err)
			}
		})
	}
	wg.Wait()
	if err := p.Restore(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(context.Background(), sessionkit.NewKey()); !errors.Is(err, sessionkit.ErrNotFound) {
		t.Errorf("Load after the stall: %v; want ErrNotFound", err)
	}
}
