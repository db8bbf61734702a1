// Package cachetest checks that a cache.Cache keeps the contract, in the
// spirit of testing/fstest: a backend's tests call Run with a factory, and
// every backend (Redis, Redis Cluster, memcached, a third party's) is held
// to the same behaviour:
//
//	func TestConformance(t *testing.T) {
//		c := mycache.New(mycache.Config{})
//		cachetest.Run(t, func(*testing.T) cache.Cache { return c }, cachetest.Options{
//			Resolution: time.Millisecond,
//		})
//	}
package cachetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/cache"
)

// Options tunes Run for a backend.
type Options struct {
	// Resolution is the backend's expiry resolution: ttl is rounded up to a
	// multiple of it and an entry may live up to one Resolution longer.
	// The expiry test waits about 2×Resolution. Default one second
	// (memcached); Redis can use a millisecond.
	Resolution time.Duration
	// MaxValue is the largest value the test stores. Default 256 KiB.
	MaxValue int
	// InvalidKeys are keys the backend must refuse with an error wrapping
	// cache.ErrInvalidKey (memcached: longer than 250 bytes, a space, a
	// control character). Default none.
	InvalidKeys []string
}

// Run runs the conformance tests as subtests of t. newCache returns the
// cache under test; it may return the same cache every time. Run uses keys
// that start with "cachetest:" and a random part, so it can share a server
// with other tests.
func Run(t *testing.T, newCache func(t *testing.T) cache.Cache, opts Options) {
	if opts.Resolution <= 0 {
		opts.Resolution = time.Second
	}
	if opts.MaxValue <= 0 {
		opts.MaxValue = 256 << 10
	}
	s := &suite{newCache: newCache, opts: opts}
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, c cache.Cache, k keys)
	}{
		{"GetMiss", s.getMiss},
		{"SetGet", s.setGet},
		{"SetOverwrites", s.setOverwrites},
		{"BinaryValues", s.binaryValues},
		{"LargeValue", s.largeValue},
		{"GetReturnsCopy", s.getReturnsCopy},
		{"AddAbsent", s.addAbsent},
		{"AddPresent", s.addPresent},
		{"AddRace", s.addRace},
		{"ReplaceAbsent", s.replaceAbsent},
		{"ReplacePresent", s.replacePresent},
		{"CompareAndSwapAbsent", s.casAbsent},
		{"CompareAndSwapMatch", s.casMatch},
		{"CompareAndSwapMismatch", s.casMismatch},
		{"CompareAndSwapRace", s.casRace},
		{"CompareAndDelete", s.compareAndDelete},
		{"CompareAndDeleteRace", s.cadRace},
		{"Delete", s.delete},
		{"DeleteMissing", s.deleteMissing},
		{"InvalidTTL", s.invalidTTL},
		{"LongTTL", s.longTTL},
		{"Expiry", s.expiry},
		{"CanceledContext", s.canceledContext},
		{"InvalidKeys", s.invalidKeys},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCache(t)
			tc.fn(t, c, newKeys(t))
		})
	}
}

type suite struct {
	newCache func(t *testing.T) cache.Cache
	opts     Options
}

// keys makes keys unique to one subtest run.
type keys string

func newKeys(t *testing.T) keys {
	var b [6]byte
	rand.Read(b[:])
	return keys("cachetest:" + hex.EncodeToString(b[:]) + ":")
}

func (k keys) key(name string) string { return string(k) + name }

const hour = time.Hour

func mustGet(t *testing.T, c cache.Cache, key string, want []byte) {
	t.Helper()
	got, err := c.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q) = error %v, want %q", key, err, want)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Get(%q) = %q, want %q", key, got, want)
	}
}

func mustMiss(t *testing.T, c cache.Cache, key string) {
	t.Helper()
	got, err := c.Get(context.Background(), key)
	if !errors.Is(err, cache.ErrMiss) {
		t.Fatalf("Get(%q) = %q, %v; want an error wrapping cache.ErrMiss", key, got, err)
	}
}

func (s *suite) getMiss(t *testing.T, c cache.Cache, k keys) {
	mustMiss(t, c, k.key("never-stored"))
}

func (s *suite) setGet(t *testing.T, c cache.Cache, k keys) {
	ctx := context.Background()
	if err := c.Set(ctx, k.key("a"), []byte("value a"), hour); err != nil {
		t.Fatalf("Set: %v", err)
	}
	mustGet(t, c, k.key("a"), []byte("value a"))
	mustMiss(t, c, k.key("b"))
}

