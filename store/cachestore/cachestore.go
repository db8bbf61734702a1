// Package cachestore is the cache session engine (Django's "cache"
// engine): a sessionkit.Store whose records live only in a shared cache
// (cache/rediscache, cache/memcache, or any cache.Cache).
//
// Every operation is one cache call, one round trip on Redis:
//
//	Load    Get
//	Create  Add      (a taken key is sessionkit.ErrKeyExists)
//	Update  Replace  (a vanished record is sessionkit.ErrNotFound, never recreated)
//	Delete  Delete
//	Swap    CompareAndSwap of the entry last seen (sessionkit.Swapper; see below)
//	TryLock Add of a lease entry; Unlock: CompareAndDelete of it (sessionkit.Locker)
//
// Each entry lives for the session's remaining age (Record.Expiry − now),
// so the cache expires sessions by itself and the store has no
// ClearExpired: `sessionkit clearsessions` has nothing to do for it.
//
// Sessions may be evicted. A cache drops entries when it runs out of
// memory, restarts or fails over, and an evicted session is simply gone:
// the user is logged out. That is Django's trade-off for this engine too.
// Use it where losing sessions now and then is acceptable, size the cache
// so that it does not evict, or use store/cacheddb, which keeps the
// database as the truth and the cache as a copy.
//
// # Concurrent saves and exclusive requests
//
// The Store is a sessionkit.Swapper: Swap compares the record's Data with
// what the request read and replaces the entry by the cache's
// CompareAndSwap of its exact bytes (a Redis script; memcached's gets and
// cas), so a concurrent save in between is a sessionkit.ErrConflict and
// the Manager merges. The bytes are those of the entry this Store last
// loaded or saved for the key (it remembers 4 MiB of them at most), when
// their Data is what the request read: a save after a load in the same
// process costs one round trip on Redis, as Update does, and two on
// memcached (gets, cas) instead of one. When the cache holds other bytes
// (another process saved, or the header changed), Swap reads the entry,
// compares its Data and swaps the bytes it read: one Get more.
//
// It is a sessionkit.Locker too: a lease is an entry holding the token
// under LockKey (Prefix, "lock:", KeyHash of the session key), taken by Add
// and ended by CompareAndDelete of the token, so a holder whose lease ran
// out and was taken over cannot end the new holder's. The lease expires by
// the cache's own clock.
//
// # Keys and values
//
// An entry's key is Config.Prefix followed by sessionkit.KeyHash of the
// session key, so that a cache dump cannot be replayed as cookies, and its
// value is the record's Data (the Manager's codec output) with its expiry
// and user ID in a small binary header whose first byte is not a pickle
// opcode.
//
// # Django mode
//
// With Config.Django the entries are Django's own, so a Django project
// using the cache engine on the same server shares the sessions:
//
//   - the key is Django's: "<KEY_PREFIX>:<VERSION>:" (Config.KeyPrefix,
//     Config.Version; ":1:" by default), Prefix, then the raw session key;
//   - the value is the session dict pickled, as Django's PyMemcacheCache
//     (pymemcache's pickle serde) and RedisCache (RedisSerializer) store it.
//     The store turns the record's Data, which must be a JSON object (the
//     Manager uses sessionkit.JSONCodec), into a pickle and back;
//     internal/pypickle reads only JSON-like data, so an entry holding a
//     global, a call or an object is logged as corrupt and is no session,
//     and nothing in it is ever imported or called;
//   - on memcached, the item carries pymemcache's FLAG_PICKLE: give the
//     memcache.Cache Flags: memcache.FlagPickle. A Django-mode Load of an
//     item without it treats it as corrupt;
//   - the entry holds no expiry: a loaded record's Expiry is now plus the
//     entry's remaining TTL where the cache reports it (rediscache's GetTTL:
//     GET and PTTL in one MULTI), else (memcached) now plus the session's
//     _session_expiry when that is a number of seconds, else now plus
//     Config.MaxAge (SESSION_COOKIE_AGE): an upper bound, since the cache
//     still drops the entry at its own expiry. A Create with an expiry in
//     the past is therefore visible until the cache drops it (a
//     millisecond on Redis, a second on memcached).
//
// Swap compares the stored session as JSON and swaps the exact entry bytes,
// and leases stay under LockKey, which no Django session key can be, so
// merges and Manager.Exclusive work in Django mode too. As in Django,
// whoever can write the cache can write sessions: the entries are not
// signed.
package cachestore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache"
)

