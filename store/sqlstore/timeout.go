package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Pool defaults that Open applies and ConfigurePool offers for a *sql.DB of
// your own.
const (
	// DefaultMaxConns caps the open connections of a store made by Open;
	// a URL overrides it with ?max_conns=N.
	DefaultMaxConns = 10
	// DefaultConnMaxIdleTime is how long an idle connection is kept before
	// it is closed.
	DefaultConnMaxIdleTime = 5 * time.Minute
	// DefaultConnectTimeout bounds establishing one connection (pgx's
	// connect_timeout, go-sql-driver/mysql's timeout) when the URL does not
	// set it, including connections the pool opens in the background.
	DefaultConnectTimeout = 5 * time.Second
)

// ConfigurePool applies the pool settings Open uses to a *sql.DB that you
// pass to New: at most maxConns open connections (DefaultMaxConns if
// maxConns <= 0), all of them kept when idle so that a busy server does not
// close and reopen connections (database/sql keeps only 2 idle connections
// by default, which makes every burst of more than 2 requests connect
// anew), and idle ones closed after DefaultConnMaxIdleTime. Requests beyond
// the cap wait for a free connection, within Config.Timeout.
func ConfigurePool(db *sql.DB, maxConns int) {
	if maxConns <= 0 {
		maxConns = DefaultMaxConns
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(DefaultConnMaxIdleTime)
}

// bound applies the store's own deadline to ctx. The cancel func must
// always be called.
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.timeout)
}

// fail wraps err, an error of the operation op run under bounded (made by
// bound from parent). When the store's own deadline ended the operation,
// the error says so and wraps ErrTimeout and context.DeadlineExceeded;
// otherwise err is wrapped with op, or returned as it is when op is "".
func (s *Store) fail(parent, bounded context.Context, op string, err error) error {
	if s.cutOff(parent, bounded) {
		return &timeoutError{op: op, timeout: s.timeout, err: err}
	}
	if op == "" {
		return err
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}

// cutOff reports whether the store's own deadline ended the operation. A
// driver's dial can fail with its own i/o timeout an instant before the
// context notices the same deadline, so the clock decides too.
func (s *Store) cutOff(parent, bounded context.Context) bool {
	if s.timeout <= 0 || parent.Err() != nil {
		return false
	}
	if errors.Is(bounded.Err(), context.DeadlineExceeded) {
		return true
	}
	dl, ok := bounded.Deadline()
	return ok && !time.Now().Before(dl)
}

// timeoutError is an operation that the store's deadline cut off.
type timeoutError struct {
	op      string
	timeout time.Duration
	err     error
}

func (e *timeoutError) Error() string {
	op := e.op
	if op == "" {
		op = "prepare statements"
	}
	return fmt.Sprintf("sqlstore: %s: the database did not answer within %v; check that it is up and reachable from here, and that the pool (max_conns in the URL, ConfigurePool) is large enough for the load; the bound is Config.Timeout (SESSIONKIT_STORE_TIMEOUT): %v",
		op, e.timeout, e.err)
}

func (e *timeoutError) Unwrap() []error {
	return []error{ErrTimeout, context.DeadlineExceeded, e.err}
}