func (s *suite) setOverwrites(t *testing.T, c cache.Cache, k keys) {
	ctx := context.Background()
	for _, v := range []string{"first", "second, longer than the first", "3"} {
		if err := c.Set(ctx, k.key("a"), []byte(v), hour); err != nil {
			t.Fatalf("Set(%q): %v", v, err)
		}
		mustGet(t, c, k.key("a"), []byte(v))
	}
}

func (s *suite) binaryValues(t *testing.T, c cache.Cache, k keys) {
	ctx := context.Background()
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	for name, v := range map[string][]byte{
		"empty":    {},
		"crlf":     []byte("a\r\nEND\r\nb\r\n"),
		"nul":      {0, 0, 0},
		"allbytes": all,
		"resp":     []byte("$-1\r\n*2\r\n+OK\r\n"),
	} {
		if err := c.Set(ctx, k.key(name), v, hour); err != nil {
			t.Fatalf("Set(%s): %v", name, err)
		}
		got, err := c.Get(ctx, k.key(name))
		if err != nil || !bytes.Equal(got, v) {
			t.Fatalf("Get(%s) = %q, %v; want %q", name, got, err, v)
		}
	}
}

func (s *suite) largeValue(t *testing.T, c cache.Cache, k keys) {
	v := make([]byte, s.opts.MaxValue)
	rand.Read(v)
	if err := c.Set(context.Background(), k.key("large"), v, hour); err != nil {
		t.Fatalf("Set of %d bytes: %v", len(v), err)
	}
	mustGet(t, c, k.key("large"), v)
}

func (s *suite) getReturnsCopy(t *testing.T, c cache.Cache, k keys) {
	ctx := context.Background()
	in := []byte("original")
	if err := c.Set(ctx, k.key("a"), in, hour); err != nil {
		t.Fatal(err)
	}
	copy(in, "XXXXXXXX") // the caller may reuse its buffer after Set
	got, err := c.Get(ctx, k.key("a"))
	if err != nil {
		t.Fatal(err)
	}
	copy(got, "YYYYYYYY") // and may modify what Get returned
	mustGet(t, c, k.key("a"), []byte("original"))
}

func (s *suite) addAbsent(t *testing.T, c cache.Cache, k keys) {
	if err := c.Add(context.Background(), k.key("a"), []byte("added"), hour); err != nil {
		t.Fatalf("Add of an absent key: %v", err)
	}
	mustGet(t, c, k.key("a"), []byte("added"))
}

func (s *suite) addPresent(t *testing.T, c cache.Cache, k keys) {
	ctx := context.Background()
	if err := c.Set(ctx, k.key("a"), []byte("first"), hour); err != nil {
		t.Fatal(err)
	}
	err := c.Add(ctx, k.key("a"), []byte("second"), hour)
	if !errors.Is(err, cache.ErrNotStored) {
		t.Fatalf("Add of a present key = %v, want an error wrapping cache.ErrNotStored", err)
	}
	mustGet(t, c, k.key("a"), []byte("first"))
}

func (s *suite) addRace(t *testing.T, c cache.Cache, k keys) {
	const n = 16
	var won atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			err := c.Add(context.Background(), k.key("race"), []byte{byte('a' + i)}, hour)
			switch {
			case err == nil:
				won.Add(1)
			case !errors.Is(err, cache.ErrNotStored):
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Add: %v", err)
	}
	if w := won.Load(); w != 1 {
		t.Fatalf("%d of %d concurrent Adds of one key succeeded, want exactly 1", w, n)
	}
}

func (s *suite) replaceAbsent(t *testing.T, c cache.Cache, k keys) {
	err := c.Replace(context.Background(), k.key("a"), []byte("v"), hour)
	if !errors.Is(err, cache.ErrMiss) {
		t.Fatalf("Replace of an absent key = %v, want an error wrapping cache.ErrMiss", err)
	}
	mustMiss(t, c, k.key("a"))
}

func (s *suite) replacePresent(t *testing.T, c cache.Cache, k keys) {
	ctx := context.Background()
	if err := c.Set(ctx, k.key("a"), []byte("old"), hour); err != nil {
		t.Fatal(err)
	}
	if err := c.Replace(ctx, k.key("a"), []byte("new"), hour); err != nil {
		t.Fatalf("Replace of a present key: %v", err)
	}
	mustGet(t, c, k.key("a"), []byte("new"))
	// Replace after Delete must not resurrect the entry.
	if err := c.Delete(ctx, k.key("a")); err != nil {
		t.Fatal(err)
	}
	if err := c.Replace(ctx, k.key("a"), []byte("newer"), hour); !errors.Is(err, cache.ErrMiss) {
		t.Fatalf("Replace after Delete = %v, want an error wrapping cache.ErrMiss", err)
	}
	mustMiss(t, c, k.key("a"))
}

