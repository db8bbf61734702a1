package cacheddb_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache/rediscache"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/cacheddb"
	"github.com/sessionkit/sessionkit/store/memstore"
)

// BenchmarkRedisHit measures a cached_db read hit on Redis next to one raw
// go-redis GET of the same size: the hit is one GET and no query.
//
//	go test -run '^$' -bench RedisHit -benchmem -count 6 ./store/cacheddb
func BenchmarkRedisHit(b *testing.B) {
	opts, err := rediscache.ParseURL("redis://" + testenv.RedisAddr(b))
	if err != nil {
		b.Fatal(err)
	}
	client := redis.NewUniversalClient(opts)
	defer client.Close()
	db := memstore.New(0)
	s := cacheddb.New(db, rediscache.New(client, rediscache.Config{}), cacheddb.Config{Prefix: "bench:", Logger: slog.New(slog.DiscardHandler)})
	defer s.Close()
	ctx := context.Background()
	data := bytes.Repeat([]byte("x"), 1024)
	key := sessionkit.NewKey()
	if _, err := s.Create(ctx, key, sessionkit.Record{Data: data, Expiry: time.Now().Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	defer s.Delete(ctx, key)
	rawKey := "bench:raw:" + key
	client.Set(ctx, rawKey, data, time.Hour)
	defer client.Del(ctx, rawKey)

	b.Run("raw-GET", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := client.Get(ctx, rawKey).Bytes(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cacheddb-Load", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Load(ctx, key); err != nil {
				b.Fatal(err)
			}
		}
	})
}
