package cacheddb_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/redis/go-redis/v9"
	_ "modernc.org/sqlite"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/cache/memcache"
	"github.com/sessionkit/sessionkit/cache/rediscache"
	"github.com/sessionkit/sessionkit/internal/faultproxy"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// uniquePrefix keeps tests that share a cache server apart.
func uniquePrefix() string { return "cacheddb-test:" + randomHex(6) + ":" }

func openRedis(t *testing.T, url string) *rediscache.Cache {
	t.Helper()
	c, err := rediscache.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func openMemcache(t *testing.T) *memcache.Cache {
	t.Helper()
	return openMemcacheFlags(t, 0)
}

// openMemcacheFlags opens memcached with items stored with flags
// (memcache.FlagPickle for Django mode).
func openMemcacheFlags(t *testing.T, flags uint32) *memcache.Cache {
	t.Helper()
	// A generous timeout: the race detector on a loaded 2-core machine.
	c, err := memcache.New(memcache.Config{Servers: testenv.MemcachedAddrs(t), Timeout: 2 * time.Second, Flags: flags})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// proxiedRedis is a Redis cache behind a fault proxy, with short timeouts.
func proxiedRedis(t *testing.T, p *faultproxy.Proxy, timeout time.Duration) *rediscache.Cache {
	t.Helper()
	opts, err := rediscache.ParseURL("redis://" + p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewUniversalClient(opts)
	t.Cleanup(func() { client.Close() })
	if err := client.Ping(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	return rediscache.New(client, rediscache.Config{Timeout: timeout})
}

func startProxy(t *testing.T, upstream string) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.Start(upstream)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// sqliteStore is a native or Django-layout SQLite store in a fresh file.
func sqliteStore(t *testing.T, django bool, now func() time.Time) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), "sqlite:///"+filepath.Join(t.TempDir(), "sessions.db"), sqlstore.Config{Django: django, UserIndex: true, CreateTable: true, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// postgresStore is a store on a fresh PostgreSQL table, dropped at the end.
func postgresStore(t *testing.T, django bool, now func() time.Time) *sqlstore.Store {
	t.Helper()
	db, err := sql.Open("pgx", testenv.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	table := "cacheddb_test_" + randomHex(6)
	s, err := sqlstore.New(db, sqlstore.Config{Django: django, UserIndex: true, Table: table, CreateTable: true, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		db.Exec(`DROP TABLE IF EXISTS "` + table + `"`)
	})
	return s
}

// counted wraps a database store and counts its calls; hooks let a test
// pause a call to force an interleaving. It is instrumentation around a
// real store, not a replacement for one.
type counted struct {
	sessionkit.Store
	loads, creates, updates, deletes atomic.Int64

	mu         sync.Mutex
	beforeLoad func(key string) // called after the read, before returning
}

func (c *counted) queries() int64 {
	return c.loads.Load() + c.creates.Load() + c.updates.Load() + c.deletes.Load()
}

func (c *counted) Load(ctx context.Context, key string) (sessionkit.Record, error) {
	c.loads.Add(1)
	rec, err := c.Store.Load(ctx, key)
	c.mu.Lock()
	hook := c.beforeLoad
	c.mu.Unlock()
	if hook != nil {
		hook(key)
	}
	return rec, err
}

func (c *counted) Create(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	c.creates.Add(1)
	return c.Store.Create(ctx, key, rec)
}

func (c *counted) Update(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	c.updates.Add(1)
	return c.Store.Update(ctx, key, rec)
}

func (c *counted) Delete(ctx context.Context, key string) error {
	c.deletes.Add(1)
	return c.Store.Delete(ctx, key)
}

func (c *counted) ClearExpired(ctx context.Context) (int64, error) {
	return c.Store.(sessionkit.ExpiredClearer).ClearExpired(ctx)
}

func (c *counted) UserSessions(ctx context.Context, userID string) ([]sessionkit.SessionInfo, error) {
	return c.Store.(sessionkit.UserSessionLister).UserSessions(ctx, userID)
}

func (c *counted) DeleteUserSessions(ctx context.Context, userID, keepKey string) (int64, error) {
	return c.Store.(sessionkit.UserSessionLister).DeleteUserSessions(ctx, userID, keepKey)
}

// lateCache injects the one fault a real server cannot produce on cue: a
// Set that reports failure to its caller but lands in the cache later (a
// request stuck in a cut network, delivered when it heals).
type lateCache struct {
	cache.Cache
	failing atomic.Bool

	mu   sync.Mutex
	held []func()
}

var errInjected = &injectedError{}

type injectedError struct{}

func (*injectedError) Error() string { return "injected: i/o timeout" }

func (l *lateCache) Set(ctx context.Context, key string, v []byte, ttl time.Duration) error {
	if l.failing.Load() {
		v = append([]byte(nil), v...)
		l.mu.Lock()
		l.held = append(l.held, func() { l.Cache.Set(context.Background(), key, v, ttl) })
		l.mu.Unlock()
		return errInjected
	}
	return l.Cache.Set(ctx, key, v, ttl)
}

// deliver lands the held writes.
func (l *lateCache) deliver() {
	l.mu.Lock()
	held := l.held
	l.held = nil
	l.mu.Unlock()
	for _, f := range held {
		f()
	}
}

func rec(data string) sessionkit.Record {
	return sessionkit.Record{Data: []byte(data), Expiry: time.Now().Add(time.Hour)}
}

// logBuffer collects log output safely across goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// eventually waits up to d for cond, for background work (the fence
// reader) on a loaded machine.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
