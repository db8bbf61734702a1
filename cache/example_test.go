package cache_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/cache/memorycache"
)

// A collision-safe create and an update that never brings back a deleted
// entry, each in one round trip, on any backend.
func Example() {
	var c cache.Cache = memorycache.New(memorycache.Config{})
	ctx := context.Background()

	if err := c.Add(ctx, "session:k1", []byte(`{"cart":1}`), time.Hour); err != nil {
		fmt.Println("create:", err)
	}
	if err := c.Add(ctx, "session:k1", []byte(`{}`), time.Hour); errors.Is(err, cache.ErrNotStored) {
		fmt.Println("create again: key in use")
	}

	_ = c.Delete(ctx, "session:k1") // logout in another request
	if err := c.Replace(ctx, "session:k1", []byte(`{"cart":2}`), time.Hour); errors.Is(err, cache.ErrMiss) {
		fmt.Println("update: gone, not resurrected")
	}
	// Output:
	// create again: key in use
	// update: gone, not resurrected
}
