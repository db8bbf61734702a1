package cacheddb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache"
)

// Bounds of the lease that makes Swap atomic over a database store that is
// not a sessionkit.Swapper: how long a Swap waits for it, and how long it
// lasts if its holder never releases it (it covers a database read and
// write, each under the database store's own deadline).
const (
	swapLeaseWait = 5 * time.Second
	swapLeaseTTL  = 15 * time.Second
)

// Swap implements sessionkit.Swapper: the database first, then the cache,
// as Update does. A record gone from the database is sessionkit.ErrNotFound
// and gets a tombstone; a changed one is sessionkit.ErrConflict, and its
// cache entry is deleted, so that the caller's next Load reads the
// database (concurrent saves' cache writes may land out of order, and an
// entry older than the database would otherwise conflict again).
//
// With a database store that is a sessionkit.Swapper, its Swap makes the
// comparison. With any other, Swap takes a lease in the cache for the
// session (under Prefix + "swap:" + KeyHash), reads the database, compares
// and updates it, writes the cache, then ends the lease: Swaps of one
// session, from any process sharing the cache, take turns. That holds only among Swaps: a
// plain Update (a Manager with LastWriteWins) does not wait for the lease.
// While the cache is unusable (an error within Config.CacheBackoff) the
// comparison runs without the lease, and two concurrent saves may then
// lose one's changes, as Update always may; a Swap that waits five
// seconds for the lease fails with an error wrapping sessionkit.ErrLocked.
func (s *Store) Swap(ctx context.Context, key string, old []byte, rec sessionkit.Record) (string, error) {
	if err := checkKey("swap", key); err != nil {
		return "", err
	}
	ck := s.CacheKey(key)
	sw, ok := s.db.(sessionkit.Swapper)
	if !ok {
		release, err := s.swapLease(ctx, key)
		if err != nil {
			return "", err
		}
		// Held until the cache is written too, so that the entries of
		// Swaps of one session land in the order of their database writes.
		defer release()
		sw = compareThenUpdate{s.db}
	}
	if s.django {
		sw = djangoSwap{s, sw}
	}
	v, err := s.value(time.Time{}, rec)
	if err != nil {
		return "", err
	}
	stamp := time.Now()
	if !s.django {
		v = encodeValue(stamp, rec)
	}
	k, err := sw.Swap(ctx, key, old, rec)
	switch {
	case errors.Is(err, sessionkit.ErrConflict):
		// The caller will read the session again: from the database, not
		// from an entry that a concurrent save's late cache write may
		// have left older than the database, nor one that a concurrent
		// read puts back from an older read of the database.
		s.dropEntry(ctx, ck)
		s.readDatabase(ctx, key, conflictReads)
		return "", err
	case errors.Is(err, sessionkit.ErrNotFound):
		if ferr := s.writeCache(ctx, "tombstone", ck, s.tombstone(stamp), s.tombTTL, true); ferr != nil {
			return "", errors.Join(err, ferr)
		}
		return "", err
	case err != nil:
		return "", err
	}
	if err := s.writeCache(ctx, "update", ck, v, s.ttlOf(ctx, rec), true); err != nil {
		return "", err
	}
	return k, nil
}

// conflictReads is how long, after a Swap conflict, this process reads the
// session from the database: long enough for the merges that are racing
// to settle without reading the cache.
const conflictReads = time.Second

// dropEntry deletes a cache entry that may be older than the database. A
// delete can never make anything staler, and one that fails harms nothing
// but a read.
func (s *Store) dropEntry(ctx context.Context, ck string) {
	if !s.cacheUsable() {
		return
	}
	wctx, cancel := writeCtx(ctx)
	err := s.c.Delete(wctx, ck)
	cancel()
	if err != nil {
		s.cacheFailed(ctx, err)
		s.writeLog.log(ctx, s.logger, slog.LevelError, "cacheddb: error deleting a cache entry after a conflict", err)
	}
}

// compareThenUpdate is the Swap of a database store that has none: a Load,
// a comparison and an Update, atomic only under the swap lease.
type compareThenUpdate struct{ db sessionkit.Store }

func (c compareThenUpdate) Swap(ctx context.Context, key string, old []byte, rec sessionkit.Record) (string, error) {
	cur, err := c.db.Load(ctx, key)
	if err != nil {
		return "", err
	}
	if !bytes.Equal(cur.Data, old) {
		return "", fmt.Errorf("cacheddb: swap: %w", sessionkit.ErrConflict)
	}
	return c.db.Update(ctx, key, rec)
}

