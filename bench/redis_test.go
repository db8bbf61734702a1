package bench

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/alexedwards/scs/redisstore"
	"github.com/gomodule/redigo/redis"
	goredis "github.com/redis/go-redis/v9"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache/rediscache"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/cachestore"
)

func redisLibs() []lib {
	return []lib{
		{name: "sessionkit-redis", open: func(b *testing.B, dir string) (func(http.Handler) http.Handler, access) {
			client := goredis.NewClient(&goredis.Options{Addr: testenv.RedisAddr(b)})
			b.Cleanup(func() { client.Close() })
			st := cachestore.New(rediscache.New(client, rediscache.Config{}), cachestore.Config{Prefix: table("bench:sk:")})
			return sessionkit.New(st).Middleware, skAccess{}
		}},
		{name: "scs-redisstore", open: func(b *testing.B, dir string) (func(http.Handler) http.Handler, access) {
			addr := testenv.RedisAddr(b)
			pool := &redis.Pool{MaxIdle: 10, Dial: func() (redis.Conn, error) { return redis.Dial("tcp", addr) }}
			b.Cleanup(func() { pool.Close() })
			return newSCS(redisstore.NewWithPrefix(pool, table("bench:scs:")))
		}},
		{name: "raw-goredis", open: func(b *testing.B, dir string) (func(http.Handler) http.Handler, access) {
			client := goredis.NewClient(&goredis.Options{Addr: testenv.RedisAddr(b)})
			b.Cleanup(func() { client.Close() })
			return nil, rawRedis{client: client, key: table("bench:raw:")}
		}},
	}
}

// rawRedis is the floor: one GET to read, one SET to write.
type rawRedis struct {
	client *goredis.Client
	key    string
}

func (a rawRedis) getInt(_ http.ResponseWriter, r *http.Request, _ string) int {
	n, _ := a.client.Get(r.Context(), a.key).Int()
	return n
}

func (a rawRedis) setInt(w http.ResponseWriter, r *http.Request, _ string, v int) {
	if err := a.client.Set(context.Background(), a.key, strconv.Itoa(v), 14*24*time.Hour).Err(); err != nil {
		panic(err)
	}
	if _, err := r.Cookie("raw"); err != nil {
		http.SetCookie(w, &http.Cookie{Name: "raw", Value: rawKey})
	}
}

func (a rawRedis) setThree(w http.ResponseWriter, r *http.Request) { a.setInt(w, r, "n", 42) }
func (a rawRedis) seed(w http.ResponseWriter, r *http.Request)     { a.setInt(w, r, "n", 1) }
func (a rawRedis) addItem(w http.ResponseWriter, r *http.Request, n int) {
	a.setInt(w, r, "n", a.getInt(w, r, "n")+n)
}
