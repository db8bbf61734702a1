package memstore_test

import (
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/memstore"
	"github.com/sessionkit/sessionkit/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) sessionkit.Store {
		s := memstore.New(0)
		t.Cleanup(func() { s.Close() })
		return s
	}, storetest.Options{})
}

func TestZeroValue(t *testing.T) {
	storetest.Run(t, func(t *testing.T) sessionkit.Store { return &memstore.Store{} }, storetest.Options{})
}