// DefaultPrefix is Django's key prefix for the cache engine
// (django.contrib.sessions.backends.cache.KEY_PREFIX).
const DefaultPrefix = "django.contrib.sessions.cache"

// Config configures a Store. The zero value is usable: keys hashed, prefix
// DefaultPrefix.
type Config struct {
	// Prefix goes in front of every cache key. Default DefaultPrefix.
	Prefix string
	// Django shares sessions with Django's cache engine: entries are keyed
	// as Django's cache framework keys them (see CacheKey) and hold the
	// session dict pickled as Django's cache backends store it, so the
	// Manager must use the JSON codec (see the package documentation).
	Django bool
	// KeyPrefix is the KEY_PREFIX of Django's CACHES entry (Django mode
	// only). Default "".
	KeyPrefix string
	// Version is the VERSION of Django's CACHES entry (Django mode only).
	// Default 1.
	Version int
	// MaxAge is the expiry a loaded Django-mode record gets from now when
	// the cache cannot tell the entry's time to live (memcached) and the
	// session sets no age of its own: Django's SESSION_COOKIE_AGE.
	// Default DefaultMaxAge.
	MaxAge time.Duration
	// UserIndex keeps a per-user index (sessionkit.UserSessionLister and
	// UserSessionDeleter): a sorted set per user, scored by expiry, kept on
	// every save of a session with a user (one round trip more). The cache
	// must be a UserIndex (cache/rediscache); on memcached the per-user
	// methods return errors wrapping errors.ErrUnsupported.
	UserIndex bool
	// Logger receives warnings (a corrupt entry). nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock by which records expire and their entries' TTLs
	// are computed; nil means time.Now. For tests.
	Now func() time.Time
}

// DefaultMaxAge is Django's default SESSION_COOKIE_AGE, two weeks.
const DefaultMaxAge = 14 * 24 * time.Hour

// Store is the cache session engine. Its methods are safe for concurrent
// use. It is a sessionkit.Swapper, so the Manager merges concurrent saves
// of one session instead of letting the last one win, and a
// sessionkit.Locker, for Manager.Exclusive.
type Store struct {
	c      cache.Cache
	prefix string // the whole prefix of a session entry's key
	django bool
	maxAge time.Duration
	logger *slog.Logger
	now    func() time.Time
	recent recent

	indexOn bool      // Config.UserIndex
	index   UserIndex // the cache, when indexOn and it can
}

var (
	_ sessionkit.Store   = (*Store)(nil)
	_ sessionkit.Swapper = (*Store)(nil)
	_ sessionkit.Locker  = (*Store)(nil)
)

// New returns a Store on c. Closing c is the caller's business.
func New(c cache.Cache, cfg Config) *Store {
	s := &Store{c: c, prefix: cfg.Prefix, django: cfg.Django, maxAge: cfg.MaxAge, logger: cfg.Logger, now: cfg.Now}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	if s.django {
		version := cfg.Version
		if version == 0 {
			version = 1
		}
		s.prefix = DjangoKeyPrefix(cfg.KeyPrefix, version) + s.prefix
	}
	if s.maxAge <= 0 {
		s.maxAge = DefaultMaxAge
	}
	if cfg.UserIndex {
		s.indexOn = true
		s.index, _ = c.(UserIndex)
	}
	return s
}

func (s *Store) log() *slog.Logger {
	if s.logger != nil {
		return s.logger
	}
	return slog.Default()
}

