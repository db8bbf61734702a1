package filestore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/sessionkit/sessionkit"
)

// A session's lock (sessionkit.Locker, for the Manager's exclusive mode) is
// an flock on a file of its own, <prefix>_lock_<hash of the key>: a name no
// session file, and no Django process, takes for a session. The kernel
// releases it when its holder's process dies; within a process, a lease
// held past its ttl is taken back by the next TryLock. (A holder that is
// alive but stuck in another process keeps its lock until it exits.) Where
// there is no flock (Windows), TryLock fails with errors.ErrUnsupported.
type lease struct {
	f     *os.File
	token string
	until time.Time
}

func (s *Store) lockName(key string) string { return s.prefix + "_lock_" + sessionkit.KeyHash(key) }

// TryLock implements sessionkit.Locker.
func (s *Store) TryLock(ctx context.Context, key, token string, ttl time.Duration) (bool, error) {
	got := false
	err := s.do(ctx, "lock", key, func(string) error {
		name, now := s.lockName(key), s.clock(ctx)
		s.leaseMu.Lock()
		defer s.leaseMu.Unlock()
		if l, ok := s.leases[name]; ok {
			if now.Before(l.until) {
				return nil // held in this process
			}
			l.f.Close() // its holder outlived its lease: take it back
			delete(s.leases, name)
		}
		f, err := s.root.OpenFile(name, os.O_RDWR|os.O_CREATE|openFlags, 0o600)
		if err != nil {
			return err
		}
		if got, err = tryLockFile(f); err != nil || !got {
			f.Close()
			return err
		}
		// Unlock removes the file before closing it: holding a lock on a
		// name that no longer leads to this file would hold nothing.
		var fi, cur fs.FileInfo
		if fi, err = f.Stat(); err == nil {
			cur, err = s.root.Lstat(name)
		}
		if err != nil || !os.SameFile(fi, cur) {
			f.Close()
			got = false
			if errors.Is(err, fs.ErrNotExist) {
				err = nil // released and removed meanwhile: the next try starts afresh
			}
			return err
		}
		if s.leases == nil {
			s.leases = make(map[string]lease)
		}
		s.leases[name] = lease{f, token, now.Add(ttl)}
		return nil
	})
	return got, err
}

// Unlock implements sessionkit.Locker.
func (s *Store) Unlock(ctx context.Context, key, token string) error {
	return s.do(ctx, "unlock", key, func(string) error {
		name := s.lockName(key)
		s.leaseMu.Lock()
		defer s.leaseMu.Unlock()
		l, ok := s.leases[name]
		if !ok || l.token != token {
			return nil
		}
		delete(s.leases, name)
		err := s.root.Remove(name)
		if cerr := l.f.Close(); err == nil {
			err = cerr
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("releasing the lock: %w", err)
		}
		return nil
	})
}

var (
	_ sessionkit.Swapper = (*Store)(nil)
	_ sessionkit.Locker  = (*Store)(nil)
)
