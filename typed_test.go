package sessionkit_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/memstore"
)

// typedSession returns a session whose data went through the JSON codec
// and back, as a handler sees it on the next request.
func typedSession(t *testing.T) *sessionkit.Session {
	t.Helper()
	m := sessionkit.New(&memstore.Store{})
	ctx := context.Background()
	s := m.Open(ctx, "")
	s.Set("tags", []string{"a", "b"})
	s.Set("counts", map[string]int{"mug": 2, "tea": 1})
	s.Set("nested", map[string][]int{"x": {1, 2}})
	s.Set("n", 3)
	s.Set("f", 2.5)
	s.Set("when", "2026-01-02T03:04:05+00:00")
	s.Set("mixed", []any{1, "x"})
	s.Set("null", nil)
	s.Set("cart", map[string]any{"sku": "mug", "qty": 2})
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	return m.Open(ctx, s.Key())
}

func TestGetConverts(t *testing.T) {
	s := typedSession(t)
	check := func(name string, got any, ok bool, want any, wantOK bool) {
		t.Helper()
		if ok != wantOK || (wantOK && !reflect.DeepEqual(got, want)) {
			t.Errorf("%s = %#v, %v; want %#v, %v", name, got, ok, want, wantOK)
		}
	}
	tags, ok := sessionkit.Get[[]string](s, "tags")
	check("Get[[]string](tags)", tags, ok, []string{"a", "b"}, true)
	counts, ok := sessionkit.Get[map[string]int](s, "counts")
	check("Get[map[string]int](counts)", counts, ok, map[string]int{"mug": 2, "tea": 1}, true)
	nested, ok := sessionkit.Get[map[string][]int](s, "nested")
	check("Get[map[string][]int](nested)", nested, ok, map[string][]int{"x": {1, 2}}, true)
	n, ok := sessionkit.Get[int64](s, "n")
	check("Get[int64](n)", n, ok, int64(3), true)
	_, ok = sessionkit.Get[int](s, "f")
	check("Get[int](2.5)", nil, ok, nil, false)
	when, ok := sessionkit.Get[time.Time](s, "when")
	if !ok || !when.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("Get[time.Time](when) = %v, %v", when, ok)
	}
	_, ok = sessionkit.Get[[]string](s, "mixed")
	check("Get[[]string] of [1, \"x\"]", nil, ok, nil, false)
	mixed, ok := sessionkit.Get[[]any](s, "mixed")
	check("Get[[]any](mixed)", mixed, ok, []any{1, "x"}, true)
	null, ok := sessionkit.Get[[]string](s, "null")
	check("Get[[]string](null)", null, ok, []string(nil), true)
	_, ok = sessionkit.Get[string](s, "n")
	check("Get[string](3)", nil, ok, nil, false)
	type cart struct {
		SKU string `json:"sku"`
		Qty int    `json:"qty"`
	}
	c, ok := sessionkit.Get[cart](s, "cart")
	check("Get[cart](cart)", c, ok, cart{"mug", 2}, true)
	_, ok = sessionkit.Get[int](s, "absent")
	check("Get[int](absent)", nil, ok, nil, false)
}

func TestPopTyped(t *testing.T) {
	s := typedSession(t)
	if _, ok := sessionkit.Pop[int](s, "tags"); ok || !s.Has("tags") {
		t.Error("Pop of a value that does not convert removed it or reported true")
	}
	if s.Modified() {
		t.Error("a failed Pop modified the session")
	}
	tags, ok := sessionkit.Pop[[]string](s, "tags")
	if !ok || !reflect.DeepEqual(tags, []string{"a", "b"}) || s.Has("tags") || !s.Modified() {
		t.Errorf("Pop[[]string] = %v, %v; still there %v, modified %v", tags, ok, s.Has("tags"), s.Modified())
	}
	if _, ok := sessionkit.Pop[int](s, "tags"); ok {
		t.Error("a second Pop found the key")
	}
}

// BenchmarkGetSlice is the read of a list in a session: converted
// directly, not through JSON.
func BenchmarkGetSlice(b *testing.B) {
	s := typedSession(&testing.T{})
	for b.Loop() {
		if _, ok := sessionkit.Get[[]string](s, "tags"); !ok {
			b.Fatal("no tags")
		}
	}
}
