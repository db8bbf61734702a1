package sessionkit

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"time"
)

// Op names what an Observation reports.
type Op uint8

// The operations an Observer sees.
const (
	// OpLoad is a Store.Load. ErrNotFound in Err is an unknown or expired
	// key, not a failure.
	OpLoad Op = iota + 1
	// OpCreate is a Store.Create. ErrKeyExists in Err is a key collision
	// (the Manager tries another key), not a failure.
	OpCreate
	// OpSave is a Store.Update or Swapper.Swap of a session that has a
	// key. ErrConflict in Err is a lost race that the Manager merges and
	// retries (an OpConflict too), not a failure.
	OpSave
	// OpDelete is a Store.Delete (Flush, CycleKey, a timed-out session).
	OpDelete
	// OpConflict is a save that found the session changed by a concurrent
	// request since it was read: the Manager merges this request's changes
	// into the stored version.
	OpConflict
	// OpRetry is a save tried again after OpConflict.
	OpRetry
	// OpLockWait is an exclusive request that had to wait for its
	// session's lock; Duration is the wait, and Err wraps ErrLocked when
	// the wait ran out (Manager.LockWait).
	OpLockWait
)

// String returns the lower-case name of op: "load", "create", "save",
// "delete", "conflict", "retry", "lock_wait".
func (op Op) String() string {
	switch op {
	case OpLoad:
		return "load"
	case OpCreate:
		return "create"
	case OpSave:
		return "save"
	case OpDelete:
		return "delete"
	case OpConflict:
		return "conflict"
	case OpRetry:
		return "retry"
	case OpLockWait:
		return "lock_wait"
	}
	return "unknown"
}

// Observation is one thing the Manager did with its Store.
type Observation struct {
	// Op is what was done.
	Op Op
	// Store is the Manager's Store (for a label: its type, say).
	Store Store
	// Duration is how long the store call took (the wait, for
	// OpLockWait; 0 for OpConflict and OpRetry).
	Duration time.Duration
	// Err is the error the store returned, if any; see Op for the errors
	// that are not failures.
	Err error
}

// Failed reports whether the observed call failed. An unknown key (load),
// a key collision (create) and a lost race (save) are outcomes, not
// failures.
func (o Observation) Failed() bool {
	switch {
	case o.Err == nil:
		return false
	case o.Op == OpLoad && errors.Is(o.Err, ErrNotFound),
		o.Op == OpCreate && errors.Is(o.Err, ErrKeyExists),
		o.Op == OpSave && errors.Is(o.Err, ErrConflict):
		return false
	}
	return true
}

// StoreName names a store by the package of its type, for a metric label:
// "sqlstore" for a *sqlstore.Store, "cacheddb" for a *cacheddb.Store;
// "none" for nil.
func StoreName(store Store) string {
	t := reflect.TypeOf(store)
	if t == nil {
		return "none"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if p := t.PkgPath(); p != "" {
		return p[strings.LastIndexByte(p, '/')+1:]
	}
	return t.String()
}

// Observer receives an Observation for every store call the Manager
// makes, for metrics: package otelsessionkit turns them into OpenTelemetry
// instruments. Observe is called on the request's goroutine, after the
// call; it must be safe for concurrent use and quick. Manager.Observer nil
// (the default) observes nothing and costs nothing.
type Observer interface {
	Observe(ctx context.Context, o Observation)
}

// startObserve returns the time a store call starts, or the zero time when
// nothing observes it (time.Now is not free).
func (m *Manager) startObserve() time.Time {
	if m.Observer == nil {
		return time.Time{}
	}
	return time.Now()
}

// observe reports a store call that began at start.
func (m *Manager) observe(ctx context.Context, op Op, start time.Time, err error) {
	if m.Observer == nil {
		return
	}
	var d time.Duration
	if !start.IsZero() {
		d = time.Since(start)
	}
	m.Observer.Observe(ctx, Observation{Op: op, Store: m.Store, Duration: d, Err: err})
}

func (m *Manager) storeLoad(ctx context.Context, key string) (Record, error) {
	start := m.startObserve()
	rec, err := m.Store.Load(ctx, key)
	m.observe(ctx, OpLoad, start, err)
	return rec, err
}

func (m *Manager) storeCreate(ctx context.Context, key string, rec Record) (string, error) {
	start := m.startObserve()
	k, err := m.Store.Create(ctx, key, rec)
	m.observe(ctx, OpCreate, start, err)
	return k, err
}

func (m *Manager) storeUpdate(ctx context.Context, key string, rec Record) (string, error) {
	start := m.startObserve()
	k, err := m.Store.Update(ctx, key, rec)
	m.observe(ctx, OpSave, start, err)
	return k, err
}

func (m *Manager) storeSwap(ctx context.Context, sw Swapper, key string, old []byte, rec Record) (string, error) {
	start := m.startObserve()
	k, err := sw.Swap(ctx, key, old, rec)
	m.observe(ctx, OpSave, start, err)
	return k, err
}

func (m *Manager) storeDelete(ctx context.Context, key string) error {
	start := m.startObserve()
	err := m.Store.Delete(ctx, key)
	m.observe(ctx, OpDelete, start, err)
	return err
}

// logSalt keys LogKeyHash: random for each process, so that a log line
// names a session without the key, and cannot be matched to a key (or to
// SessionInfo.ID) outside the process that wrote it.
var logSalt = func() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}()

// LogKeyHash returns how the Manager's log lines name the session under
// key: 16 hex digits of an HMAC-SHA256 of the key under a random salt
// drawn when the process starts. The same key gets the same name within a
// process, so its events can be followed; the key itself never reaches a
// log. "" for no key.
func LogKeyHash(key string) string {
	if key == "" {
		return ""
	}
	h := hmac.New(sha256.New, logSalt)
	h.Write([]byte(key))
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// event logs a session's lifecycle event (created, cycled, flushed, timed
// out, refused as too large) at debug level, naming the session by
// LogKeyHash only; to, when not "", is the key it moved to (cycled). It
// costs one Enabled call when debug logging is off.
func (m *Manager) event(ctx context.Context, msg, key, to string) {
	l := m.logger()
	if !l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	if to != "" {
		l.DebugContext(ctx, msg, "session", LogKeyHash(key), "to", LogKeyHash(to))
		return
	}
	l.DebugContext(ctx, msg, "session", LogKeyHash(key))
}