func (s *suite) casAbsent(t *testing.T, c cache.Cache, k keys) {
	err := c.CompareAndSwap(context.Background(), k.key("a"), []byte("old"), []byte("new"), hour)
	if !errors.Is(err, cache.ErrMiss) {
		t.Fatalf("CompareAndSwap of an absent key = %v, want an error wrapping cache.ErrMiss", err)
	}
	mustMiss(t, c, k.key("a"))
	// An empty old value is a value, not "absent".
	err = c.CompareAndSwap(context.Background(), k.key("a"), nil, []byte("new"), hour)
	if !errors.Is(err, cache.ErrMiss) {
		t.Fatalf("CompareAndSwap of an absent key with an empty old value = %v, want an error wrapping cache.ErrMiss", err)
	}
	mustMiss(t, c, k.key("a"))
}

func (s *suite) casMatch(t *testing.T, c cache.Cache, k keys) {
	ctx := context.Background()
	old := []byte("old\r\nEND\r\n\x00\xff")
	if err := c.Set(ctx, k.key("a"), old, hour); err != nil {
		t.Fatal(err)
	}
	if err := c.CompareAndSwap(ctx, k.key("a"), old, []byte("new"), hour); err != nil {
		t.Fatalf("CompareAndSwap of a key holding old: %v", err)
	}
	mustGet(t, c, k.key("a"), []byte("new"))
	if err := c.CompareAndSwap(ctx, k.key("a"), []byte("new"), []byte{}, hour); err != nil {
		t.Fatalf("CompareAndSwap to an empty value: %v", err)
	}
	mustGet(t, c, k.key("a"), []byte{})
	if err := c.CompareAndSwap(ctx, k.key("a"), []byte{}, []byte("again"), hour); err != nil {
		t.Fatalf("CompareAndSwap from an empty value: %v", err)
	}
	mustGet(t, c, k.key("a"), []byte("again"))
}

func (s *suite) casMismatch(t *testing.T, c cache.Cache, k keys) {
	ctx := context.Background()
	if err := c.Set(ctx, k.key("a"), []byte("current"), hour); err != nil {
		t.Fatal(err)
	}
	for _, old := range []string{"curren", "current ", "other", ""} {
		err := c.CompareAndSwap(ctx, k.key("a"), []byte(old), []byte("new"), hour)
		if !errors.Is(err, cache.ErrConflict) {
			t.Fatalf("CompareAndSwap with old %q of a key holding %q = %v, want an error wrapping cache.ErrConflict", old, "current", err)
		}
	}
	mustGet(t, c, k.key("a"), []byte("current"))
}

