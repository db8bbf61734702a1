package cacheddb_test

import (
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/cache/memorycache"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/cacheddb"
	"github.com/sessionkit/sessionkit/store/memstore"
	"github.com/sessionkit/sessionkit/storetest"
)

// withoutLister hides UserSessionLister, for database stores in Django
// mode: Django's table has no user column, so the database store (and so
// the cached_db store) answers errors.ErrUnsupported.
type withoutLister struct {
	sessionkit.Store
	sessionkit.ExpiredClearer
}

func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cache func(t *testing.T) cache.Cache
		db    func(t *testing.T, django bool) sessionkit.Store
	}{
		{"Memory+MemStore",
			func(t *testing.T) cache.Cache { return memorycache.New(memorycache.Config{}) },
			func(t *testing.T, _ bool) sessionkit.Store { return memstore.New(0) }},
		{"Redis+SQLite",
			func(t *testing.T) cache.Cache { return openRedis(t, "redis://"+testenv.RedisAddr(t)) },
			func(t *testing.T, django bool) sessionkit.Store { return sqliteStore(t, django) }},
		{"RedisCluster+SQLite",
			func(t *testing.T) cache.Cache {
				return openRedis(t, "redis+cluster://"+strings.Join(testenv.RedisClusterAddrs(t), ","))
			},
			func(t *testing.T, django bool) sessionkit.Store { return sqliteStore(t, django) }},
		{"Memcached+Postgres",
			func(t *testing.T) cache.Cache { return openMemcache(t) },
			func(t *testing.T, django bool) sessionkit.Store { return postgresStore(t, django) }},
	} {
		for _, django := range []bool{false, true} {
			name := tc.name + "/Native"
			if django {
				name = tc.name + "/Django"
			}
			t.Run(name, func(t *testing.T) {
				c := tc.cache(t)
				storetest.Run(t, func(t *testing.T) sessionkit.Store {
					s := cacheddb.New(tc.db(t, django), c, cacheddb.Config{Prefix: uniquePrefix(), Django: django})
					t.Cleanup(func() { s.Close() })
					if _, err := s.UserSessions(t.Context(), "probe"); err != nil {
						return withoutLister{s, s}
					}
					return s
				}, storetest.Options{})
			})
		}
	}
}