// DjangoKeyPrefix is what Django's cache framework puts in front of every
// key (django.core.cache.backends.base.default_key_func):
// "<KEY_PREFIX>:<VERSION>:", ":1:" by default.
func DjangoKeyPrefix(keyPrefix string, version int) string {
	return keyPrefix + ":" + strconv.Itoa(version) + ":"
}

// CacheKey returns the cache key under which the session key is stored:
// Prefix and sessionkit.KeyHash of the key, or in Django mode Django's
// own, DjangoKeyPrefix(KeyPrefix, Version), Prefix and the raw key, e.g.
// ":1:django.contrib.sessions.cache" + key.
func (s *Store) CacheKey(key string) string {
	if s.django {
		return s.prefix + key
	}
	return sessionkit.PrefixedKeyHash(s.prefix, key)
}

// invalidKey is the error of every method for a key that is not a valid
// session key (sessionkit.ValidKey).
func invalidKey(op string) error {
	return fmt.Errorf("cachestore: %s: %w", op, sessionkit.ErrInvalidKey)
}

// Load implements sessionkit.Store: one Get.
func (s *Store) Load(ctx context.Context, key string) (sessionkit.Record, error) {
	if !sessionkit.ValidKey(key) {
		return sessionkit.Record{}, invalidKey("load")
	}
	ck := s.CacheKey(key)
	g, err := s.get(ctx, ck)
	if err != nil {
		if errors.Is(err, cache.ErrMiss) {
			s.recent.drop(ck)
			return sessionkit.Record{}, sessionkit.ErrNotFound
		}
		return sessionkit.Record{}, fmt.Errorf("cachestore: load: %w", err)
	}
	v := g.v
	rec, err := s.record(ctx, g)
	if err != nil {
		// Not ours, or damaged: no session, as Django treats any cache
		// error on load.
		s.log().LogAttrs(ctx, slog.LevelWarn, "cachestore: ignoring a corrupt cache entry", slog.String("key_hash", sessionkit.KeyHash(key)), slog.Any("error", err))
		return sessionkit.Record{}, sessionkit.ErrNotFound
	}
	// The cache's own expiry may be up to a second late (memcached).
	if !rec.Expiry.After(s.clock(ctx)) {
		return sessionkit.Record{}, sessionkit.ErrNotFound
	}
	if s.django {
		s.recent.put(ck, v) // rec.Data is a copy
	} else {
		s.recent.put(ck, bytes.Clone(v)) // rec.Data, which the caller gets, aliases v
	}
	return rec, nil
}

// Create implements sessionkit.Store: one Add.
func (s *Store) Create(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	if !sessionkit.ValidKey(key) {
		return "", invalidKey("create")
	}
	v, ttl, err := s.entry(ctx, rec)
	if err != nil {
		return "", fmt.Errorf("cachestore: create: %w", err)
	}
	ck := s.CacheKey(key)
	if err := s.c.Add(ctx, ck, v, ttl); err != nil {
		if errors.Is(err, cache.ErrNotStored) {
			return "", fmt.Errorf("cachestore: create: %w", sessionkit.ErrKeyExists)
		}
		return "", fmt.Errorf("cachestore: create: %w", err)
	}
	s.recent.put(ck, v)
	return key, s.indexUser(ctx, "create", key, rec)
}

// Update implements sessionkit.Store: one Replace, which stores nothing
// when the entry is gone (deleted, evicted or expired), so a logged-out
// session stays logged out.
func (s *Store) Update(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	if !sessionkit.ValidKey(key) {
		return "", invalidKey("update")
	}
	v, ttl, err := s.entry(ctx, rec)
	if err != nil {
		return "", fmt.Errorf("cachestore: update: %w", err)
	}
	ck := s.CacheKey(key)
	if err := s.c.Replace(ctx, ck, v, ttl); err != nil {
		s.recent.drop(ck)
		if errors.Is(err, cache.ErrMiss) {
			return "", fmt.Errorf("cachestore: update: %w", sessionkit.ErrNotFound)
		}
		return "", fmt.Errorf("cachestore: update: %w", err)
	}
	s.recent.put(ck, v)
	return key, s.indexUser(ctx, "update", key, rec)
}

