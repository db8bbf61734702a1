package cachestore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/cache/memcache"
	"github.com/sessionkit/sessionkit/cache/memorycache"
	"github.com/sessionkit/sessionkit/cache/rediscache"
	"github.com/sessionkit/sessionkit/internal/faultproxy"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/cachestore"
	"github.com/sessionkit/sessionkit/storetest"
)

// uniquePrefix keeps tests that share a server apart.
func uniquePrefix(t *testing.T) string {
	var b [6]byte
	rand.Read(b[:])
	return "cachestore-test:" + hex.EncodeToString(b[:]) + ":"
}

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

// openMemcacheFlags opens memcached with items stored with flags.
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

func TestConformance(t *testing.T) {
	backends := []struct {
		name string
		open func(t *testing.T) cache.Cache
	}{
		{"Memory", func(t *testing.T) cache.Cache { return memorycache.New(memorycache.Config{}) }},
		{"Redis", func(t *testing.T) cache.Cache { return openRedis(t, "redis://"+testenv.RedisAddr(t)) }},
		{"RedisCluster", func(t *testing.T) cache.Cache {
			return openRedis(t, "redis+cluster://"+strings.Join(testenv.RedisClusterAddrs(t), ","))
		}},
		{"Memcached", func(t *testing.T) cache.Cache { return openMemcache(t) }},
		// Django mode on memcached: items flagged as pymemcache's pickles.
		{"MemcachedPickle", func(t *testing.T) cache.Cache { return openMemcacheFlags(t, memcache.FlagPickle) }},
	}
	for _, b := range backends {
		for _, django := range []bool{false, true} {
			if django == (b.name == "Memcached") || !django && b.name == "MemcachedPickle" {
				continue // memcached items are flagged as pickles in Django mode only
			}
			name := b.name + "/Native"
			if django {
				name = b.name + "/Django"
			}
			t.Run(name, func(t *testing.T) {
				c := b.open(t)
				clock := storetest.NewClock()
				opts := storetest.Options{Clock: clock}
				if django {
					// Django mode stores the session dict (the Manager's
					// codec is JSON), and an entry's only expiry is the
					// cache's TTL, in the cache's time, which the suite's
					// clock cannot move.
					opts.IgnoresExpiry = true
				}
				storetest.Run(t, func(t *testing.T) sessionkit.Store {
					return cachestore.New(c, cachestore.Config{Prefix: uniquePrefix(t), Django: django, Now: clock.Now, UserIndex: true})
				}, opts)
			})
		}
	}
}

