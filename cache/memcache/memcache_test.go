package memcache_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/cache/cachetest"
	"github.com/sessionkit/sessionkit/cache/memcache"
	"github.com/sessionkit/sessionkit/internal/faultproxy"
	"github.com/sessionkit/sessionkit/internal/testenv"
)

func newCache(t *testing.T, cfg memcache.Config) *memcache.Cache {
	t.Helper()
	c, err := memcache.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

var invalidKeys = []string{
	"",
	strings.Repeat("k", 251),
	"with space",
	"with\nnewline",
	"with\rreturn",
	"tab\there",
	"nul\x00",
	"del\x7f",
}

// The conformance tests use a generous timeout: the race detector on a
// loaded 2-core machine.
func TestConformanceRing(t *testing.T) {
	c := newCache(t, memcache.Config{Servers: testenv.MemcachedAddrs(t), Timeout: 2 * time.Second})
	cachetest.Run(t, func(*testing.T) cache.Cache { return c }, cachetest.Options{InvalidKeys: invalidKeys})
}

func TestConformanceOneServer(t *testing.T) {
	c := newCache(t, memcache.Config{Servers: testenv.MemcachedAddrs(t)[:1], Timeout: 2 * time.Second})
	cachetest.Run(t, func(*testing.T) cache.Cache { return c }, cachetest.Options{InvalidKeys: invalidKeys})
}

func TestKeysSpreadOverServers(t *testing.T) {
	addrs := testenv.MemcachedAddrs(t)
	ring := newCache(t, memcache.Config{Servers: addrs})
	ctx := context.Background()
	// Talk to each server alone to see where the ring put the keys.
	direct := map[string]*memcache.Cache{}
	for _, a := range addrs {
		direct[a] = newCache(t, memcache.Config{Servers: []string{a}})
	}
	per := map[string]int{}
	prefix := fmt.Sprintf("spread:%d:", time.Now().UnixNano())
	for i := range 200 {
		key := fmt.Sprint(prefix, i)
		if err := ring.Set(ctx, key, []byte("v"), time.Minute); err != nil {
			t.Fatal(err)
		}
		owner := ring.Ring().Owner(key)
		if _, err := direct[owner].Get(ctx, key); err != nil {
			t.Fatalf("key %s is not on its owner %s: %v", key, owner, err)
		}
		for a, d := range direct {
			if a == owner {
				continue
			}
			if _, err := d.Get(ctx, key); !errors.Is(err, cache.ErrMiss) {
				t.Fatalf("key %s is also on %s (owner %s): %v", key, a, owner, err)
			}
		}
		per[owner]++
		ring.Delete(ctx, key)
	}
	for _, a := range addrs {
		if per[a] < 60 {
			t.Errorf("server %s got %d of 200 keys: %v", a, per[a], per)
		}
	}
}

func TestTimeoutBoundsFaults(t *testing.T) {
	addr := testenv.MemcachedAddrs(t)[0]
	p, err := faultproxy.Start(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	const timeout = 200 * time.Millisecond
	c := newCache(t, memcache.Config{Servers: []string{p.Addr()}, Timeout: timeout})
	ctx := context.Background()
	key := fmt.Sprintf("fault:%d", time.Now().UnixNano())
	if err := c.Set(ctx, key, []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, fault := range []struct {
		name  string
		apply func()
	}{
		{"stall", p.Stall},
		{"refuse", func() { p.Refuse(); p.DropAll() }},
	} {
		t.Run(fault.name, func(t *testing.T) {
			fault.apply()
			defer p.Restore()
			for name, op := range map[string]func() error{
				"Get":     func() error { _, err := c.Get(ctx, key); return err },
				"Set":     func() error { return c.Set(ctx, key, []byte("v"), time.Minute) },
				"Add":     func() error { return c.Add(ctx, key+"x", []byte("v"), time.Minute) },
				"Replace": func() error { return c.Replace(ctx, key, []byte("v"), time.Minute) },
				"Delete":  func() error { return c.Delete(ctx, key+"y") },
			} {
				t0 := time.Now()
				err := op()
				// Slack for a loaded CI machine; a hang would be seconds.
				if d := time.Since(t0); d > 2*timeout+time.Second {
					t.Errorf("%s took %v with the server %s, want about %v", name, d, fault.name, timeout)
				}
				if err == nil || errors.Is(err, cache.ErrMiss) || errors.Is(err, cache.ErrNotStored) {
					t.Errorf("%s with the server %s = %v, want a failure", name, fault.name, err)
				} else if !strings.Contains(err.Error(), p.Addr()) {
					t.Errorf("%s error %q does not name the server", name, err)
				}
			}
		})
	}
	p.Restore()
	deadline := time.Now().Add(3 * time.Second)
	for {
		v, err := c.Get(ctx, key)
		if err == nil && string(v) == "v" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Get after Restore = %q, %v", v, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.Delete(ctx, key)
}

func TestParseURL(t *testing.T) {
	cfg, err := memcache.ParseURL("memcached://10.0.0.1:11211,cache2,[::1]:11300?timeout=250ms&max_idle_conns=16")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.Servers, " "); got != "10.0.0.1:11211 cache2:11211 [::1]:11300" {
		t.Errorf("Servers = %s", got)
	}
	if cfg.Timeout != 250*time.Millisecond || cfg.MaxIdleConns != 16 {
		t.Errorf("Timeout, MaxIdleConns = %v, %d", cfg.Timeout, cfg.MaxIdleConns)
	}
	for _, bad := range []string{
		"redis://h:1", "memcached://", "memcached://h:1,,h:2", "memcached://h:1?timeout=x",
		"memcached://h:1?max_idle_conns=0", "memcached://h:1?nope=1", "memcached://u@h:1", "memcached://h:1/path",
		"memcached://h:1,h:1",
	} {
		cfg, err := memcache.ParseURL(bad)
		if err == nil {
			_, err = memcache.New(cfg)
		}
		if err == nil {
			t.Errorf("ParseURL(%q) and New succeeded", bad)
		}
	}
}

func TestValidKey(t *testing.T) {
	for _, k := range invalidKeys {
		if err := memcache.ValidKey(k); !errors.Is(err, cache.ErrInvalidKey) {
			t.Errorf("ValidKey(%q) = %v", k, err)
		}
	}
	for _, k := range []string{"a", strings.Repeat("k", 250), "django.contrib.sessions.cache0123456789abcdefghijklmnopqrstuv", "ключ"} {
		if err := memcache.ValidKey(k); err != nil {
			t.Errorf("ValidKey(%q) = %v", k, err)
		}
	}
}

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"memcached://a:1,b", "memcached://[::1]:2?timeout=1s", "memcached://,", "memcached://[::1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cfg, err := memcache.ParseURL(s)
		if err != nil {
			if !errors.Is(err, memcache.ErrBadURL) {
				t.Fatalf("error %v does not wrap ErrBadURL", err)
			}
			return
		}
		if len(cfg.Servers) == 0 {
			t.Fatalf("ParseURL(%q) gave no servers", s)
		}
	})
}

