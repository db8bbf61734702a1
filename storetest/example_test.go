package storetest_test

import (
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/memstore"
	"github.com/sessionkit/sessionkit/storetest"
)

// An engine's test runs the suite with a function that makes a fresh store
// for each subtest. The store reads the suite's Clock, so that the tests of
// expiry move time forward instead of waiting.
func ExampleRun() {
	testConformance := func(t *testing.T) {
		clock := storetest.NewClock()
		storetest.Run(t, func(t *testing.T) sessionkit.Store {
			s := memstore.New(0)
			s.Now = clock.Now
			t.Cleanup(func() { s.Close() })
			return s
		}, storetest.Options{Clock: clock})
	}
	_ = testConformance // in a _test.go file: func TestConformance(t *testing.T) { ... }
}
