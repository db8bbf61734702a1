package cacheddb_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/cache/memorycache"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/cacheddb"
	"github.com/sessionkit/sessionkit/store/memstore"
)

func newStore(t *testing.T, db sessionkit.Store, c cache.Cache, cfg cacheddb.Config) *cacheddb.Store {
	t.Helper()
	if cfg.Prefix == "" {
		cfg.Prefix = uniquePrefix()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := cacheddb.New(db, c, cfg)
	t.Cleanup(func() { s.Close() })
	return s
}

// A read hit costs one cache round trip and no query; a save costs one
// query and one cache round trip.
func TestRoundTrips(t *testing.T) {
	p := startProxy(t, testenv.RedisAddr(t))
	rc := proxiedRedis(t, p, time.Second)
	db := &counted{Store: memstore.New(0)}
	s := newStore(t, db, rc, cacheddb.Config{FenceInterval: -1})
	ctx := context.Background()
	key := sessionkit.NewKey()

	step := func(name string, wantQueries, wantTrips int64, do func() error) {
		t.Helper()
		q0, r0 := db.queries(), p.RoundTrips()
		if err := do(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if q, r := db.queries()-q0, p.RoundTrips()-r0; q != wantQueries || r != wantTrips {
			t.Errorf("%s: %d database queries and %d cache round trips, want %d and %d", name, q, r, wantQueries, wantTrips)
		}
	}
	step("Create", 1, 1, func() error { _, err := s.Create(ctx, key, rec(`{"n":1}`)); return err })
	step("Load (hit)", 0, 1, func() error { _, err := s.Load(ctx, key); return err })
	step("Update", 1, 1, func() error { _, err := s.Update(ctx, key, rec(`{"n":2}`)); return err })
	step("Load (hit)", 0, 1, func() error {
		r, err := s.Load(ctx, key)
		if err == nil && string(r.Data) != `{"n":2}` {
			err = fmt.Errorf("got %s", r.Data)
		}
		return err
	})
	if err := rc.Client().Del(ctx, s.CacheKey(key)).Err(); err != nil { // evicted
		t.Fatal(err)
	}
	step("Load (miss, refill)", 1, 2, func() error { _, err := s.Load(ctx, key); return err })
	step("Load (hit after refill)", 0, 1, func() error { _, err := s.Load(ctx, key); return err })
	step("Delete", 1, 1, func() error { return s.Delete(ctx, key) })
	step("Load (tombstone)", 0, 1, func() error {
		_, err := s.Load(ctx, key)
		if errors.Is(err, sessionkit.ErrNotFound) {
			return nil
		}
		return fmt.Errorf("Load after Delete = %v, want ErrNotFound", err)
	})

	// The database store here is no Swapper or Locker: Swap compares
	// under a lease in the cache, and the lock is a lease there too.
	key = sessionkit.NewKey()
	if _, err := s.Create(ctx, key, rec("a")); err != nil {
		t.Fatal(err)
	}
	s.Swap(ctx, key, []byte("a"), rec("a")) // loads the scripts into Redis
	step("Swap (lease, load, update, set, release)", 2, 3, func() error { _, err := s.Swap(ctx, key, []byte("a"), rec("b")); return err })
	step("Swap that conflicts (lease, load, drop the entry, release)", 1, 3, func() error {
		if _, err := s.Swap(ctx, key, []byte("a"), rec("c")); !errors.Is(err, sessionkit.ErrConflict) {
			return fmt.Errorf("Swap from stale data = %v, want ErrConflict", err)
		}
		return nil
	})
	step("TryLock", 0, 1, func() error { _, err := s.TryLock(ctx, key, "t", time.Minute); return err })
	step("Unlock", 0, 1, func() error { return s.Unlock(ctx, key, "t") })
}

// The main fault test: two processes share a database and a Redis that is
// cut off (stalled, refusing, dropping connections) while they keep
// reading and writing. Every call must succeed, every write must be read
// back, and after the cache comes back — with the old entries it kept
// through the cut — no read may return an older version.
func TestCacheCutOff(t *testing.T) {
	for _, fault := range []string{"stall", "refuse", "drop"} {
		t.Run(fault, func(t *testing.T) {
			p := startProxy(t, testenv.RedisAddr(t))
			db := memstore.New(0) // shared by the two processes
			prefix := uniquePrefix()
			var logs logBuffer
			cfg := cacheddb.Config{
				Prefix:        prefix,
				FenceInterval: 100 * time.Millisecond,
				ClockSkew:     50 * time.Millisecond,
				CacheBackoff:  500 * time.Millisecond,
				Logger:        slog.New(slog.NewTextHandler(&logs, nil)),
			}
			a := newStore(t, db, proxiedRedis(t, p, 200*time.Millisecond), cfg)
			b := newStore(t, db, proxiedRedis(t, p, 200*time.Millisecond), cfg)
			procs := []*cacheddb.Store{a, b}
			ctx := context.Background()

			const sessions = 10
			keys := make([]string, sessions)
			want := make(map[string]string) // the last version written of each session
			for i := range keys {
				keys[i] = sessionkit.NewKey()
				want[keys[i]] = fmt.Sprintf(`{"s":%d,"v":0}`, i)
				if _, err := a.Create(ctx, keys[i], rec(want[keys[i]])); err != nil {
					t.Fatal(err)
				}
			}
			// Warm the cache through both processes.
			for _, s := range procs {
				for _, k := range keys {
					if r, err := s.Load(ctx, k); err != nil || string(r.Data) != want[k] {
						t.Fatalf("warm-up Load = %q, %v", r.Data, err)
					}
				}
			}

			check := func(phase string, s *cacheddb.Store, k string) {
				t.Helper()
				r, err := s.Load(ctx, k)
				if err != nil {
					t.Fatalf("%s: Load: %v (the application would have failed)", phase, err)
				}
				if string(r.Data) != want[k] {
					t.Fatalf("%s: Load = %s, want %s (stale or lost)", phase, r.Data, want[k])
				}
			}
			// Cut the cache off; keep serving.
			switch fault {
			case "stall":
				p.Stall()
			case "refuse":
				p.Refuse()
				p.DropAll()
			case "drop":
				// Connections die under every request, the server stays
				// reachable: below, before each write.
			}
			writes, windowed, t0 := 0, 0, time.Now()
			for round := 1; round <= 3; round++ {
				for i, k := range keys {
					w, r := procs[(i+round)%2], procs[(i+round+1)%2]
					want[k] = fmt.Sprintf(`{"s":%d,"v":%d}`, i, round)
					if fault == "drop" {
						p.DropAll()
					}
					fence := w.Fence()
					if _, err := w.Update(ctx, k, rec(want[k])); err != nil {
						t.Fatalf("cut off, round %d: Update: %v (the application would have failed)", round, err)
					}
					writes++
					check(fmt.Sprintf("cut off, round %d, writer", round), w, k)
					if got, err := r.Load(ctx, k); err == nil && string(got.Data) != want[k] && fault == "drop" && !w.Fence().Equal(fence) {
						// The documented window: the writer's cache write
						// failed on a dropped connection while the reader's
						// connections worked, so the reader has seen no
						// failure; it must catch up within FenceInterval.
						windowed++
						time.Sleep(3 * cfg.FenceInterval)
					}
					check(fmt.Sprintf("cut off, round %d, other process", round), r, k)
				}
			}
			t.Logf("%s: %d writes and %d reads with the cache cut off took %v; %d reads by the other process waited out FenceInterval", fault, writes, 2*writes, time.Since(t0), windowed)
			if err := p.Restore(); err != nil {
				t.Fatal(err)
			}
			// The cache is back with whatever it kept. Make sure the test
			// means something: some entry in it is older than the database.
			raw := openRedis(t, "redis://"+testenv.RedisAddr(t))
			stale := 0
			for _, k := range keys {
				if v, err := raw.Get(ctx, a.CacheKey(k)); err == nil && !strings.HasSuffix(string(v), want[k]) {
					stale++
				}
			}
			if fault != "drop" && stale == 0 {
				t.Fatalf("after the cut the cache holds no stale entry; the test did not exercise anything")
			}
			t.Logf("%s: %d of %d cache entries were stale when the cache came back", fault, stale, sessions)
			// Zero stale reads, from both processes, right away and later.
			for pass := range 3 {
				for _, s := range procs {
					for _, k := range keys {
						check(fmt.Sprintf("after the cut, pass %d", pass), s, k)
					}
				}
				time.Sleep(150 * time.Millisecond)
			}
			// No lost write: the database has every last version.
			for _, k := range keys {
				if r, err := db.Load(ctx, k); err != nil || string(r.Data) != want[k] {
					t.Fatalf("database has %q, %v; want %s", r.Data, err, want[k])
				}
			}
			// And the cache serves again: once the backoff and the fence
			// window are over, untrusted entries are deleted, refilled, and
			// reads become hits (one round trip each).
			eventually(t, 5*time.Second, "reads did not become cache hits again", func() bool {
				before := p.RoundTrips()
				for _, k := range keys {
					check("recovered", a, k)
				}
				return p.RoundTrips()-before == sessions
			})
			if fault != "drop" && (!strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "error saving to cache")) {
				t.Errorf("no ERROR log of the failed cache writes; logs:\n%s", logs.String())
			}
		})
	}
}

// A process that never saw the cache fail — another process was cut off
// from the cache, it was not — stops trusting the entries the other could
// not update within FenceInterval.
func TestPartialPartition(t *testing.T) {
	addr := testenv.RedisAddr(t)
	p := startProxy(t, addr)
	db := memstore.New(0)
	prefix := uniquePrefix()
	const interval = 100 * time.Millisecond
	cfg := cacheddb.Config{Prefix: prefix, FenceInterval: interval, ClockSkew: 50 * time.Millisecond}
	cut := newStore(t, db, proxiedRedis(t, p, 200*time.Millisecond), cfg)
	fine := newStore(t, db, openRedis(t, "redis://"+addr), cfg)
	ctx := context.Background()
	key := sessionkit.NewKey()
	if _, err := fine.Create(ctx, key, rec(`{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	if r, err := fine.Load(ctx, key); err != nil || string(r.Data) != `{"v":1}` {
		t.Fatal(r, err)
	}
	p.Refuse()
	p.DropAll()
	if _, err := cut.Update(ctx, key, rec(`{"v":2}`)); err != nil {
		t.Fatalf("Update with the cache cut off: %v", err)
	}
	// The writer itself never reads v1 again.
	if r, err := cut.Load(ctx, key); err != nil || string(r.Data) != `{"v":2}` {
		t.Fatalf("the writer read %q, %v", r.Data, err)
	}
	// The other process within FenceInterval (with slack for a loaded
	// machine's scheduling).
	eventually(t, 20*interval, "the other process never learned the fence", func() bool { return !fine.Fence().IsZero() })
	if r, err := fine.Load(ctx, key); err != nil || string(r.Data) != `{"v":2}` {
		t.Fatalf("after learning the fence the other process read %q, %v; want v2", r.Data, err)
	}
}

// A cache write that reported failure but lands later (a request stuck in
// a cut network, delivered when it heals) is never served, however late
// it lands, by the writer or by another process.
func TestLateLandingWriteIsNeverServed(t *testing.T) {
	mem := memorycache.New(memorycache.Config{})
	late := &lateCache{Cache: mem}
	db := memstore.New(0)
	cfg := cacheddb.Config{Prefix: "p:", FenceInterval: 20 * time.Millisecond, ClockSkew: 20 * time.Millisecond, CacheBackoff: -1}
	a := newStore(t, db, late, cfg)
	b := newStore(t, db, mem, cfg)
	ctx := context.Background()
	key := sessionkit.NewKey()
	if _, err := a.Create(ctx, key, rec(`{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	late.failing.Store(true)
	if _, err := a.Update(ctx, key, rec(`{"v":2}`)); err != nil { // Set "times out", held
		t.Fatal(err)
	}
	late.failing.Store(false)
	time.Sleep(100 * time.Millisecond) // well past the fence window
	if _, err := a.Update(ctx, key, rec(`{"v":3}`)); err != nil {
		t.Fatal(err)
	}
	late.deliver() // v2 lands on top of v3
	eventually(t, 5*time.Second, "the other process never learned the fence", func() bool { return b.Fence().Equal(a.Fence()) })
	for name, s := range map[string]*cacheddb.Store{"writer": a, "other process": b} {
		for range 3 {
			r, err := s.Load(ctx, key)
			if err != nil || string(r.Data) != `{"v":3}` {
				t.Fatalf("%s read %q, %v after a late write landed; want v3", name, r.Data, err)
			}
		}
	}
}

// A refill that read the database just before a delete cannot bring the
// session back: the delete leaves a tombstone that the refill's Add
// cannot overwrite. The same for an update racing a refill.
func TestRefillRacingWrite(t *testing.T) {
	for _, op := range []string{"Delete", "Update"} {
		t.Run(op, func(t *testing.T) {
			c := memorycache.New(memorycache.Config{})
			db := &counted{Store: memstore.New(0)}
			reader := newStore(t, db, c, cacheddb.Config{Prefix: "p:"})
			writer := newStore(t, db, c, cacheddb.Config{Prefix: "p:"})
			ctx := context.Background()
			key := sessionkit.NewKey()
			if _, err := writer.Create(ctx, key, rec(`{"v":1}`)); err != nil {
				t.Fatal(err)
			}
			c.Delete(ctx, reader.CacheKey(key)) // evicted: the next read refills
			// Pause the reader between its database read and its refill,
			// and run the write in that gap.
			var once sync.Once
			db.mu.Lock()
			db.beforeLoad = func(string) {
				once.Do(func() {
					var err error
					if op == "Delete" {
						err = writer.Delete(ctx, key)
					} else {
						_, err = writer.Update(ctx, key, rec(`{"v":2}`))
					}
					if err != nil {
						t.Error(err)
					}
				})
			}
			db.mu.Unlock()
			if r, err := reader.Load(ctx, key); err != nil || string(r.Data) != `{"v":1}` {
				t.Fatalf("the racing read = %q, %v; want v1 (it read before the write)", r.Data, err)
			}
			db.mu.Lock()
			db.beforeLoad = nil
			db.mu.Unlock()
			for _, s := range []*cacheddb.Store{reader, writer} {
				r, err := s.Load(ctx, key)
				switch op {
				case "Delete":
					if !errors.Is(err, sessionkit.ErrNotFound) {
						t.Fatalf("after the delete: Load = %q, %v; want ErrNotFound (resurrected by the refill)", r.Data, err)
					}
				case "Update":
					if err != nil || string(r.Data) != `{"v":2}` {
						t.Fatalf("after the update: Load = %q, %v; want v2", r.Data, err)
					}
				}
			}
		})
	}
}

// Deleting a user's other sessions also removes their cache entries, so a
// "log out my other devices" takes effect at once.
func TestDeleteUserSessionsInvalidatesCache(t *testing.T) {
	c := memorycache.New(memorycache.Config{})
	db := memstore.New(0)
	s := newStore(t, db, c, cacheddb.Config{})
	ctx := context.Background()
	var keys []string
	for range 3 {
		k := sessionkit.NewKey()
		r := rec(`{"u":1}`)
		r.UserID = "u1"
		if _, err := s.Create(ctx, k, r); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Load(ctx, k); err != nil { // cached
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	n, err := s.DeleteUserSessions(ctx, "u1", keys[0])
	if err != nil || n != 2 {
		t.Fatalf("DeleteUserSessions = %d, %v", n, err)
	}
	if _, err := s.Load(ctx, keys[0]); err != nil {
		t.Fatalf("the kept session: %v", err)
	}
	for _, k := range keys[1:] {
		if r, err := s.Load(ctx, k); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Fatalf("a deleted session is still served from the cache: %q, %v", r.Data, err)
		}
	}
}

// unsupportedDB has only the four Store methods.
type unsupportedDB struct{ sessionkit.Store }

func TestOptionalAbilities(t *testing.T) {
	c := memorycache.New(memorycache.Config{})
	s := newStore(t, unsupportedDB{memstore.New(0)}, c, cacheddb.Config{})
	ctx := context.Background()
	if _, err := s.ClearExpired(ctx); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("ClearExpired = %v, want errors.ErrUnsupported", err)
	}
	if _, err := s.UserSessions(ctx, "u"); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("UserSessions = %v, want errors.ErrUnsupported", err)
	}
	if _, err := s.DeleteUserSessions(ctx, "u", ""); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("DeleteUserSessions = %v, want errors.ErrUnsupported", err)
	}
	// With a database store that has them, they reach it.
	db := memstore.New(0)
	s2 := newStore(t, db, c, cacheddb.Config{})
	if _, err := db.Create(ctx, sessionkit.NewKey(), sessionkit.Record{Data: []byte("{}"), Expiry: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if n, err := s2.ClearExpired(ctx); err != nil || n != 1 {
		t.Errorf("ClearExpired = %d, %v; want 1", n, err)
	}
}

func TestFenceKeyIsNotASession(t *testing.T) {
	c := memorycache.New(memorycache.Config{})
	db := memstore.New(0)
	late := &lateCache{Cache: c}
	s := newStore(t, db, late, cacheddb.Config{CacheBackoff: -1})
	ctx := context.Background()
	key := sessionkit.NewKey()
	if _, err := s.Create(ctx, key, rec(`{}`)); err != nil {
		t.Fatal(err)
	}
	late.failing.Store(true)
	if _, err := s.Update(ctx, key, rec(`{"v":2}`)); err != nil { // raises the fence
		t.Fatal(err)
	}
	if _, err := db.Load(ctx, cacheddb.FenceKey); err != nil {
		t.Fatalf("the fence record is not in the database: %v", err)
	}
	// A cookie carrying the fence key gets nothing and changes nothing.
	if _, err := s.Load(ctx, cacheddb.FenceKey); !errors.Is(err, sessionkit.ErrInvalidKey) {
		t.Errorf("Load(FenceKey) = %v, want ErrInvalidKey", err)
	}
	if _, err := s.Update(ctx, cacheddb.FenceKey, rec(`{}`)); !errors.Is(err, sessionkit.ErrInvalidKey) {
		t.Errorf("Update(FenceKey) = %v, want ErrInvalidKey", err)
	}
	if _, err := s.Create(ctx, cacheddb.FenceKey, rec(`{}`)); !errors.Is(err, sessionkit.ErrInvalidKey) {
		t.Errorf("Create(FenceKey) = %v, want ErrInvalidKey", err)
	}
	if err := s.Delete(ctx, cacheddb.FenceKey); !errors.Is(err, sessionkit.ErrInvalidKey) {
		t.Errorf("Delete(FenceKey) = %v, want ErrInvalidKey", err)
	}
	if _, err := db.Load(ctx, cacheddb.FenceKey); err != nil {
		t.Fatalf("Delete(FenceKey) removed the fence: %v", err)
	}
}

// Entries the store did not write (Django's pickled dicts in native mode,
// damage) are never served: the database answers and the entry goes.
func TestForeignEntries(t *testing.T) {
	c := memorycache.New(memorycache.Config{})
	db := memstore.New(0)
	s := newStore(t, db, c, cacheddb.Config{})
	ctx := context.Background()
	key := sessionkit.NewKey()
	if _, err := s.Create(ctx, key, rec(`{"v":"db"}`)); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{
		"\x80\x04\x95\x0f\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01v\x94\x8c\x02cache\x94s.", // pickle
		"", "\x02", "\x03\x00", "\x02\x7f\xff\xff\xff\xff\xff\xff\xff",
	} {
		c.Set(ctx, s.CacheKey(key), []byte(v), time.Hour)
		r, err := s.Load(ctx, key)
		if err != nil || string(r.Data) != `{"v":"db"}` {
			t.Fatalf("with cache entry %q: Load = %q, %v; want the database's", v, r.Data, err)
		}
		if _, err := c.Get(ctx, s.CacheKey(key)); !errors.Is(err, cache.ErrMiss) {
			t.Fatalf("the foreign entry %q was left in the cache", v)
		}
	}
}

// In Django mode a pickle that holds anything but a JSON-like dict (an
// object, a global) or None, and a native entry, are never served: the
// database answers and the entry goes. A pickled None is a tombstone.
func TestDjangoForeignEntries(t *testing.T) {
	c := memorycache.New(memorycache.Config{})
	db := &memstore.Store{}
	s := newStore(t, db, c, cacheddb.Config{Django: true, Codec: &sessionkit.DjangoCodec{SecretKey: "cacheddb-test-secret-key-of-some-length"}})
	ctx := context.Background()
	key := sessionkit.NewKey()
	if _, err := s.Create(ctx, key, rec(`{"v":"db"}`)); err != nil {
		t.Fatal(err)
	}
	stored, err := db.Load(ctx, key)
	if err != nil || !strings.Contains(string(stored.Data), ":") || strings.Contains(string(stored.Data), `"v"`) {
		t.Fatalf("the database holds %q, %v; want Django's signed session_data", stored.Data, err)
	}
	for _, v := range []string{
		"\x80\x05\x95\x1e\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01a\x94\x8c\x05posix\x94\x8c\x06getcwd\x94\x93\x94)R\x94s.", // {"a": os.getcwd()}
		"\x80\x04]\x94.", // a list
		"", "\x02\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00{}",
	} {
		c.Set(ctx, s.CacheKey(key), []byte(v), time.Hour)
		r, err := s.Load(ctx, key)
		if err != nil || string(r.Data) != `{"v":"db"}` {
			t.Fatalf("with cache entry %q: Load = %q, %v; want the database's", v, r.Data, err)
		}
		if _, err := c.Get(ctx, s.CacheKey(key)); !errors.Is(err, cache.ErrMiss) {
			t.Fatalf("the foreign entry %q was left in the cache", v)
		}
	}
	c.Set(ctx, s.CacheKey(key), []byte("\x80\x04N."), time.Hour)
	if _, err := s.Load(ctx, key); !errors.Is(err, sessionkit.ErrNotFound) {
		t.Fatalf("Load under a pickled None = %v, want ErrNotFound (a tombstone)", err)
	}
}

// After a cache error the store leaves the cache alone for CacheBackoff:
// an outage costs one timeout per backoff, not one per request.
func TestBackoff(t *testing.T) {
	p := startProxy(t, testenv.RedisAddr(t))
	rc := proxiedRedis(t, p, 200*time.Millisecond)
	db := memstore.New(0)
	s := newStore(t, db, rc, cacheddb.Config{CacheBackoff: time.Hour, FenceInterval: -1})
	ctx := context.Background()
	key := sessionkit.NewKey()
	if _, err := s.Create(ctx, key, rec(`{}`)); err != nil {
		t.Fatal(err)
	}
	p.Stall()
	t0 := time.Now()
	if _, err := s.Load(ctx, key); err != nil { // pays the timeout once
		t.Fatal(err)
	}
	first := time.Since(t0)
	t0 = time.Now()
	for range 20 {
		if _, err := s.Load(ctx, key); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Update(ctx, key, rec(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(t0); d > first {
		t.Fatalf("40 calls during the backoff took %v, the first failing one %v: the cache was not left alone", d, first)
	}
	p.Restore()
}

// Close stops the background reader and may be called twice.
func TestClose(t *testing.T) {
	db := &counted{Store: memstore.New(0)}
	s := cacheddb.New(db, memorycache.New(memorycache.Config{}), cacheddb.Config{FenceInterval: 10 * time.Millisecond})
	eventually(t, 5*time.Second, "the fence was never read in the background", func() bool { return db.loads.Load() > 0 })
	s.Close()
	s.Close()
	n := db.loads.Load()
	time.Sleep(50 * time.Millisecond)
	if db.loads.Load() != n {
		t.Fatal("the fence is still read after Close")
	}
}

// The fence record works on every database store and layout: raised by one
// process after a failed cache write, read back by another.
func TestFenceOnDatabaseStores(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) sessionkit.Store{
		"MemStore":      func(t *testing.T) sessionkit.Store { return memstore.New(0) },
		"SQLite/Native": func(t *testing.T) sessionkit.Store { return sqliteStore(t, false, nil) },
		"SQLite/Django": func(t *testing.T) sessionkit.Store { return sqliteStore(t, true, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			mem := memorycache.New(memorycache.Config{})
			late := &lateCache{Cache: mem}
			cfg := cacheddb.Config{Prefix: "p:", CacheBackoff: -1, FenceInterval: 20 * time.Millisecond}
			a := newStore(t, db, late, cfg)
			b := newStore(t, db, mem, cfg)
			ctx := context.Background()
			key := sessionkit.NewKey()
			if _, err := a.Create(ctx, key, rec(`{"v":1}`)); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Load(ctx, key); err != nil {
				t.Fatal(err)
			}
			late.failing.Store(true)
			t0 := time.Now()
			if _, err := a.Update(ctx, key, rec(`{"v":2}`)); err != nil {
				t.Fatal(err)
			}
			if !a.Fence().After(t0) {
				t.Fatalf("the writer's fence %v is not after the failure at %v", a.Fence(), t0)
			}
			eventually(t, 5*time.Second, "the other process did not learn the writer's fence", func() bool { return b.Fence().Equal(a.Fence()) })
			if r, err := b.Load(ctx, key); err != nil || string(r.Data) != `{"v":2}` {
				t.Fatalf("the other process read %q, %v", r.Data, err)
			}
		})
	}
}
