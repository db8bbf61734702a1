package memorycache_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/cache/cachetest"
	"github.com/sessionkit/sessionkit/cache/memorycache"
)

func TestConformance(t *testing.T) {
	c := memorycache.New(memorycache.Config{})
	cachetest.Run(t, func(*testing.T) cache.Cache { return c }, cachetest.Options{Resolution: 50 * time.Millisecond})
}

// clock is a manual clock for expiry tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestExpiryUsesClock(t *testing.T) {
	clk := &clock{now: time.Unix(1700000000, 0)}
	c := memorycache.New(memorycache.Config{Now: clk.Now})
	ctx := context.Background()
	if err := c.Set(ctx, "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	clk.advance(time.Minute - time.Nanosecond)
	if _, err := c.Get(ctx, "k"); err != nil {
		t.Fatalf("Get just before expiry: %v", err)
	}
	clk.advance(time.Nanosecond)
	if _, err := c.Get(ctx, "k"); !errors.Is(err, cache.ErrMiss) {
		t.Fatalf("Get at expiry = %v, want ErrMiss", err)
	}
	if c.Len() != 0 {
		t.Fatalf("Len after an expired Get = %d, want 0", c.Len())
	}
}

func TestMaxEntriesEvicts(t *testing.T) {
	clk := &clock{now: time.Unix(1700000000, 0)}
	c := memorycache.New(memorycache.Config{MaxEntries: 200, Now: clk.Now})
	ctx := context.Background()
	for i := range 100 {
		if err := c.Set(ctx, fmt.Sprint("old", i), []byte("v"), time.Second); err != nil {
			t.Fatal(err)
		}
	}
	clk.advance(2 * time.Second) // the first 100 expire
	for i := range 1000 {
		if err := c.Set(ctx, fmt.Sprint("new", i), []byte("v"), time.Hour); err != nil {
			t.Fatal(err)
		}
		if n := c.Len(); n > 200 {
			t.Fatalf("Len = %d after %d inserts, want at most MaxEntries 200", n, i+1)
		}
	}
	if _, err := c.Get(ctx, "new999"); err != nil {
		t.Fatalf("the newest entry was evicted: %v", err)
	}
}