// Delete implements sessionkit.Store: one Delete.
func (s *Store) Delete(ctx context.Context, key string) error {
	if !sessionkit.ValidKey(key) {
		return invalidKey("delete")
	}
	ck := s.CacheKey(key)
	s.recent.drop(ck)
	if err := s.c.Delete(ctx, ck); err != nil {
		return fmt.Errorf("cachestore: delete: %w", err)
	}
	return nil
}

// Swap implements sessionkit.Swapper with the cache's CompareAndSwap of
// the entry bytes, so that the entry is replaced only if nobody wrote it
// since. The stored record's Data is what is compared with old (the
// expiry and user in the entry's header may differ): Swap first tries the
// entry this Store last read or wrote for the key, if its Data is old (one
// round trip on Redis, as Update); if the cache holds other bytes, it reads
// the entry, compares its Data and swaps the bytes it read.
func (s *Store) Swap(ctx context.Context, key string, old []byte, rec sessionkit.Record) (string, error) {
	k, err := s.swap(ctx, key, old, rec)
	if err == nil {
		err = s.indexUser(ctx, "swap", key, rec)
	}
	return k, err
}

func (s *Store) swap(ctx context.Context, key string, old []byte, rec sessionkit.Record) (string, error) {
	if !sessionkit.ValidKey(key) {
		return "", invalidKey("swap")
	}
	v, ttl, err := s.entry(ctx, rec)
	if err != nil {
		return "", fmt.Errorf("cachestore: swap: %w", err)
	}
	ck := s.CacheKey(key)
	var canon []byte
	if guess := s.recent.get(ck); guess != nil {
		if g, err := s.dataOf(guess); err == nil && s.sameData(g, old, &canon) {
			err := s.c.CompareAndSwap(ctx, ck, guess, v, ttl)
			if !errors.Is(err, cache.ErrConflict) {
				return s.swapped(ck, key, v, err)
			}
			// The header changed, or the data: read and compare.
		}
	}
	cur, err := s.c.Get(ctx, ck)
	if err != nil {
		return s.swapped(ck, key, v, err)
	}
	stored, err := s.dataOf(cur)
	if err != nil {
		// Load answers ErrNotFound for it too.
		s.recent.drop(ck)
		return "", fmt.Errorf("cachestore: swap: the cache entry is corrupt: %w", sessionkit.ErrNotFound)
	}
	if !s.sameData(stored, old, &canon) {
		s.recent.put(ck, cur)
		return "", fmt.Errorf("cachestore: swap: %w", sessionkit.ErrConflict)
	}
	return s.swapped(ck, key, v, s.c.CompareAndSwap(ctx, ck, cur, v, ttl))
}

// swapped translates the outcome of Swap's cache call and remembers or
// forgets the entry.
func (s *Store) swapped(ck, key string, v []byte, err error) (string, error) {
	switch {
	case err == nil:
		s.recent.put(ck, v)
		return key, nil
	case errors.Is(err, cache.ErrMiss):
		s.recent.drop(ck)
		return "", fmt.Errorf("cachestore: swap: %w", sessionkit.ErrNotFound)
	case errors.Is(err, cache.ErrConflict):
		s.recent.drop(ck)
		return "", fmt.Errorf("cachestore: swap: %w", sessionkit.ErrConflict)
	default:
		s.recent.drop(ck)
		return "", fmt.Errorf("cachestore: swap: %w", err)
	}
}

// LockKey returns the cache key of the lease that locks a session:
// the entries' prefix (in Django mode with Django's "<KEY_PREFIX>:<VERSION>:"
// in front), "lock:" and sessionkit.KeyHash of the session key. A session entry's key never contains "lock:" (session keys are
// [a-z0-9], hashes hex), so a lease can neither collide with a session nor
// be loaded as one, and it does not reveal the session key.
func (s *Store) LockKey(key string) string {
	return sessionkit.PrefixedKeyHash(s.prefix+"lock:", key)
}

