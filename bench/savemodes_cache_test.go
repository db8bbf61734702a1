package bench

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/cache/memcache"
	"github.com/sessionkit/sessionkit/cache/rediscache"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/cacheddb"
	"github.com/sessionkit/sessionkit/store/cachestore"
	"github.com/sessionkit/sessionkit/store/memstore"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

// BenchmarkSaveModesCache is ReadModifyWrite on the cache engines in each
// way the Manager can save: merge (the default: Swap, which compares with
// what was read), lastwritewins (Manager.LastWriteWins: Update) and
// exclusive (Manager.Exclusive: a lock around the request, then merge).
func BenchmarkSaveModesCache(b *testing.B) {
	redisCache := func(b *testing.B) cache.Cache {
		client := goredis.NewClient(&goredis.Options{Addr: testenv.RedisAddr(b)})
		b.Cleanup(func() { client.Close() })
		return rediscache.New(client, rediscache.Config{})
	}
	engines := []struct {
		name  string
		store func(b *testing.B, dir string) sessionkit.Store
	}{
		{"cache-redis", func(b *testing.B, _ string) sessionkit.Store {
			return cachestore.New(redisCache(b), cachestore.Config{Prefix: table("bench:sk:")})
		}},
		{"cache-memcached", func(b *testing.B, _ string) sessionkit.Store {
			c, err := memcache.New(memcache.Config{Servers: testenv.MemcachedAddrs(b)})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { c.Close() })
			return cachestore.New(c, cachestore.Config{Prefix: table("bench:sk:")})
		}},
		{"cached_db-redis+sqlite", func(b *testing.B, dir string) sessionkit.Store {
			db, err := sqlstore.Open(context.Background(), "sqlite:///"+filepath.Join(dir, "bench.db"), sqlstore.Config{Table: table("bench_sk"), CreateTable: true})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			s := cacheddb.New(db, redisCache(b), cacheddb.Config{Prefix: table("bench:cdb:")})
			b.Cleanup(func() { s.Close() })
			return s
		}},
		// Over a database store that is a Swapper and a Locker (in
		// process, so the rows show what cached_db itself adds).
		{"cached_db-redis+memstore", func(b *testing.B, _ string) sessionkit.Store {
			s := cacheddb.New(&memstore.Store{}, redisCache(b), cacheddb.Config{Prefix: table("bench:cdb:")})
			b.Cleanup(func() { s.Close() })
			return s
		}},
	}
	modes := []struct {
		name string
		set  func(m *sessionkit.Manager)
	}{
		{"merge", func(*sessionkit.Manager) {}},
		{"lastwritewins", func(m *sessionkit.Manager) { m.LastWriteWins = true }},
		{"exclusive", func(m *sessionkit.Manager) { m.Exclusive = true; m.LockTTL = time.Minute }},
	}
	for _, e := range engines {
		for _, mode := range modes {
			b.Run(e.name+"/"+mode.name, func(b *testing.B) {
				l := lib{name: e.name, open: func(b *testing.B, dir string) (func(http.Handler) http.Handler, access) {
					m := sessionkit.New(e.store(b, dir))
					mode.set(m)
					return m.Middleware, skAccess{}
				}}
				rn := setup(b, l, "/seed", b.TempDir())
				b.ReportAllocs()
				cpu := cpuTime()
				for b.Loop() {
					rn.do(b, "/rmw")
				}
				reportCPU(b, cpu)
			})
		}
	}
}
