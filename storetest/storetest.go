// Package storetest is the conformance suite for session stores, in the
// spirit of testing/fstest: an engine works when Run passes against it.
//
// Run checks the Store contract directly (keys it cannot hold, not-found,
// create collisions, no resurrection on update, expiry, the optional
// ExpiredClearer and UserSessionLister abilities, concurrent use) and then
// runs a Go counterpart of Django's SessionTestsMixin and of its middleware
// tests through a sessionkit.Manager backed by the store. Only tests that
// call the store are here; the Manager's and Session's own behaviour is
// tested once, in package sessionkit.
//
// A third-party engine runs it from a test of its own package:
//
//	func TestConformance(t *testing.T) {
//		clock := storetest.NewClock()
//		storetest.Run(t, func(t *testing.T) sessionkit.Store {
//			s := mystore.New(mystore.Config{Now: clock.Now})
//			t.Cleanup(func() { s.Close() })
//			return s
//		}, storetest.Options{Clock: clock})
//	}
//
// A store shared between processes (a file, a database, a cache server)
// also runs CrossProcess, which starts the test binary a second time and
// checks that the two processes' concurrent saves lose nothing.
package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
)

// Options describe the store under test.
type Options struct {
	// ClientSide marks a store that keeps the whole session in the cookie
	// (the signed-cookie engine): it cannot tell whether a session exists,
	// delete one, or detect a concurrent logout, so the tests of those are
	// skipped, as Django's suite skips them for signed_cookies.
	ClientSide bool
	// IgnoresExpiry marks a store that does not keep a record's own
	// Expiry: Django's signed_cookies engine, whose cookies all live
	// SESSION_COOKIE_AGE from when they were issued, whatever set_expiry
	// said. The tests of Record.Expiry are skipped, as Django's suite marks
	// test_actual_expiry an expected failure for that engine.
	IgnoresExpiry bool
	// Codec is the Manager's codec in the session-level tests; nil means
	// sessionkit.JSONCodec. Django-mode stores run with a *DjangoCodec.
	Codec sessionkit.Codec
	// Clock is the clock the stores read (give its Now to the store). The
	// suite moves it forward to test expiry instead of sleeping, and the
	// Managers it builds read it too. nil means the real time, and the
	// test of records expiring as time passes is skipped.
	Clock *Clock
}

// NewStore returns a fresh store for one test; it is called once per
// subtest. Use t.Cleanup to release it.
type NewStore func(t *testing.T) sessionkit.Store

// Run runs the whole suite against the stores newStore makes.
func Run(t *testing.T, newStore NewStore, opts Options) {
	t.Run("Contract", func(t *testing.T) { runContract(t, newStore, opts) })
	t.Run("Concurrency", func(t *testing.T) { runConcurrency(t, newStore, opts) })
	t.Run("Merge", func(t *testing.T) { runMerge(t, newStore, opts) })
	t.Run("Session", func(t *testing.T) { runSession(t, newStore, opts) })
	t.Run("Middleware", func(t *testing.T) { runMiddleware(t, newStore, opts) })
}

// Clock is a clock that moves only when told to. Its zero value is not
// usable; make one with NewClock. It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock that starts at the current time, so that
// servers with clocks of their own (a cache's TTLs) agree with it as long
// as it is not moved far.
func NewClock() *Clock { return &Clock{now: time.Now()} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// now returns the time of the suite's clock.
func (o *Options) now() time.Time {
	if o.Clock != nil {
		return o.Clock.Now()
	}
	return time.Now()
}

func ctx(t *testing.T) context.Context { return t.Context() }

// create stores data under a fresh key and returns the key to load it by.
func create(t *testing.T, s sessionkit.Store, data string, expiry time.Time) string {
	t.Helper()
	k, err := s.Create(ctx(t), sessionkit.NewKey(), sessionkit.Record{Data: []byte(data), Expiry: expiry})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return k
}

func mustLoad(t *testing.T, s sessionkit.Store, key string) sessionkit.Record {
	t.Helper()
	r, err := s.Load(ctx(t), key)
	if err != nil {
		t.Fatalf("Load(%q): %v", key, err)
	}
	return r
}

func wantNotFound(t *testing.T, s sessionkit.Store, key string) {
	t.Helper()
	_, err := s.Load(ctx(t), key)
	if !errors.Is(err, sessionkit.ErrNotFound) {
		t.Fatalf("Load(%q) = %v, want ErrNotFound", key, err)
	}
}

// near reports whether two instants are within the precision a store may
// keep (some keep whole seconds).
func near(a, b time.Time) bool {
	d := a.Sub(b)
	return d > -time.Second && d < time.Second
}

// validKey is the key rule of s: its own, or sessionkit.ValidKey.
func validKey(s sessionkit.Store, key string) bool {
	if kv, ok := s.(sessionkit.KeyValidator); ok {
		return kv.ValidKey(key)
	}
	return sessionkit.ValidKey(key)
}
