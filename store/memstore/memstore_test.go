package memstore_test

import (
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/memstore"
	"github.com/sessionkit/sessionkit/storetest"
)

func TestConformance(t *testing.T) {
	clock := storetest.NewClock()
	storetest.Run(t, func(t *testing.T) sessionkit.Store {
		s := memstore.New(0)
		s.Now = clock.Now
		t.Cleanup(func() { s.Close() })
		return s
	}, storetest.Options{Clock: clock})
}

func TestZeroValue(t *testing.T) {
	storetest.Run(t, func(t *testing.T) sessionkit.Store { return &memstore.Store{} }, storetest.Options{})
}
