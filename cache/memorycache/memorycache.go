// Package memorycache is an in-process cache.Cache: a map with expiring
// entries, like Django's LocMemCache. It is for tests, examples and single-
// process development; it is not shared between processes, so it cannot
// back sessions of an application running on several servers.
package memorycache

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/sessionkit/sessionkit/cache"
)

// Config configures a Cache. The zero value is ready to use.
type Config struct {
	// MaxEntries bounds the number of entries; when it is reached, expired
	// entries are removed and then arbitrary live ones are evicted, as a
	// real cache would. Default 100000.
	MaxEntries int
	// Now is the clock used for expiry. Default time.Now.
	Now func() time.Time
}

// Cache is an in-process cache.Cache. Its methods are safe for concurrent
// use.
type Cache struct {
	max int
	now func() time.Time

	mu      sync.Mutex
	entries map[string]entry
}

type entry struct {
	value  []byte
	expiry time.Time
}

var _ cache.Cache = (*Cache)(nil)

// New returns an empty Cache.
func New(cfg Config) *Cache {
	c := &Cache{max: cfg.MaxEntries, now: cfg.Now, entries: make(map[string]entry)}
	if c.max <= 0 {
		c.max = 100000
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// Len reports how many entries the cache holds, counting expired entries not
// removed yet.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// Get implements cache.Cache.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memorycache: get: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.live(key)
	if !ok {
		return nil, cache.ErrMiss
	}
	return append([]byte(nil), e.value...), nil
}

// Set implements cache.Cache.
func (c *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return c.store(ctx, "set", key, value, ttl, func(bool) error { return nil })
}

// Add implements cache.Cache.
func (c *Cache) Add(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return c.store(ctx, "add", key, value, ttl, func(present bool) error {
		if present {
			return cache.ErrNotStored
		}
		return nil
	})
}

// Replace implements cache.Cache.
func (c *Cache) Replace(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return c.store(ctx, "replace", key, value, ttl, func(present bool) error {
		if !present {
			return cache.ErrMiss
		}
		return nil
	})
}

// Delete implements cache.Cache.
func (c *Cache) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memorycache: delete: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
	return nil
}

// CompareAndSwap implements cache.Cache under the cache's mutex.
func (c *Cache) CompareAndSwap(ctx context.Context, key string, old, value []byte, ttl time.Duration) error {
	return c.store(ctx, "compare-and-swap", key, value, ttl, func(present bool) error {
		if !present {
			return cache.ErrMiss
		}
		if !bytes.Equal(c.entries[key].value, old) {
			return cache.ErrConflict
		}
		return nil
	})
}

// CompareAndDelete implements cache.Cache under the cache's mutex.
func (c *Cache) CompareAndDelete(ctx context.Context, key string, old []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memorycache: compare-and-delete: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.live(key)
	if !ok {
		return cache.ErrMiss
	}
	if !bytes.Equal(e.value, old) {
		return cache.ErrConflict
	}
	delete(c.entries, key)
	return nil
}

func (c *Cache) store(ctx context.Context, op, key string, value []byte, ttl time.Duration, allow func(present bool) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memorycache: %s: %w", op, err)
	}
	if ttl <= 0 {
		return fmt.Errorf("memorycache: %s: %w (got %v)", op, cache.ErrInvalidTTL, ttl)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	_, present := c.live(key)
	if err := allow(present); err != nil {
		return err
	}
	if !present && len(c.entries) >= c.max {
		c.evict()
	}
	c.entries[key] = entry{value: append([]byte(nil), value...), expiry: c.now().Add(ttl)}
	return nil
}

// live returns the entry under key if it has not expired, removing it if it
// has. c.mu must be held.
func (c *Cache) live(key string) (entry, bool) {
	e, ok := c.entries[key]
	if !ok {
		return entry{}, false
	}
	if !c.now().Before(e.expiry) {
		delete(c.entries, key)
		return entry{}, false
	}
	return e, true
}

// evict makes room: it removes expired entries and, if that is not enough,
// about 1% of the live ones (whatever map iteration yields first), so that a
// full cache pays for a scan once per hundred inserts, not on every one.
// c.mu must be held.
func (c *Cache) evict() {
	now := c.now()
	for k, e := range c.entries {
		if !now.Before(e.expiry) {
			delete(c.entries, k)
		}
	}
	target := c.max - c.max/100 - 1
	for k := range c.entries {
		if len(c.entries) <= target {
			return
		}
		delete(c.entries, k)
	}
}
