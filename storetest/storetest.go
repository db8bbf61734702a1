// Package storetest is the conformance suite for session stores, in the
// spirit of testing/fstest: an engine works when Run passes against it.
//
// Run checks the Store contract directly (not-found, create collisions,
// no resurrection on update, expiry, the optional ExpiredClearer and
// UserSessionLister abilities, concurrent use) and then runs a Go
// counterpart of Django's SessionTestsMixin and of its middleware tests
// through a sessionkit.Manager backed by the store.
package storetest

import (
	"context"
	"errors"
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
	return d > -1500*time.Millisecond && d < 1500*time.Millisecond
}