// casRace increments a counter from many goroutines by CompareAndSwap,
// retrying on conflict: with an atomic swap no increment is lost.
func (s *suite) casRace(t *testing.T, c cache.Cache, k keys) {
	ctx := context.Background()
	key := k.key("counter")
	if err := c.Set(ctx, key, []byte("0"), hour); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 10
	var conflicts atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for range each {
				for {
					v, err := c.Get(ctx, key)
					if err != nil {
						errs <- err
						return
					}
					n, _ := strconv.Atoi(string(v))
					err = c.CompareAndSwap(ctx, key, v, []byte(strconv.Itoa(n+1)), hour)
					if err == nil {
						break
					}
					if !errors.Is(err, cache.ErrConflict) {
						errs <- err
						return
					}
					conflicts.Add(1)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("CompareAndSwap: %v", err)
	}
	mustGet(t, c, key, []byte(strconv.Itoa(workers*each)))
	t.Logf("%d increments, %d conflicts", workers*each, conflicts.Load())
}

func (s *suite) compareAndDelete(t *testing.T, c cache.Cache, k keys) {
	ctx := context.Background()
	if err := c.CompareAndDelete(ctx, k.key("a"), []byte("v")); !errors.Is(err, cache.ErrMiss) {
		t.Fatalf("CompareAndDelete of an absent key = %v, want an error wrapping cache.ErrMiss", err)
	}
	if err := c.Set(ctx, k.key("a"), []byte("mine"), hour); err != nil {
		t.Fatal(err)
	}
	if err := c.CompareAndDelete(ctx, k.key("a"), []byte("yours")); !errors.Is(err, cache.ErrConflict) {
		t.Fatalf("CompareAndDelete with another value = %v, want an error wrapping cache.ErrConflict", err)
	}
	mustGet(t, c, k.key("a"), []byte("mine"))
	if err := c.CompareAndDelete(ctx, k.key("a"), []byte("mine")); err != nil {
		t.Fatalf("CompareAndDelete with the stored value: %v", err)
	}
	mustMiss(t, c, k.key("a"))
	// The key is free at once: Add takes it and Replace does not see it.
	if err := c.Replace(ctx, k.key("a"), []byte("r"), hour); !errors.Is(err, cache.ErrMiss) {
		t.Fatalf("Replace after CompareAndDelete = %v, want an error wrapping cache.ErrMiss", err)
	}
	if err := c.Add(ctx, k.key("a"), []byte("next"), hour); err != nil {
		t.Fatalf("Add after CompareAndDelete: %v", err)
	}
	mustGet(t, c, k.key("a"), []byte("next"))
}

// cadRace has many goroutines delete one value: exactly one succeeds.
func (s *suite) cadRace(t *testing.T, c cache.Cache, k keys) {
	ctx := context.Background()
	if err := c.Set(ctx, k.key("a"), []byte("lease"), hour); err != nil {
		t.Fatal(err)
	}
	const n = 16
	var won atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			err := c.CompareAndDelete(ctx, k.key("a"), []byte("lease"))
			switch {
			case err == nil:
				won.Add(1)
			case !errors.Is(err, cache.ErrMiss) && !errors.Is(err, cache.ErrConflict):
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("CompareAndDelete: %v", err)
	}
	if w := won.Load(); w != 1 {
		t.Fatalf("%d of %d concurrent CompareAndDeletes of one value succeeded, want exactly 1", w, n)
	}
	mustMiss(t, c, k.key("a"))
}

func (s *suite) delete(t *testing.T, c cache.Cache, k keys) {
	ctx := context.Background()
	if err := c.Set(ctx, k.key("a"), []byte("v"), hour); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, k.key("b"), []byte("w"), hour); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, k.key("a")); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	mustMiss(t, c, k.key("a"))
	mustGet(t, c, k.key("b"), []byte("w"))
}

func (s *suite) deleteMissing(t *testing.T, c cache.Cache, k keys) {
	if err := c.Delete(context.Background(), k.key("never-stored")); err != nil {
		t.Fatalf("Delete of a missing key = %v, want nil", err)
	}
}

func (s *suite) invalidTTL(t *testing.T, c cache.Cache, k keys) {
	ctx := context.Background()
	if err := c.Set(ctx, k.key("present"), []byte("v"), hour); err != nil {
		t.Fatal(err)
	}
	for _, ttl := range []time.Duration{0, -time.Second} {
		ops := map[string]func(key string) error{
			"Set":     func(key string) error { return c.Set(ctx, key, []byte("x"), ttl) },
			"Add":     func(key string) error { return c.Add(ctx, key, []byte("x"), ttl) },
			"Replace": func(key string) error { return c.Replace(ctx, key, []byte("x"), ttl) },
			"CompareAndSwap": func(key string) error {
				return c.CompareAndSwap(ctx, key, []byte("v"), []byte("x"), ttl)
			},
		}
		for name, op := range ops {
			if err := op(k.key("absent")); !errors.Is(err, cache.ErrInvalidTTL) {
				t.Errorf("%s with ttl %v = %v, want an error wrapping cache.ErrInvalidTTL", name, ttl, err)
			}
			if err := op(k.key("present")); !errors.Is(err, cache.ErrInvalidTTL) {
				t.Errorf("%s of a present key with ttl %v = %v, want an error wrapping cache.ErrInvalidTTL", name, ttl, err)
			}
		}
	}
	mustMiss(t, c, k.key("absent"))
	mustGet(t, c, k.key("present"), []byte("v"))
}

func (s *suite) longTTL(t *testing.T, c cache.Cache, k keys) {
	// Longer than memcached's 30-day limit for relative expiry times: a
	// backend that passed it through would store an entry that expired in
	// 1970.
	ctx := context.Background()
	if err := c.Set(ctx, k.key("a"), []byte("v"), 40*24*time.Hour); err != nil {
		t.Fatalf("Set with a 40-day ttl: %v", err)
	}
	mustGet(t, c, k.key("a"), []byte("v"))
	if err := c.Replace(ctx, k.key("a"), []byte("w"), 365*24*time.Hour); err != nil {
		t.Fatalf("Replace with a one-year ttl: %v", err)
	}
	mustGet(t, c, k.key("a"), []byte("w"))
}

