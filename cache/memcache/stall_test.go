package memcache_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/cache/memcache"
	"github.com/sessionkit/sessionkit/internal/faultproxy"
	"github.com/sessionkit/sessionkit/internal/testenv"
)

// TestStallConcurrentBound: with the network to memcached cut, concurrent
// operations each fail within Config.Timeout + 10 % (plus a little slack
// for a loaded machine: a bound on a hang, not a speed measurement), and
// the cache works again once the network heals.
func TestStallConcurrentBound(t *testing.T) {
	p, err := faultproxy.Start(testenv.MemcachedAddrs(t)[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	const timeout = 500 * time.Millisecond
	c := newCache(t, memcache.Config{Servers: []string{p.Addr()}, Timeout: timeout})
	ctx := context.Background()
	key := fmt.Sprintf("stall:%d", time.Now().UnixNano())
	if err := c.Set(ctx, key, []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}

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
		if err == nil {
			t.Errorf("caller %d with memcached stalled: no error", i)
		}
		if limit := timeout + timeout/10 + 250*time.Millisecond; took[i] > limit {
			t.Errorf("caller %d took %v with memcached stalled; want at most %v", i, took[i], limit)
		}
	}
	if err := p.Restore(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		_, err := c.Get(ctx, key)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Get after the stall: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.Delete(ctx, key)
}
