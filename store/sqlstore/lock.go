package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit"
)

// ErrNoLockTable: TryLock or Unlock found no lease table. Tables created
// before the store could lock sessions lack it; Migrate adds it.
var ErrNoLockTable = errors.New("sqlstore: the session lock table does not exist")

// maxTokenLength is the width of the token column, in bytes.
const maxTokenLength = 255

// lockStatements are the prepared lease statements. They are prepared
// apart from the others, on the first TryLock, Unlock or ClearExpired, so
// that a database without the lease table still loads and saves sessions.
type lockStatements struct {
	acquire, takeOver, release, prune *sql.Stmt // takeOver: MySQL only
}

func (ls *lockStatements) close() {
	for _, s := range []*sql.Stmt{ls.acquire, ls.takeOver, ls.release, ls.prune} {
		if s != nil {
			s.Close()
		}
	}
}

// lockStatements returns the prepared lease statements, preparing them on
// first use. A missing lease table is an error wrapping ErrNoLockTable
// that says how to create it; it is not remembered, so the store locks as
// soon as the table is there.
func (s *Store) lockStatements(ctx context.Context) (*lockStatements, error) {
	if ls := s.lstmts.Load(); ls != nil {
		return ls, nil
	}
	// The session statements first: with Config.CreateTable, preparing
	// them runs Migrate, which creates the lease table too.
	if _, err := s.statements(ctx); err != nil {
		return nil, err
	}
	select {
	case s.initMu <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.initMu }()
	if s.closed.Load() {
		return nil, ErrClosed
	}
	if ls := s.lstmts.Load(); ls != nil {
		return ls, nil
	}
	ls := &lockStatements{}
	q := s.lockQueries
	for _, p := range []struct {
		dst  **sql.Stmt
		text string
	}{
		{&ls.acquire, q.acquire}, {&ls.takeOver, q.takeOver}, {&ls.release, q.release}, {&ls.prune, q.prune},
	} {
		if p.text == "" {
			continue
		}
		stmt, err := s.db.PrepareContext(ctx, p.text)
		if err != nil {
			ls.close()
			if cols, cerr := s.columns(ctx, s.locks); cerr == nil && len(cols) == 0 {
				flag := ""
				if s.django {
					flag = " --django"
				}
				return nil, fmt.Errorf("%w: no table %s next to the session table, so sessions cannot be locked (Manager.Exclusive, ExclusiveMiddleware); create it with `sessionkit migrate%s --db URL` (or Store.Migrate, or Config.CreateTable), which leaves the session table as it is",
					ErrNoLockTable, s.dialect.qualified(s.locks), flag)
			}
			return nil, fmt.Errorf("sqlstore: prepare the lock statements for table %s: %w", s.dialect.qualified(s.locks), err)
		}
		*p.dst = stmt
	}
	s.lstmts.Store(ls)
	return ls, nil
}

// TryLock takes the lease on key for ttl under token if nobody holds it or
// its holder's lease has run out, and reports whether it did. The lease is
// a row of the lease table (see the package documentation), keyed by
// sessionkit.KeyHash(key) in both layouts: a lock is never a session and
// never shows a session key. Its end is reckoned by the store's clock, as
// session expiry is, so the clocks of the processes that share the
// database must agree.
func (s *Store) TryLock(ctx context.Context, key, token string, ttl time.Duration) (bool, error) {
	if !sessionkit.ValidKey(key) {
		return false, invalidKey("lock")
	}
	if token == "" || len(token) > maxTokenLength {
		return false, fmt.Errorf("sqlstore: lock session: a lock token of %d bytes; want 1 to %d", len(token), maxTokenLength)
	}
	if ttl < time.Microsecond {
		return false, fmt.Errorf("sqlstore: lock session: lease of %v; want a positive duration", ttl)
	}
	tctx, cancel := s.bound(ctx)
	defer cancel()
	ls, err := s.lockStatements(tctx)
	if err != nil {
		return false, s.fail(ctx, tctx, "", err)
	}
	now := s.clock(ctx).UnixMicro()
	lk, end := sessionkit.KeyHash(key), now+ttl.Microseconds()
	var res sql.Result
	if ls.takeOver == nil {
		res, err = ls.acquire.ExecContext(tctx, lk, token, end, now)
	} else {
		res, err = ls.acquire.ExecContext(tctx, lk, token, end)
	}
	if isDeadlock(err) {
		// MariaDB's InnoDB can pick a lease insert as the victim of a
		// deadlock between two takers of one lease: not taken this time,
		// and the Manager tries again after a pause.
		return false, nil
	}
	if err != nil {
		return false, s.fail(ctx, tctx, "lock session", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlstore: lock session: %w", err)
	}
	if n > 0 || ls.takeOver == nil {
		return n > 0, nil
	}
	if res, err = ls.takeOver.ExecContext(tctx, token, end, lk, now); isDeadlock(err) {
		return false, nil
	} else if err != nil {
		return false, s.fail(ctx, tctx, "lock session", err)
	}
	if n, err = res.RowsAffected(); err != nil {
		return false, fmt.Errorf("sqlstore: lock session: %w", err)
	}
	return n > 0, nil
}

// Unlock ends the lease on key if token still holds it; a lease that
// another token took over after it ran out is left alone.
func (s *Store) Unlock(ctx context.Context, key, token string) error {
	if !sessionkit.ValidKey(key) {
		return invalidKey("unlock")
	}
	tctx, cancel := s.bound(ctx)
	defer cancel()
	ls, err := s.lockStatements(tctx)
	if err != nil {
		return s.fail(ctx, tctx, "", err)
	}
	// A release chosen as a deadlock's victim is tried again: left alone,
	// the lease would keep the session from others until it runs out.
	for attempt := 0; ; attempt++ {
		_, err = ls.release.ExecContext(tctx, sessionkit.KeyHash(key), token)
		if err == nil || !isDeadlock(err) || attempt == 2 {
			break
		}
	}
	if err != nil {
		return s.fail(ctx, tctx, "unlock session", err)
	}
	return nil
}

// pruneLocks deletes the leases that have run out (ClearExpired). Without
// a lease table there is nothing to prune.
func (s *Store) pruneLocks(ctx context.Context) error {
	tctx, cancel := s.bound(ctx)
	defer cancel()
	ls, err := s.lockStatements(tctx)
	if errors.Is(err, ErrNoLockTable) {
		return nil
	}
	if err != nil {
		return s.fail(ctx, tctx, "", err)
	}
	if _, err := ls.prune.ExecContext(tctx, s.clock(ctx).UnixMicro()); err != nil {
		return s.fail(ctx, tctx, "clear expired session locks", err)
	}
	return nil
}