func (s *suite) expiry(t *testing.T, c cache.Cache, k keys) {
	ctx := context.Background()
	res := s.opts.Resolution
	// A ttl shorter than the resolution is rounded up, never down to
	// "already expired" or "never expires".
	if err := c.Set(ctx, k.key("short"), []byte("v"), res/2); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if err := c.Set(ctx, k.key("long"), []byte("v"), hour); err != nil {
		t.Fatalf("Set: %v", err)
	}
	// CompareAndSwap sets the new value's ttl.
	if err := c.Set(ctx, k.key("swapped"), []byte("v"), hour); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if err := c.CompareAndSwap(ctx, k.key("swapped"), []byte("v"), []byte("w"), res/2); err != nil {
		t.Fatalf("CompareAndSwap: %v", err)
	}
	mustGet(t, c, k.key("short"), []byte("v"))
	deadline := time.Now().Add(3*res + 2*time.Second)
	for _, key := range []string{"short", "swapped"} {
		for {
			_, err := c.Get(ctx, k.key(key))
			if errors.Is(err, cache.ErrMiss) {
				break
			}
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if time.Now().After(deadline) {
				t.Fatalf("the %s entry, with ttl %v, is still there after %v", key, res/2, 3*res+2*time.Second)
			}
			time.Sleep(res / 4)
		}
	}
	mustGet(t, c, k.key("long"), []byte("v"))
	// An expired key is absent for Add and Replace too.
	if err := c.Replace(ctx, k.key("short"), []byte("w"), hour); !errors.Is(err, cache.ErrMiss) {
		t.Fatalf("Replace of an expired key = %v, want an error wrapping cache.ErrMiss", err)
	}
	if err := c.Add(ctx, k.key("short"), []byte("w"), hour); err != nil {
		t.Fatalf("Add of an expired key: %v", err)
	}
	mustGet(t, c, k.key("short"), []byte("w"))
}

func (s *suite) canceledContext(t *testing.T, c cache.Cache, k keys) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Get(ctx, k.key("a")); !errors.Is(err, context.Canceled) {
		t.Errorf("Get with a canceled context = %v, want an error wrapping context.Canceled", err)
	}
	if err := c.Set(ctx, k.key("a"), []byte("v"), hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Set with a canceled context = %v, want an error wrapping context.Canceled", err)
	}
	if err := c.Set(context.Background(), k.key("b"), []byte("v"), hour); err != nil {
		t.Fatal(err)
	}
	if err := c.CompareAndSwap(ctx, k.key("b"), []byte("v"), []byte("w"), hour); !errors.Is(err, context.Canceled) {
		t.Errorf("CompareAndSwap with a canceled context = %v, want an error wrapping context.Canceled", err)
	}
	if err := c.CompareAndDelete(ctx, k.key("b"), []byte("v")); !errors.Is(err, context.Canceled) {
		t.Errorf("CompareAndDelete with a canceled context = %v, want an error wrapping context.Canceled", err)
	}
	mustGet(t, c, k.key("b"), []byte("v"))
	mustMiss(t, c, k.key("a"))
}

func (s *suite) invalidKeys(t *testing.T, c cache.Cache, k keys) {
	ctx := context.Background()
	for _, key := range s.opts.InvalidKeys {
		if _, err := c.Get(ctx, key); !errors.Is(err, cache.ErrInvalidKey) {
			t.Errorf("Get(%q) = %v, want an error wrapping cache.ErrInvalidKey", key, err)
		}
		for name, err := range map[string]error{
			"Set":              c.Set(ctx, key, []byte("v"), hour),
			"Add":              c.Add(ctx, key, []byte("v"), hour),
			"Replace":          c.Replace(ctx, key, []byte("v"), hour),
			"Delete":           c.Delete(ctx, key),
			"CompareAndSwap":   c.CompareAndSwap(ctx, key, []byte("v"), []byte("w"), hour),
			"CompareAndDelete": c.CompareAndDelete(ctx, key, []byte("v")),
		} {
			if !errors.Is(err, cache.ErrInvalidKey) {
				t.Errorf("%s(%q) = %v, want an error wrapping cache.ErrInvalidKey", name, key, err)
			}
		}
	}
}
