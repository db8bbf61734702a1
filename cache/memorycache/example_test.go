package memorycache_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/cache/memorycache"
)

func Example() {
	c := memorycache.New(memorycache.Config{})
	ctx := context.Background()

	_ = c.Add(ctx, "greeting", []byte("hello"), time.Minute)
	err := c.Add(ctx, "greeting", []byte("bonjour"), time.Minute)
	fmt.Println(errors.Is(err, cache.ErrNotStored))

	v, _ := c.Get(ctx, "greeting")
	fmt.Println(string(v))

	_ = c.Delete(ctx, "greeting")
	err = c.Replace(ctx, "greeting", []byte("hi"), time.Minute)
	fmt.Println(errors.Is(err, cache.ErrMiss))
	// Output:
	// true
	// hello
	// true
}
