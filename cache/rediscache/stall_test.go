package rediscache_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/sessionkit/cache/rediscache"
	"github.com/sessionkit/sessionkit/internal/faultproxy"
	"github.com/sessionkit/sessionkit/internal/testenv"
)

// TestStallConcurrentBound: with the network to Redis cut, concurrent
// operations each fail within Config.Timeout + 10 % (plus a little slack
// for a loaded machine: a bound on a hang, not a speed measurement), and
// the cache works again once the network heals.
func TestStallConcurrentBound(t *testing.T) {
	p, err := faultproxy.Start(testenv.RedisAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	opts, err := rediscache.ParseURL("redis://" + p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewUniversalClient(opts)
	t.Cleanup(func() { client.Close() })
	const timeout = 500 * time.Millisecond
	c := rediscache.New(client, rediscache.Config{Timeout: timeout})
	ctx := context.Background()
	key := "rediscache-test:stall"
	if err := c.Set(ctx, key, []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Delete(context.Background(), key) })

	p.Stall()
	const callers = 10
	var wg sync.WaitGroup
	errs := make([]error, callers)
	took := make([]time.Duration, callers)
	for i := range callers {
		wg.Go(func() {
			start := time.Now()
			if i%2 == 0 {
				_, errs[i] = c.Get(ctx, key)
			} else {
				errs[i] = c.Set(ctx, key, []byte("w"), time.Minute)
			}
			took[i] = time.Since(start)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err == nil || !strings.HasPrefix(err.Error(), "rediscache: ") {
			t.Errorf("caller %d with Redis stalled: %v; want a rediscache error", i, err)
		}
		if limit := timeout + timeout/10 + 250*time.Millisecond; took[i] > limit {
			t.Errorf("caller %d took %v with Redis stalled; want at most %v", i, took[i], limit)
		}
	}
	if err := p.Restore(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, key); err != nil {
		t.Fatalf("Get after the stall: %v", err)
	}
}
