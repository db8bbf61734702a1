package cacheddb_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/cache/memcache"
	"github.com/sessionkit/sessionkit/cache/memorycache"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/cacheddb"
	"github.com/sessionkit/sessionkit/store/memstore"
	"github.com/sessionkit/sessionkit/storetest"
)

// plainStore shows a database store's four Store methods and hides its
// optional abilities (Swapper, Locker, ExpiredClearer, UserSessionLister).
type plainStore struct{ sessionkit.Store }

// TestConformance runs the storetest suite on each cache in front of a
// database store, in both layouts (Django's with the Django codec in the
// database and pickles in the cache; the Manager's codec is JSON). The SQL
// stores keep the per-user index in both (sqlstore.Config.UserIndex); over
// a plain store without one the suite skips the per-user tests. In Django
// mode a cache hit's expiry is the entry's TTL, in the cache's time, which
// the suite's clock cannot move.
func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cache func(t *testing.T) cache.Cache
		db    func(t *testing.T, django bool, now func() time.Time) sessionkit.Store
	}{
		{"Memory+MemStore",
			func(t *testing.T) cache.Cache { return memorycache.New(memorycache.Config{}) },
			func(t *testing.T, _ bool, now func() time.Time) sessionkit.Store { return &memstore.Store{Now: now} }},
		// A database store with only the four methods: Swap compares
		// under a lease in the cache, and the lock is a lease there too.
		{"Memory+PlainMemStore",
			func(t *testing.T) cache.Cache { return memorycache.New(memorycache.Config{}) },
			func(t *testing.T, _ bool, now func() time.Time) sessionkit.Store {
				return plainStore{&memstore.Store{Now: now}}
			}},
		{"Redis+PlainMemStore",
			func(t *testing.T) cache.Cache { return openRedis(t, "redis://"+testenv.RedisAddr(t)) },
			func(t *testing.T, _ bool, now func() time.Time) sessionkit.Store {
				return plainStore{&memstore.Store{Now: now}}
			}},
		{"Redis+SQLite",
			func(t *testing.T) cache.Cache { return openRedis(t, "redis://"+testenv.RedisAddr(t)) },
			func(t *testing.T, django bool, now func() time.Time) sessionkit.Store {
				return sqliteStore(t, django, now)
			}},
		{"RedisCluster+SQLite",
			func(t *testing.T) cache.Cache {
				return openRedis(t, "redis+cluster://"+strings.Join(testenv.RedisClusterAddrs(t), ","))
			},
			func(t *testing.T, django bool, now func() time.Time) sessionkit.Store {
				return sqliteStore(t, django, now)
			}},
		{"Memcached+Postgres",
			// Flagged as pickles, as Django mode needs (native entries
			// do not care).
			func(t *testing.T) cache.Cache { return openMemcacheFlags(t, memcache.FlagPickle) },
			func(t *testing.T, django bool, now func() time.Time) sessionkit.Store {
				return postgresStore(t, django, now)
			}},
	} {
		for _, django := range []bool{false, true} {
			name := tc.name + "/Native"
			if django {
				name = tc.name + "/Django"
			}
			t.Run(name, func(t *testing.T) {
				c := tc.cache(t)
				clock := storetest.NewClock()
				opts := storetest.Options{Clock: clock}
				cfg := cacheddb.Config{Django: django, Now: clock.Now}
				if django {
					cfg.Codec = &sessionkit.DjangoCodec{SecretKey: "cacheddb-test-secret-key-of-some-length"}
					opts.IgnoresExpiry = true
				}
				storetest.Run(t, func(t *testing.T) sessionkit.Store {
					cfg := cfg
					cfg.Prefix = uniquePrefix()
					s := cacheddb.New(tc.db(t, django, clock.Now), c, cfg)
					t.Cleanup(func() { s.Close() })
					return s
				}, opts)
			})
		}
	}
}
