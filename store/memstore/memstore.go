// Package memstore is the in-process session store: for tests, and for a
// single process where losing every session on restart is acceptable.
// Records are copied on the way in and out, so a handler can never mutate
// stored state, and expire at their Record.Expiry.
package memstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/sessionkit/sessionkit"
)

// Store keeps sessions in a map. The zero value is ready to use; New also
// starts a janitor.
type Store struct {
	// Now is the clock by which records expire; nil means time.Now. Set
	// it before first use (tests move it forward instead of sleeping).
	Now func() time.Time

	mu      sync.RWMutex
	records map[string]sessionkit.Record
	leases  map[string]lease
	stop    chan struct{}
	done    chan struct{}
}

// New returns a Store that deletes expired records every cleanupInterval
// (0: never; expired records are still invisible). Close stops it.
func New(cleanupInterval time.Duration) *Store {
	s := &Store{}
	if cleanupInterval > 0 {
		s.stop, s.done = make(chan struct{}), make(chan struct{})
		go s.janitor(cleanupInterval)
	}
	return s
}

func (s *Store) janitor(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.ClearExpired(context.Background())
		case <-s.stop:
			return
		}
	}
}

// Close stops the janitor started by New.
func (s *Store) Close() error {
	if s.stop != nil {
		close(s.stop)
		<-s.done
		s.stop = nil
	}
	return nil
}

// now reads the store's own clock, else the one ctx carries (the
// Manager's, see sessionkit.WithClock), else time.Now.
func (s *Store) now(ctx context.Context) time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return sessionkit.Now(ctx)
}

func clone(r sessionkit.Record) sessionkit.Record {
	r.Data = slices.Clone(r.Data)
	return r
}

func (s *Store) live(ctx context.Context, r sessionkit.Record) bool {
	return r.Expiry.After(s.now(ctx))
}

// check returns the error for a key or record the store cannot hold.
func check(op, key string, rec *sessionkit.Record) error {
	if !sessionkit.ValidKey(key) {
		return fmt.Errorf("memstore: %s: %w", op, sessionkit.ErrInvalidKey)
	}
	if rec != nil && rec.Expiry.IsZero() {
		return fmt.Errorf("memstore: %s: the record has no Expiry; every session must expire", op)
	}
	return nil
}

// Load implements sessionkit.Store.
func (s *Store) Load(ctx context.Context, key string) (sessionkit.Record, error) {
	if err := ctx.Err(); err != nil {
		return sessionkit.Record{}, err
	}
	if err := check("load", key, nil); err != nil {
		return sessionkit.Record{}, err
	}
	s.mu.RLock()
	r, ok := s.records[key]
	s.mu.RUnlock()
	if !ok || !s.live(ctx, r) {
		return sessionkit.Record{}, sessionkit.ErrNotFound
	}
	return clone(r), nil
}

// Create implements sessionkit.Store.
func (s *Store) Create(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := check("create", key, &rec); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.records[key]; ok && s.live(ctx, old) {
		return "", sessionkit.ErrKeyExists
	}
	if s.records == nil {
		s.records = make(map[string]sessionkit.Record)
	}
	s.records[key] = clone(rec)
	return key, nil
}

// Update implements sessionkit.Store.
func (s *Store) Update(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := check("update", key, &rec); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.records[key]; !ok {
		return "", sessionkit.ErrNotFound
	}
	s.records[key] = clone(rec)
	return key, nil
}

// Delete implements sessionkit.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := check("delete", key, nil); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.records, key)
	s.mu.Unlock()
	return nil
}

// ClearExpired implements sessionkit.ExpiredClearer.
func (s *Store) ClearExpired(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for k, r := range s.records {
		if !s.live(ctx, r) {
			delete(s.records, k)
			n++
		}
	}
	return n, nil
}

// UserSessions implements sessionkit.UserSessionLister.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]sessionkit.SessionInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []sessionkit.SessionInfo
	for k, r := range s.records {
		if userID != "" && r.UserID == userID && s.live(ctx, r) {
			out = append(out, sessionkit.SessionInfo{ID: sessionkit.KeyHash(k), Expiry: r.Expiry, Data: slices.Clone(r.Data)})
		}
	}
	slices.SortFunc(out, func(a, b sessionkit.SessionInfo) int { return a.Expiry.Compare(b.Expiry) })
	return out, nil
}

// DeleteUserSessions implements sessionkit.UserSessionLister.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, keepKey string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for k, r := range s.records {
		if userID != "" && r.UserID == userID && k != keepKey {
			delete(s.records, k)
			n++
		}
	}
	return n, nil
}

// DeleteUserSession implements sessionkit.UserSessionDeleter.
func (s *Store) DeleteUserSession(ctx context.Context, userID, id string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, r := range s.records {
		if userID != "" && r.UserID == userID && sessionkit.KeyHash(k) == id {
			delete(s.records, k)
			return true, nil
		}
	}
	return false, nil
}

// Swap implements sessionkit.Swapper.
func (s *Store) Swap(ctx context.Context, key string, old []byte, rec sessionkit.Record) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.records[key]
	if !ok {
		return "", sessionkit.ErrNotFound
	}
	if !bytes.Equal(cur.Data, old) {
		if !s.live(ctx, cur) {
			return "", sessionkit.ErrNotFound
		}
		return "", &sessionkit.ConflictError{Current: clone(cur)}
	}
	s.records[key] = clone(rec)
	return key, nil
}

// lease is a held session lock.
type lease struct {
	token string
	until time.Time
}

// TryLock implements sessionkit.Locker.
func (s *Store) TryLock(ctx context.Context, key, token string, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	now := s.now(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.leases[key]; ok && l.until.After(now) {
		return false, nil
	}
	if s.leases == nil {
		s.leases = make(map[string]lease)
	}
	s.leases[key] = lease{token, now.Add(ttl)}
	return true, nil
}

// Unlock implements sessionkit.Locker.
func (s *Store) Unlock(ctx context.Context, key, token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.leases[key]; ok && l.token == token {
		delete(s.leases, key)
	}
	return nil
}
