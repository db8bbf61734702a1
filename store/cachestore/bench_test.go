package cachestore_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache/rediscache"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/cachestore"
)

// BenchmarkRedis compares the store on Redis with the floor a hand-written
// session store could reach with go-redis: one raw GET for a read, GET +
// SET for a read-modify-write, on the same client and a 1 KiB value.
//
//	go test -run '^$' -bench Redis -benchmem -count 6 ./store/cachestore
func BenchmarkRedis(b *testing.B) {
	addr := testenv.RedisAddr(b)
	opts, err := rediscache.ParseURL("redis://" + addr)
	if err != nil {
		b.Fatal(err)
	}
	client := redis.NewUniversalClient(opts)
	defer client.Close()
	c := rediscache.New(client, rediscache.Config{})
	s := cachestore.New(c, cachestore.Config{Prefix: "bench:"})
	ctx := context.Background()
	data := bytes.Repeat([]byte("x"), 1024)
	key := sessionkit.NewKey()
	rec := sessionkit.Record{Data: data, Expiry: time.Now().Add(time.Hour)}
	if _, err := s.Create(ctx, key, rec); err != nil {
		b.Fatal(err)
	}
	defer s.Delete(ctx, key)
	rawKey := "bench:raw:" + key
	if err := client.Set(ctx, rawKey, data, time.Hour).Err(); err != nil {
		b.Fatal(err)
	}
	defer client.Del(ctx, rawKey)

	b.Run("ReadOnly/raw-GET", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := client.Get(ctx, rawKey).Bytes(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ReadOnly/cachestore-Load", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Load(ctx, key); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ReadModifyWrite/raw-GET+SET", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v, err := client.Get(ctx, rawKey).Bytes()
			if err != nil {
				b.Fatal(err)
			}
			if err := client.Set(ctx, rawKey, v, time.Hour).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ReadModifyWrite/cachestore-Load+Update", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r, err := s.Load(ctx, key)
			if err != nil {
				b.Fatal(err)
			}
			r.Expiry = rec.Expiry
			if _, err := s.Update(ctx, key, r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
