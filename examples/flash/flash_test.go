package flash_test

import (
	"context"
	"slices"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/examples/flash"
	"github.com/sessionkit/sessionkit/store/memstore"
)

func TestAddPop(t *testing.T) {
	m := sessionkit.New(memstore.New(0))
	s := m.Open(context.Background(), "")
	if got := flash.Pop(s); got != nil || s.Modified() {
		t.Fatalf("Pop of no messages = %q, modified %v; want nil, unmodified", got, s.Modified())
	}
	flash.Add(s, "one")
	flash.Add(s, "two")
	if err := s.Save(context.Background()); err != nil {
		t.Fatal(err)
	}
	s = m.Open(context.Background(), s.Key())
	if got := flash.Pop(s); !slices.Equal(got, []string{"one", "two"}) {
		t.Fatalf("Pop = %q, want [one two]", got)
	}
	if got := flash.Pop(s); got != nil {
		t.Fatalf("a second Pop = %q, want nothing: each message is shown once", got)
	}
}
