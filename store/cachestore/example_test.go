package cachestore_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache/memorycache"
	"github.com/sessionkit/sessionkit/store/cachestore"
)

func Example() {
	// In production: c, err := rediscache.Open("redis://127.0.0.1:6379/0")
	// or memcache.Open("memcached://10.0.0.1:11211,10.0.0.2:11211").
	c := memorycache.New(memorycache.Config{})
	store := cachestore.New(c, cachestore.Config{})
	ctx := context.Background()

	key := sessionkit.NewKey()
	rec := sessionkit.Record{Data: []byte(`{"cart":3}`), Expiry: time.Now().Add(2 * time.Hour)}
	if _, err := store.Create(ctx, key, rec); err != nil {
		fmt.Println(err)
		return
	}
	got, _ := store.Load(ctx, key)
	fmt.Println(string(got.Data))

	// A logout elsewhere deletes the session; a late save does not bring it back.
	_ = store.Delete(ctx, key)
	_, err := store.Update(ctx, key, rec)
	fmt.Println(errors.Is(err, sessionkit.ErrNotFound))
	// Output:
	// {"cart":3}
	// true
}