// TryLock implements sessionkit.Locker with an Add of a lease entry that
// holds token and lives for ttl: memcached's add, Redis's SET NX PX. The
// lease ends by the cache's expiry, in the cache's time.
func (s *Store) TryLock(ctx context.Context, key, token string, ttl time.Duration) (bool, error) {
	if !sessionkit.ValidKey(key) {
		return false, invalidKey("lock")
	}
	switch err := s.c.Add(ctx, s.LockKey(key), []byte(token), ttl); {
	case err == nil:
		return true, nil
	case errors.Is(err, cache.ErrNotStored):
		return false, nil
	default:
		return false, fmt.Errorf("cachestore: lock: %w", err)
	}
}

// Unlock implements sessionkit.Locker with a CompareAndDelete of the
// lease: a lease that ran out and was taken by another token is left
// alone.
func (s *Store) Unlock(ctx context.Context, key, token string) error {
	if !sessionkit.ValidKey(key) {
		return invalidKey("unlock")
	}
	err := s.c.CompareAndDelete(ctx, s.LockKey(key), []byte(token))
	if err != nil && !errors.Is(err, cache.ErrMiss) && !errors.Is(err, cache.ErrConflict) {
		return fmt.Errorf("cachestore: unlock: %w", err)
	}
	return nil
}

// entry encodes rec and works out its ttl. A record that has already
// expired is still written (so that Create and Update keep their collision
// and no-resurrection semantics) with the shortest ttl; Load hides it by
// its stored expiry until the cache drops it.
func (s *Store) entry(ctx context.Context, rec sessionkit.Record) ([]byte, time.Duration, error) {
	if rec.Expiry.IsZero() {
		return nil, 0, errors.New("the record has no Expiry; every session must expire")
	}
	ttl := rec.Expiry.Sub(s.clock(ctx))
	if ttl < time.Millisecond {
		ttl = time.Millisecond
	}
	v, err := s.value(rec)
	return v, ttl, err
}

// Entry format, version 1:
//
//	byte 0     formatV1 (0x01: not a pickle opcode, so Django's unpickler
//	           rejects the entry at once instead of misreading it)
//	bytes 1-8  Record.Expiry, Unix nanoseconds, big-endian
//	uvarint    length of Record.UserID, then its bytes
//	rest       Record.Data
const formatV1 = 0x01

var errCorrupt = errors.New("cachestore: corrupt cache entry")

func encode(rec sessionkit.Record) []byte {
	b := make([]byte, 0, 1+8+binary.MaxVarintLen64+len(rec.UserID)+len(rec.Data))
	b = append(b, formatV1)
	b = binary.BigEndian.AppendUint64(b, uint64(rec.Expiry.UnixNano()))
	b = binary.AppendUvarint(b, uint64(len(rec.UserID)))
	b = append(b, rec.UserID...)
	return append(b, rec.Data...)
}

// decode parses an entry. The record's Data aliases v.
func decode(v []byte) (sessionkit.Record, error) {
	if len(v) < 1+8+1 || v[0] != formatV1 {
		return sessionkit.Record{}, errCorrupt
	}
	exp := int64(binary.BigEndian.Uint64(v[1:9]))
	n, w := binary.Uvarint(v[9:])
	if w <= 0 || n > uint64(len(v)-9-w) {
		return sessionkit.Record{}, errCorrupt
	}
	rest := v[9+w:]
	rec := sessionkit.Record{Expiry: time.Unix(0, exp), UserID: string(rest[:n]), Data: rest[n:]}
	if len(rec.Data) == 0 {
		rec.Data = []byte{} // never nil: a stored record has data, if empty
	}
	return rec, nil
}

// clock reads the store's own clock (Config.Now), else the one ctx
// carries (the Manager's, see sessionkit.WithClock), else time.Now.
func (s *Store) clock(ctx context.Context) time.Time {
	if s.now != nil {
		return s.now()
	}
	return sessionkit.Now(ctx)
}
