// Package cache is the small key-value contract that the cache-backed
// session engines (store/cachestore, store/cacheddb) need, in the spirit of
// database/sql/driver: seven operations on opaque bytes with a time to live,
// and a few sentinel errors. Backends live in subpackages:
// cache/rediscache (Redis, Redis Cluster, Sentinel) and cache/memcache
// (a ring of memcached servers), and cache/memorycache (in-process, for
// tests and examples). cache/cachetest checks that a backend keeps the
// contract.
//
// The contract is the intersection of what Redis and memcached do in one
// round trip each, which is what lets a session engine load or save a
// session in one round trip:
//
//	Get      GET                   get
//	Set      SET PX                set
//	Add      SET PX NX             add       (collision-safe create)
//	Replace  SET PX XX             replace   (update that never resurrects)
//	Delete   DEL                   delete
//
// and two compare-and-swap operations, for saves that must not lose a
// concurrent writer's update and for leases that only their holder ends
// (one round trip on Redis, two on memcached):
//
//	CompareAndSwap    a script: GET, compare, SET PX     gets, compare, cas
//	CompareAndDelete  a script: GET, compare, DEL        gets, compare, cas with an expiry in the past
//
// A cache may drop any entry at any time (eviction, restart, failover): it
// is never the only copy of data that must not be lost.
package cache

import (
	"context"
	"errors"
	"time"
)

// Cache is a shared key-value cache with expiring entries.
//
// Keys are byte strings that a backend may restrict (memcached: at most
// 250 bytes, no spaces or control characters); a key the backend cannot
// store is an error wrapping ErrInvalidKey, never a silent miss. Values
// are opaque bytes; the caller must not modify a slice it passed to Set,
// Add or Replace until the call returns, and may keep and modify the slice
// Get returns.
//
// ttl is how long the entry lives. It must be positive: a non-positive ttl
// is an error wrapping ErrInvalidTTL (sessions always expire, and a zero
// that silently meant "forever" would be a leak). Backends round ttl up to
// their resolution (Redis: a millisecond, memcached: a second), never down.
//
// Every method honours ctx as far as the backend's client can, and
// implementations must be safe for concurrent use.
type Cache interface {
	// Get returns the value stored under key, or an error wrapping ErrMiss
	// when there is none (never stored, expired, evicted or deleted).
	Get(ctx context.Context, key string) ([]byte, error)

	// Set stores value under key, whether or not the key is present.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error

	// Add stores value under key only if the key is absent, atomically. If
	// it is present, Add stores nothing and returns an error wrapping
	// ErrNotStored.
	Add(ctx context.Context, key string, value []byte, ttl time.Duration) error

	// Replace stores value under key only if the key is present,
	// atomically. If it is absent, Replace stores nothing and returns an
	// error wrapping ErrMiss.
	Replace(ctx context.Context, key string, value []byte, ttl time.Duration) error

	// Delete removes key. A missing key is not an error.
	Delete(ctx context.Context, key string) error

	// CompareAndSwap stores value under key only if the key holds old,
	// byte for byte, atomically: no other write to key lands between the
	// comparison and the store. It returns an error wrapping ErrMiss if
	// the key is absent and one wrapping ErrConflict if it holds anything
	// else; either way it stores nothing.
	CompareAndSwap(ctx context.Context, key string, old, value []byte, ttl time.Duration) error

	// CompareAndDelete removes key only if it holds old, byte for byte,
	// atomically. It returns an error wrapping ErrMiss if the key is
	// absent and one wrapping ErrConflict if it holds anything else;
	// either way it removes nothing.
	CompareAndDelete(ctx context.Context, key string, old []byte) error
}

// Sentinel errors of the contract. Backends wrap them with %w; callers match
// them with errors.Is.
var (
	// ErrMiss: no entry under the key (Get, Replace, CompareAndSwap,
	// CompareAndDelete).
	ErrMiss = errors.New("cache: miss")
	// ErrConflict: CompareAndSwap or CompareAndDelete found the key
	// holding another value than the caller's old one, and changed nothing.
	ErrConflict = errors.New("cache: conflict: the key holds another value")
	// ErrNotStored: Add found the key already present and stored nothing.
	ErrNotStored = errors.New("cache: not stored: key already present")
	// ErrInvalidKey: the backend cannot store this key (too long, forbidden
	// characters). Shorten the key or hash it.
	ErrInvalidKey = errors.New("cache: invalid key")
	// ErrInvalidTTL: the ttl is not positive.
	ErrInvalidTTL = errors.New("cache: invalid ttl: it must be positive")
)