// TestFlags: every write stores Config.Flags (a compare-and-swap too, over
// an item stored with other flags) and GetFlags reads them back; the
// conformance suite holds with flags set.
func TestFlags(t *testing.T) {
	addr := testenv.MemcachedAddrs(t)[:1]
	c := newCache(t, memcache.Config{Servers: addr, Timeout: 2 * time.Second, Flags: memcache.FlagPickle})
	plain := newCache(t, memcache.Config{Servers: addr, Timeout: 2 * time.Second})
	ctx := context.Background()
	key := fmt.Sprintf("memcache-test:flags:%d", time.Now().UnixNano())
	t.Cleanup(func() { c.Delete(ctx, key) })
	check := func(who *memcache.Cache, want uint32, wantV string) {
		t.Helper()
		v, f, err := who.GetFlags(ctx, key)
		if err != nil || f != want || string(v) != wantV {
			t.Fatalf("GetFlags = %q, %d, %v; want %q, %d", v, f, err, wantV, want)
		}
	}
	if err := c.Set(ctx, key, []byte("a"), time.Minute); err != nil {
		t.Fatal(err)
	}
	check(plain, memcache.FlagPickle, "a")
	if err := plain.Replace(ctx, key, []byte("b"), time.Minute); err != nil {
		t.Fatal(err)
	}
	check(c, 0, "b")
	if err := c.CompareAndSwap(ctx, key, []byte("b"), []byte("c"), time.Minute); err != nil {
		t.Fatal(err)
	}
	check(plain, memcache.FlagPickle, "c")
	if _, _, err := c.GetFlags(ctx, key+"-missing"); !errors.Is(err, cache.ErrMiss) {
		t.Fatalf("GetFlags of a missing key = %v, want ErrMiss", err)
	}
	cachetest.Run(t, func(*testing.T) cache.Cache { return c }, cachetest.Options{InvalidKeys: invalidKeys})
}
