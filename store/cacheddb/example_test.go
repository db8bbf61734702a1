package cacheddb_test

import (
	"context"
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache/memorycache"
	"github.com/sessionkit/sessionkit/store/cacheddb"
	"github.com/sessionkit/sessionkit/store/memstore"
)

func Example() {
	// In production the database is a store/sqlstore Store and the cache
	// rediscache.Open("redis://...") or memcache.Open("memcached://...").
	db := memstore.New(0)
	c := memorycache.New(memorycache.Config{})
	store := cacheddb.New(db, c, cacheddb.Config{})
	defer store.Close()
	ctx := context.Background()

	key := sessionkit.NewKey()
	rec := sessionkit.Record{Data: []byte(`{"cart":3}`), Expiry: time.Now().Add(time.Hour)}
	if _, err := store.Create(ctx, key, rec); err != nil { // the database, then the cache
		fmt.Println(err)
		return
	}
	got, _ := store.Load(ctx, key) // a cache hit: no query
	fmt.Println(string(got.Data))

	_ = c.Delete(ctx, store.CacheKey(key)) // evicted
	got, _ = store.Load(ctx, key)          // read from the database, then refilled
	fmt.Println(string(got.Data))
	// Output:
	// {"cart":3}
	// {"cart":3}
}
