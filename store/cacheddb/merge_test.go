package cacheddb_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/cache/memorycache"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/cacheddb"
	"github.com/sessionkit/sessionkit/store/memstore"
	"github.com/sessionkit/sessionkit/store/sqlstore"
	"github.com/sessionkit/sessionkit/storetest"
)

// TestLockUsesTheDatabaseLocker: over a database store that is a Locker,
// the lock is the database's (the cache is not involved); over one that
// is not, it is a lease in the cache under LockKey.
func TestLockUsesTheDatabaseLocker(t *testing.T) {
	ctx := context.Background()
	key := sessionkit.NewKey()

	db := &memstore.Store{}
	c := memorycache.New(memorycache.Config{})
	s := cacheddb.New(db, c, cacheddb.Config{})
	t.Cleanup(func() { s.Close() })
	if ok, err := s.TryLock(ctx, key, "a", time.Minute); !ok || err != nil {
		t.Fatalf("TryLock = %v, %v", ok, err)
	}
	if ok, _ := db.TryLock(ctx, key, "b", time.Minute); ok {
		t.Error("the lock taken through cacheddb is not the database store's")
	}
	if c.Len() != 0 {
		t.Errorf("the cache holds %d entries; a database lock needs none", c.Len())
	}

	c = memorycache.New(memorycache.Config{})
	s = cacheddb.New(plainStore{&memstore.Store{}}, c, cacheddb.Config{})
	t.Cleanup(func() { s.Close() })
	if ok, err := s.TryLock(ctx, key, "a", time.Minute); !ok || err != nil {
		t.Fatalf("TryLock = %v, %v", ok, err)
	}
	lk := s.LockKey(key)
	if v, err := c.Get(ctx, lk); err != nil || string(v) != "a" {
		t.Fatalf("the lease under %q = %q, %v; want the token", lk, v, err)
	}
	if lk == s.CacheKey(key) || strings.Contains(lk, key) {
		t.Errorf("lock key %q is the entry's key or reveals the session key", lk)
	}
	if err := s.Unlock(ctx, key, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, lk); !errors.Is(err, cache.ErrMiss) {
		t.Errorf("the lease is still there after Unlock: %v", err)
	}
	for name, err := range map[string]error{
		"TryLock": func() error { _, err := s.TryLock(ctx, cacheddb.FenceKey, "a", time.Minute); return err }(),
		"Unlock":  s.Unlock(ctx, "bad key", "a"),
		"Swap":    func() error { _, err := s.Swap(ctx, "bad key", nil, rec("{}")); return err }(),
	} {
		if !errors.Is(err, sessionkit.ErrInvalidKey) {
			t.Errorf("%s of an invalid key = %v, want ErrInvalidKey", name, err)
		}
	}
}

// TestSwapKeepsTheCacheFresh: a Swap refreshes the cache entry as Update
// does, a conflict drops it so that the next Load reads the database, and a Swap of a deleted session leaves
// a tombstone, not the record.
func TestSwapKeepsTheCacheFresh(t *testing.T) {
	ctx := context.Background()
	for name, db := range map[string]sessionkit.Store{
		"Swapper": &memstore.Store{},
		"Plain":   plainStore{&memstore.Store{}},
	} {
		t.Run(name, func(t *testing.T) {
			counting := &counted{Store: db}
			s := cacheddb.New(counting, memorycache.New(memorycache.Config{}), cacheddb.Config{})
			t.Cleanup(func() { s.Close() })
			key := sessionkit.NewKey()
			if _, err := s.Create(ctx, key, rec("a")); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Swap(ctx, key, []byte("a"), rec("b")); err != nil {
				t.Fatalf("Swap: %v", err)
			}
			before := counting.loads.Load()
			got, err := s.Load(ctx, key)
			if err != nil || string(got.Data) != "b" {
				t.Fatalf("Load = %q, %v; want b", got.Data, err)
			}
			if counting.loads.Load() != before {
				t.Error("the Load after a Swap went to the database: the cache was not refreshed")
			}
			if _, err := s.Swap(ctx, key, []byte("a"), rec("c")); !errors.Is(err, sessionkit.ErrConflict) {
				t.Fatalf("Swap from stale data = %v, want ErrConflict", err)
			}
			// After a conflict the next Load reads the database.
			before = counting.loads.Load()
			if got, err := s.Load(ctx, key); err != nil || string(got.Data) != "b" {
				t.Fatalf("Load after a conflict = %q, %v; want b", got.Data, err)
			}
			if counting.loads.Load() == before {
				t.Error("the Load after a conflict was served from the cache")
			}
			if err := db.Delete(ctx, key); err != nil { // behind the cache's back
				t.Fatal(err)
			}
			if _, err := s.Swap(ctx, key, []byte("b"), rec("d")); !errors.Is(err, sessionkit.ErrNotFound) {
				t.Fatalf("Swap of a deleted session = %v, want ErrNotFound", err)
			}
			if _, err := s.Load(ctx, key); !errors.Is(err, sessionkit.ErrNotFound) {
				t.Fatalf("Load after a Swap found the session deleted = %v, want ErrNotFound", err)
			}
		})
	}
}

// TestCrossProcess: two processes (this one and the test binary run again)
// share one Redis and one SQLite file, and lose no write
// (storetest.CrossProcess).
func TestCrossProcess(t *testing.T) {
	arg := uniquePrefix() + " " + filepath.Join(t.TempDir(), "sessions.db")
	storetest.CrossProcess(t, arg, func(t *testing.T, arg string) *sessionkit.Manager {
		prefix, file, _ := strings.Cut(arg, " ")
		c := openRedis(t, "redis://"+testenv.RedisAddr(t))
		db, err := sqlstore.Open(context.Background(), "sqlite:///"+file, sqlstore.Config{CreateTable: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		s := cacheddb.New(db, c, cacheddb.Config{Prefix: prefix})
		t.Cleanup(func() { s.Close() })
		return &sessionkit.Manager{Store: s, LockWait: 30 * time.Second}
	})
}

// TestSwapWaitsForTheLease: over a database store without Swap, a Swap
// waits while another holds the session's swap lease, gives up with the
// caller's context, and goes ahead once the lease is free.
func TestSwapWaitsForTheLease(t *testing.T) {
	ctx := context.Background()
	c := memorycache.New(memorycache.Config{})
	db := &memstore.Store{}
	s := cacheddb.New(plainStore{db}, c, cacheddb.Config{Prefix: "p:"})
	t.Cleanup(func() { s.Close() })
	key := sessionkit.NewKey()
	if _, err := s.Create(ctx, key, rec("a")); err != nil {
		t.Fatal(err)
	}
	lease := sessionkit.PrefixedKeyHash("p:swap:", key)
	if err := c.Add(ctx, lease, []byte("another save"), time.Minute); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := s.Swap(short, key, []byte("a"), rec("b")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Swap while another holds the lease = %v, want the context's deadline", err)
	}
	if got, _ := db.Load(ctx, key); string(got.Data) != "a" {
		t.Fatalf("a Swap that did not get the lease wrote %q", got.Data)
	}
	if err := c.Delete(ctx, lease); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Swap(ctx, key, []byte("a"), rec("b")); err != nil {
		t.Fatalf("Swap once the lease is free: %v", err)
	}
	if _, err := c.Get(ctx, lease); !errors.Is(err, cache.ErrMiss) {
		t.Errorf("Swap left its lease behind: %v", err)
	}
}
