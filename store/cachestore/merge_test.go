package cachestore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/cache/memorycache"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/cachestore"
	"github.com/sessionkit/sessionkit/storetest"
)

// TestSwapComparesData: Swap compares the stored record's Data, not the
// whole entry, whose header (expiry, user) another save may have changed.
func TestSwapComparesData(t *testing.T) {
	ctx := context.Background()
	s := cachestore.New(memorycache.New(memorycache.Config{}), cachestore.Config{})
	key := sessionkit.NewKey()
	rec := func(data, user string, d time.Duration) sessionkit.Record {
		return sessionkit.Record{Data: []byte(data), UserID: user, Expiry: time.Now().Add(d)}
	}
	if _, err := s.Create(ctx, key, rec("a", "", time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Same data, another expiry and user: still "a".
	if _, err := s.Update(ctx, key, rec("a", "7", 2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Swap(ctx, key, []byte("a"), rec("b", "7", time.Hour)); err != nil {
		t.Fatalf("Swap from the stored Data with another header: %v", err)
	}
	if _, err := s.Swap(ctx, key, []byte("a"), rec("c", "", time.Hour)); !errors.Is(err, sessionkit.ErrConflict) {
		t.Fatalf("Swap from stale Data = %v, want ErrConflict", err)
	}
	got, err := s.Load(ctx, key)
	if err != nil || string(got.Data) != "b" || got.UserID != "7" {
		t.Fatalf("Load = %q (user %q), %v; want b (user 7)", got.Data, got.UserID, err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Swap(ctx, key, []byte("b"), rec("d", "", time.Hour)); !errors.Is(err, sessionkit.ErrNotFound) {
		t.Fatalf("Swap of a deleted session = %v, want ErrNotFound", err)
	}
	if _, err := s.Load(ctx, key); !errors.Is(err, sessionkit.ErrNotFound) {
		t.Fatalf("Swap recreated a deleted session: Load = %v", err)
	}
}

// TestLockKeys: a lease lives under its own key, which reveals no session
// key in either mode and which Load cannot reach.
func TestLockKeys(t *testing.T) {
	ctx := context.Background()
	for _, django := range []bool{false, true} {
		c := memorycache.New(memorycache.Config{})
		s := cachestore.New(c, cachestore.Config{Django: django})
		key := sessionkit.NewKey()
		lk := s.LockKey(key)
		prefix := cachestore.DefaultPrefix + "lock:"
		if django {
			prefix = ":1:" + prefix
		}
		if lk == s.CacheKey(key) || strings.Contains(lk, key) || !strings.HasPrefix(lk, prefix) {
			t.Errorf("django=%v: lock key %q: want the prefix, lock: and a hash, not the session key or its entry's key", django, lk)
		}
		if ok, err := s.TryLock(ctx, key, "token", time.Minute); !ok || err != nil {
			t.Fatalf("TryLock = %v, %v", ok, err)
		}
		if v, err := c.Get(ctx, lk); err != nil || string(v) != "token" {
			t.Fatalf("the lease under %q = %q, %v; want the token", lk, v, err)
		}
		if _, err := s.Load(ctx, key); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("django=%v: a locked session that was never saved loads: %v", django, err)
		}
		if _, err := s.Create(ctx, key, sessionkit.Record{Data: []byte("{}"), Expiry: time.Now().Add(time.Hour)}); err != nil {
			t.Errorf("django=%v: the lease took the session's key: Create = %v", django, err)
		}
		if _, err := s.TryLock(ctx, "bad key", "t", time.Minute); !errors.Is(err, sessionkit.ErrInvalidKey) {
			t.Errorf("TryLock of an invalid key = %v, want ErrInvalidKey", err)
		}
		if err := s.Unlock(ctx, "bad key", "t"); !errors.Is(err, sessionkit.ErrInvalidKey) {
			t.Errorf("Unlock of an invalid key = %v, want ErrInvalidKey", err)
		}
		if _, err := s.Swap(ctx, "bad key", nil, sessionkit.Record{Data: []byte("{}"), Expiry: time.Now().Add(time.Hour)}); !errors.Is(err, sessionkit.ErrInvalidKey) {
			t.Errorf("Swap of an invalid key = %v, want ErrInvalidKey", err)
		}
		if err := s.Unlock(ctx, key, "token"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Get(ctx, lk); !errors.Is(err, cache.ErrMiss) {
			t.Errorf("the lease is still there after Unlock: %v", err)
		}
	}
}

// TestCrossProcess: two processes (this one and the test binary run again)
// share one Redis and one session, and lose no write (storetest.CrossProcess).
func TestCrossProcess(t *testing.T) {
	storetest.CrossProcess(t, uniquePrefix(t), func(t *testing.T, prefix string) *sessionkit.Manager {
		c := openRedis(t, "redis://"+testenv.RedisAddr(t))
		return &sessionkit.Manager{Store: cachestore.New(c, cachestore.Config{Prefix: prefix}), LockWait: 30 * time.Second}
	})
}