// swapLease takes the session's swap lease and returns the function that
// ends it. While the cache is unusable, or when taking the lease fails, it
// goes on without one (see Swap).
func (s *Store) swapLease(ctx context.Context, key string) (release func(), err error) {
	if !s.cacheUsable() {
		return func() {}, nil
	}
	lk := sessionkit.PrefixedKeyHash(s.prefix+"swap:", key)
	token := sessionkit.NewKey()
	ok, err := s.waitLease(ctx, lk, token)
	switch {
	case err != nil:
		if ctx.Err() != nil {
			return nil, fmt.Errorf("cacheddb: swap: waiting for the session's swap lease: %w", err)
		}
		s.cacheFailed(ctx, err)
		s.writeLog.log(ctx, s.logger, slog.LevelError, "cacheddb: cannot take a swap lease in the cache; comparing without it", err)
		return func() {}, nil
	case !ok:
		return nil, fmt.Errorf("cacheddb: swap: waited %v for another save of the session to end: %w", swapLeaseWait, sessionkit.ErrLocked)
	}
	return func() {
		wctx, cancel := writeCtx(ctx)
		defer cancel()
		if err := s.c.CompareAndDelete(wctx, lk, []byte(token)); err != nil && !errors.Is(err, cache.ErrMiss) && !errors.Is(err, cache.ErrConflict) {
			s.writeLog.log(ctx, s.logger, slog.LevelWarn, "cacheddb: cannot end a swap lease; it ends by itself", err)
		}
	}, nil
}

// waitLease takes the lease lk under token, polling with jittered, growing
// pauses for at most swapLeaseWait, and reports whether it did.
func (s *Store) waitLease(ctx context.Context, lk, token string) (bool, error) {
	deadline := time.Now().Add(swapLeaseWait)
	pause := time.Millisecond
	for {
		err := s.c.Add(ctx, lk, []byte(token), swapLeaseTTL)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, cache.ErrNotStored) {
			return false, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false, nil
		}
		t := time.NewTimer(min(pause/2+rand.N(pause), left))
		select {
		case <-ctx.Done():
			t.Stop()
			return false, ctx.Err()
		case <-t.C:
		}
		pause = min(2*pause, 20*time.Millisecond)
	}
}

// LockKey returns the cache key of the lease that locks a session when the
// database store is not a sessionkit.Locker: Config.Prefix, "lock:" and
// sessionkit.KeyHash of the session key, in both modes. No session entry's
// key contains "lock:", and the lease does not reveal the session key.
func (s *Store) LockKey(key string) string {
	return sessionkit.PrefixedKeyHash(s.prefix+"lock:", key)
}

// TryLock implements sessionkit.Locker: the database store's lock if it is
// a sessionkit.Locker, else a lease in the cache (an Add of the token under
// LockKey that lives for ttl, by the cache's clock). A cache that cannot be
// reached is an error: there is nothing else to lock with.
func (s *Store) TryLock(ctx context.Context, key, token string, ttl time.Duration) (bool, error) {
	if err := checkKey("lock", key); err != nil {
		return false, err
	}
	var got bool
	var err error
	if l, ok := s.db.(sessionkit.Locker); ok {
		got, err = l.TryLock(ctx, key, token, ttl)
	} else {
		switch err = s.c.Add(ctx, s.LockKey(key), []byte(token), ttl); {
		case err == nil:
			got = true
		case errors.Is(err, cache.ErrNotStored):
			err = nil
		default:
			err = fmt.Errorf("cacheddb: lock: %w", err)
		}
	}
	if got {
		s.readDatabase(ctx, key, ttl)
	}
	return got, err
}

// readDatabase makes this process's Loads of key read the database for d
// (see holds).
func (s *Store) readDatabase(ctx context.Context, key string, d time.Duration) {
	until := s.clock(ctx).Add(d)
	s.heldMu.Lock()
	defer s.heldMu.Unlock()
	if s.held == nil {
		s.held = make(map[string]time.Time)
	}
	if until.After(s.held[key]) {
		s.held[key] = until
	}
}

// holds reports whether this process holds key's lock, whose holder must
// read the database: a cache entry can be older than the database for a
// moment when two saves' cache writes land in the other order.
func (s *Store) holds(ctx context.Context, key string) bool {
	s.heldMu.Lock()
	defer s.heldMu.Unlock()
	until, ok := s.held[key]
	if ok && !s.clock(ctx).Before(until) {
		delete(s.held, key)
		ok = false
	}
	return ok
}

// Unlock implements sessionkit.Locker: the database store's Unlock, or a
// CompareAndDelete of the cache lease, which leaves a lease that another
// token took after this one ran out alone.
func (s *Store) Unlock(ctx context.Context, key, token string) error {
	if err := checkKey("unlock", key); err != nil {
		return err
	}
	s.heldMu.Lock()
	delete(s.held, key)
	s.heldMu.Unlock()
	if l, ok := s.db.(sessionkit.Locker); ok {
		return l.Unlock(ctx, key, token)
	}
	err := s.c.CompareAndDelete(ctx, s.LockKey(key), []byte(token))
	if err != nil && !errors.Is(err, cache.ErrMiss) && !errors.Is(err, cache.ErrConflict) {
		return fmt.Errorf("cacheddb: unlock: %w", err)
	}
	return nil
}