func TestCacheKeys(t *testing.T) {
	c := memorycache.New(memorycache.Config{})
	key := sessionkit.NewKey()
	for _, tc := range []struct {
		cfg  cachestore.Config
		want string
	}{
		{cachestore.Config{}, "django.contrib.sessions.cache" + sessionkit.KeyHash(key)},
		{cachestore.Config{Django: true}, ":1:django.contrib.sessions.cache" + key},
		{cachestore.Config{Django: true, KeyPrefix: "site", Version: 3}, "site:3:django.contrib.sessions.cache" + key},
		{cachestore.Config{Django: true, Prefix: "django.contrib.sessions.cached_db"}, ":1:django.contrib.sessions.cached_db" + key},
	} {
		s := cachestore.New(c, tc.cfg)
		if got := s.CacheKey(key); got != tc.want {
			t.Errorf("CacheKey with %+v = %q, want %q", tc.cfg, got, tc.want)
		}
		if _, err := s.Create(context.Background(), key, sessionkit.Record{Data: []byte("{}"), Expiry: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Get(context.Background(), tc.want); err != nil {
			t.Errorf("the entry is not under %q: %v", tc.want, err)
		}
		c.Delete(context.Background(), tc.want)
	}
	// A native-mode dump does not reveal the key.
	if c.Len() != 0 {
		t.Fatalf("%d entries left", c.Len())
	}
}

func TestTTLIsRemainingAge(t *testing.T) {
	rc := openRedis(t, "redis://"+testenv.RedisAddr(t))
	s := cachestore.New(rc, cachestore.Config{Prefix: uniquePrefix(t)})
	ctx := context.Background()
	key := sessionkit.NewKey()
	if _, err := s.Create(ctx, key, sessionkit.Record{Data: []byte("{}"), Expiry: time.Now().Add(90 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Delete(ctx, key) })
	ttl, err := rc.Client().PTTL(ctx, s.CacheKey(key)).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl < 89*time.Minute || ttl > 90*time.Minute {
		t.Fatalf("the entry's TTL is %v, want the session's remaining 90m", ttl)
	}
	if _, err := s.Update(ctx, key, sessionkit.Record{Data: []byte("{}"), Expiry: time.Now().Add(14 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	ttl, _ = rc.Client().PTTL(ctx, s.CacheKey(key)).Result()
	if ttl < 14*24*time.Hour-time.Minute {
		t.Fatalf("after Update the TTL is %v, want 2 weeks", ttl)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	s := cachestore.New(memorycache.New(memorycache.Config{}), cachestore.Config{})
	ctx := context.Background()
	exp := time.Now().Add(time.Hour).Round(0)
	for _, rec := range []sessionkit.Record{
		{Data: []byte(`{"a":1}`), Expiry: exp, UserID: "42"},
		{Data: []byte{}, Expiry: exp},
		{Data: bytes.Repeat([]byte{0, 1, 0xff}, 1000), Expiry: exp, UserID: strings.Repeat("ü", 300)},
	} {
		key := sessionkit.NewKey()
		if _, err := s.Create(ctx, key, rec); err != nil {
			t.Fatal(err)
		}
		got, err := s.Load(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Data, rec.Data) || got.UserID != rec.UserID || !got.Expiry.Equal(rec.Expiry) {
			t.Fatalf("Load = %+v, want %+v", got, rec)
		}
	}
}

func TestCorruptEntryIsNoSession(t *testing.T) {
	c := memorycache.New(memorycache.Config{})
	var logs bytes.Buffer
	s := cachestore.New(c, cachestore.Config{Django: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	ctx := context.Background()
	key := sessionkit.NewKey()
	// A dict holding an object (a global and a reduce), a pickle of a
	// list, a native entry, and garbage.
	object := []byte("\x80\x04\x95\x1c\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01a\x94\x8c\x02os\x94\x8c\x06getcwd\x94\x93\x94)R\x94s.")
	list := []byte("\x80\x04]\x94.")
	for _, v := range [][]byte{object, list, {}, {1}, {1, 0, 0, 0, 0, 0, 0, 0, 0, 0xff}} {
		c.Set(ctx, s.CacheKey(key), v, time.Hour)
		if _, err := s.Load(ctx, key); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Fatalf("Load of entry %q = %v, want ErrNotFound", v, err)
		}
	}
	if !strings.Contains(logs.String(), "corrupt") || strings.Contains(logs.String(), key) {
		t.Fatalf("want a warning that does not reveal the key, got %q", logs.String())
	}
	// No expiry: an error, not a session that lives forever.
	if _, err := s.Create(ctx, sessionkit.NewKey(), sessionkit.Record{Data: []byte("{}")}); err == nil {
		t.Fatal("Create of a record without expiry succeeded")
	}
}

// proxied returns a Store on Redis behind a fault proxy.
func proxied(t *testing.T, timeout time.Duration) (*cachestore.Store, *faultproxy.Proxy) {
	t.Helper()
	p, err := faultproxy.Start(testenv.RedisAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	opts, err := rediscache.ParseURL("redis://" + p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewUniversalClient(opts)
	t.Cleanup(func() { client.Close() })
	rc := rediscache.New(client, rediscache.Config{Timeout: timeout})
	// Warm the pool so that the counts below are of commands, not of the
	// connection handshake.
	if err := client.Ping(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	return cachestore.New(rc, cachestore.Config{Prefix: uniquePrefix(t)}), p
}

func TestOneRoundTripPerOperation(t *testing.T) {
	s, p := proxied(t, time.Second)
	ctx := context.Background()
	key := sessionkit.NewKey()
	rec := sessionkit.Record{Data: bytes.Repeat([]byte("x"), 1024), Expiry: time.Now().Add(time.Hour)}
	rec2 := sessionkit.Record{Data: bytes.Repeat([]byte("y"), 1024), Expiry: time.Now().Add(time.Hour)}
	// Load the compare-and-swap scripts first: the first EVALSHA of a
	// script the server has not seen costs a second round trip (EVAL).
	warm := sessionkit.NewKey()
	s.Create(ctx, warm, rec)
	s.Swap(ctx, warm, rec.Data, rec)
	s.TryLock(ctx, warm, "t", time.Minute)
	s.Unlock(ctx, warm, "t")
	s.Delete(ctx, warm)
	for _, op := range []struct {
		name string
		want int
		do   func() error
	}{
		{"Create", 1, func() error { _, err := s.Create(ctx, key, rec); return err }},
		{"Load", 1, func() error { _, err := s.Load(ctx, key); return err }},
		{"Update", 1, func() error { _, err := s.Update(ctx, key, rec); return err }},
		{"Load again", 1, func() error { _, err := s.Load(ctx, key); return err }},
		// The script alone: the store tries the entry it loaded.
		{"Swap after a Load", 1, func() error { _, err := s.Swap(ctx, key, rec.Data, rec2); return err }},
		{"Swap that conflicts", 1, func() error {
			_, err := s.Swap(ctx, key, rec.Data, rec2)
			if !errors.Is(err, sessionkit.ErrConflict) {
				return fmt.Errorf("got %v, want ErrConflict", err)
			}
			return nil
		}},
		// A Get and the script: the entry is not the one this store
		// last saw, so the bytes to swap come from the cache.
		{"Swap after another process's save", 2, func() error {
			other := cachestore.New(openRedis(t, "redis://"+testenv.RedisAddr(t)), cachestore.Config{
				Prefix: strings.TrimSuffix(s.CacheKey(key), sessionkit.KeyHash(key)),
			})
			if _, err := other.Update(ctx, key, rec); err != nil {
				return err
			}
			_, err := s.Swap(ctx, key, rec.Data, rec2)
			return err
		}},
		{"TryLock", 1, func() error { _, err := s.TryLock(ctx, key, "t", time.Minute); return err }},
		{"Unlock", 1, func() error { return s.Unlock(ctx, key, "t") }},
		{"Delete", 1, func() error { return s.Delete(ctx, key) }},
		{"Load of the deleted", 1, func() error { _, err := s.Load(ctx, key); return ignoreNotFound(err) }},
		{"Update of the deleted", 1, func() error { _, err := s.Update(ctx, key, rec); return ignoreNotFound(err) }},
	} {
		before := p.RoundTrips()
		if err := op.do(); err != nil {
			t.Fatalf("%s: %v", op.name, err)
		}
		if n := p.RoundTrips() - before; n != int64(op.want) {
			t.Errorf("%s took %d round trips to Redis, want %d", op.name, n, op.want)
		}
	}
}

func ignoreNotFound(err error) error {
	if errors.Is(err, sessionkit.ErrNotFound) {
		return nil
	}
	return err
}

// With the cache unreachable, the cache engine has nowhere else to go: a
// clear error (the application's 500) within the cache's timeout, never a
// hang, a panic or a false "not found".
func TestCacheDownIsAClearError(t *testing.T) {
	const timeout = 300 * time.Millisecond
	s, p := proxied(t, timeout)
	ctx := context.Background()
	key := sessionkit.NewKey()
	rec := sessionkit.Record{Data: []byte(`{"a":1}`), Expiry: time.Now().Add(time.Hour)}
	if _, err := s.Create(ctx, key, rec); err != nil {
		t.Fatal(err)
	}
	for _, fault := range []struct {
		name  string
		apply func()
	}{
		{"stalled", p.Stall},
		{"refusing", func() { p.Refuse(); p.DropAll() }},
	} {
		t.Run(fault.name, func(t *testing.T) {
			fault.apply()
			defer p.Restore()
			for name, op := range map[string]func() error{
				"Load":   func() error { _, err := s.Load(ctx, key); return err },
				"Create": func() error { _, err := s.Create(ctx, sessionkit.NewKey(), rec); return err },
				"Update": func() error { _, err := s.Update(ctx, key, rec); return err },
				"Delete": func() error { return s.Delete(ctx, key) },
			} {
				t0 := time.Now()
				err := op()
				// Slack for a loaded CI machine; a hang would be seconds.
				if d := time.Since(t0); d > timeout+time.Second {
					t.Errorf("%s took %v, want about %v", name, d, timeout)
				}
				if err == nil || errors.Is(err, sessionkit.ErrNotFound) || errors.Is(err, sessionkit.ErrKeyExists) {
					t.Errorf("%s with the cache %s = %v, want a store failure", name, fault.name, err)
				} else if !strings.HasPrefix(err.Error(), "cachestore: ") {
					t.Errorf("%s error %q does not say where it comes from", name, err)
				}
			}
		})
	}
	p.Restore()
	if _, err := s.Load(ctx, key); err != nil {
		t.Fatalf("Load after the cache came back: %v", err)
	}
}

// TestDjangoEntryExpiryWithoutTTL: memcached cannot report an entry's TTL,
// so a Django-mode record's expiry comes from the session's own
// _session_expiry (seconds), else MaxAge.
func TestDjangoEntryExpiryWithoutTTL(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	s := cachestore.New(openMemcacheFlags(t, memcache.FlagPickle), cachestore.Config{
		Prefix: uniquePrefix(t), Django: true, MaxAge: time.Hour, Now: func() time.Time { return now }})
	ctx := context.Background()
	for data, want := range map[string]time.Duration{
		`{"_session_expiry":60,"a":1}`: time.Minute,
		`{"a":1}`:                      time.Hour,
		`{"_session_expiry":0}`:        time.Hour, // at browser close: the cookie age
	} {
		key := sessionkit.NewKey()
		if _, err := s.Create(ctx, key, sessionkit.Record{Data: []byte(data), Expiry: now.Add(want)}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Delete(ctx, key) })
		rec, err := s.Load(ctx, key)
		if err != nil || !rec.Expiry.Equal(now.Add(want)) {
			t.Errorf("%s: Load = %v, %v; want Expiry now+%v", data, rec.Expiry, err, want)
		}
	}
}
