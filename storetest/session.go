package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
)

// manager returns a Manager over a fresh store, as Django's tests build a
// SessionStore.
func manager(t *testing.T, newStore NewStore, opts Options) *sessionkit.Manager {
	m := &sessionkit.Manager{Store: newStore(t), Codec: opts.Codec}
	if opts.Clock != nil {
		m.Now = opts.Clock.Now
	}
	return m
}

// items returns the key/value pairs of s, in order, as "key=value".
func items(s *sessionkit.Session) []string {
	var out []string
	for k, v := range s.All() {
		out = append(out, fmt.Sprintf("%s=%#v", k, v))
	}
	return out
}

func flags(t *testing.T, s *sessionkit.Session, accessed, modified bool) {
	t.Helper()
	if s.Accessed() != accessed || s.Modified() != modified {
		t.Errorf("accessed, modified = %v, %v; want %v, %v", s.Accessed(), s.Modified(), accessed, modified)
	}
}

// fresh reopens the saved session s, with its flags reset, like Django's
// tests do with `self.session.accessed = False`.
func fresh(t *testing.T, m *sessionkit.Manager, s *sessionkit.Session) *sessionkit.Session {
	t.Helper()
	if err := s.Save(ctx(t)); err != nil {
		t.Fatalf("Save: %v", err)
	}
	return m.Open(ctx(t), s.Key())
}

func exists(t *testing.T, m *sessionkit.Manager, key string) bool {
	t.Helper()
	ok, err := m.Exists(ctx(t), key)
	if err != nil {
		t.Fatalf("Exists: %v", err)
	}
	return ok
}

// runSession is the Go counterpart of Django's SessionTestsMixin
// (tests/sessions_tests/tests.py), one subtest per Django test.
func runSession(t *testing.T, newStore NewStore, opts Options) {
	open := func(t *testing.T) (*sessionkit.Manager, *sessionkit.Session) {
		m := manager(t, newStore, opts)
		return m, m.Open(ctx(t), "")
	}
	serverOnly := func(t *testing.T) {
		if opts.ClientSide {
			t.Skip("as Django's suite does for signed cookies: a client-side session cannot be looked up or invalidated")
		}
	}
	t.Run("test_pop", func(t *testing.T) {
		m, s := open(t)
		s.Set("some key", "exists")
		s = fresh(t, m, s)
		v, ok := s.Pop("some key")
		if v != "exists" || !ok {
			t.Errorf("Pop = %v, %v", v, ok)
		}
		flags(t, s, true, true)
		if s.Get("some key") != nil {
			t.Error("the popped key is still there")
		}
	})
	t.Run("test_has_key", func(t *testing.T) {
		m, s := open(t)
		s.Set("some key", 1)
		s = fresh(t, m, s)
		if !s.Has("some key") {
			t.Error("Has = false")
		}
		flags(t, s, true, false)
	})
	t.Run("test_values", func(t *testing.T) {
		m, s := open(t)
		if v := s.Values(); len(v) != 0 {
			t.Errorf("Values of an empty session = %v", v)
		}
		if !s.Accessed() {
			t.Error("Values did not mark the session accessed")
		}
		s.Set("some key", 1)
		s = fresh(t, m, s)
		if v := s.Values(); len(v) != 1 || v[0] != 1 {
			t.Errorf("Values = %#v, want [1] (an int)", v)
		}
		flags(t, s, true, false)
	})
	t.Run("test_keys", func(t *testing.T) {
		m, s := open(t)
		s.Set("x", 1)
		s = fresh(t, m, s)
		if k := s.Keys(); !slices.Equal(k, []string{"x"}) {
			t.Errorf("Keys = %v", k)
		}
		flags(t, s, true, false)
	})
	t.Run("test_keys_keep_insertion_order", func(t *testing.T) {
		m, s := open(t)
		for _, k := range []string{"zebra", "apple", "mango", "_auth_user_id"} {
			s.Set(k, k)
		}
		s = fresh(t, m, s)
		if k := s.Keys(); !slices.Equal(k, []string{"zebra", "apple", "mango", "_auth_user_id"}) {
			t.Errorf("Keys = %v, want insertion order", k)
		}
	})
	t.Run("test_items", func(t *testing.T) {
		m, s := open(t)
		s.Set("x", 1)
		s = fresh(t, m, s)
		var got [][2]any
		for k, v := range s.All() {
			got = append(got, [2]any{k, v})
		}
		if len(got) != 1 || got[0][0] != "x" || got[0][1] != 1 {
			t.Errorf("All = %v, want [(x 1)]", got)
		}
		flags(t, s, true, false)
	})
	t.Run("test_clear", func(t *testing.T) {
		m, s := open(t)
		s.Set("x", 1)
		s = fresh(t, m, s)
		s.Clear()
		if s.Len() != 0 {
			t.Errorf("Len after Clear = %d", s.Len())
		}
		flags(t, s, true, true)
	})
	t.Run("test_save", func(t *testing.T) {
		serverOnly(t)
		m, s := open(t)
		if err := s.Save(ctx(t)); err != nil {
			t.Fatal(err)
		}
		if !exists(t, m, s.Key()) {
			t.Error("a saved session does not exist")
		}
	})
	t.Run("test_delete", func(t *testing.T) {
		serverOnly(t)
		m, s := open(t)
		if err := s.Save(ctx(t)); err != nil {
			t.Fatal(err)
		}
		if err := m.Store.Delete(ctx(t), s.Key()); err != nil {
			t.Fatal(err)
		}
		if exists(t, m, s.Key()) {
			t.Error("a deleted session exists")
		}
	})
	t.Run("test_flush", func(t *testing.T) {
		m, s := open(t)
		s.Set("foo", "bar")
		if err := s.Save(ctx(t)); err != nil {
			t.Fatal(err)
		}
		prev := s.Key()
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
		if !opts.ClientSide && exists(t, m, prev) {
			t.Error("the flushed session still exists")
		}
		if s.Key() == prev || s.Key() != "" {
			t.Errorf("key after Flush = %q, want none", s.Key())
		}
		flags(t, s, true, true)
		if s.Get("foo") != nil {
			t.Error("data survived Flush")
		}
	})
	t.Run("test_cycle", func(t *testing.T) {
		serverOnly(t)
		m, s := open(t)
		s.Set("a", "c")
		s.Set("b", "d")
		if err := s.Save(ctx(t)); err != nil {
			t.Fatal(err)
		}
		prev := s.Key()
		prevItems := items(s)
		if err := s.CycleKey(); err != nil {
			t.Fatal(err)
		}
		if exists(t, m, prev) {
			t.Error("the old key still exists after CycleKey")
		}
		if s.Key() == prev {
			t.Error("CycleKey kept the key")
		}
		if got := items(s); !slices.Equal(got, prevItems) {
			t.Errorf("items after CycleKey = %v, want %v", got, prevItems)
		}
		if got := items(m.Open(ctx(t), s.Key())); !slices.Equal(got, prevItems) {
			t.Errorf("items reloaded under the new key = %v, want %v", got, prevItems)
		}
	})
	t.Run("test_cycle_with_no_session_cache", func(t *testing.T) {
		m, s := open(t)
		s.Set("a", "c")
		if err := s.Save(ctx(t)); err != nil {
			t.Fatal(err)
		}
		s2 := m.Open(ctx(t), s.Key())
		if err := s2.CycleKey(); err != nil {
			t.Fatal(err)
		}
		if v := s2.Get("a"); v != "c" {
			t.Errorf("after CycleKey of an unloaded session, a = %v, want c", v)
		}
		if v := m.Open(ctx(t), s2.Key()).Get("a"); v != "c" {
			t.Errorf("reloaded after CycleKey, a = %v, want c", v)
		}
	})
	t.Run("test_save_doesnt_clear_data", func(t *testing.T) {
		_, s := open(t)
		s.Set("a", "b")
		if err := s.Save(ctx(t)); err != nil {
			t.Fatal(err)
		}
		if s.Get("a") != "b" {
			t.Error("data lost by Save")
		}
	})
	t.Run("test_invalid_key", func(t *testing.T) {
		m := manager(t, newStore, opts)
		s := m.Open(ctx(t), "1")
		if err := s.Save(ctx(t)); err != nil {
			t.Fatal(err)
		}
		if s.Key() == "1" || s.Key() == "" {
			t.Errorf("key = %q, want a fresh one", s.Key())
		}
		if s.Get("cat") != nil {
			t.Error("an invalid key has data")
		}
	})
	t.Run("test_session_key_validity", func(t *testing.T) {
		m := manager(t, newStore, opts)
		for key, keep := range map[string]bool{"": false, "1234567": false, "12345678": !opts.ClientSide} {
			got := m.Open(ctx(t), key).Key()
			if kept := got != ""; kept != keep {
				t.Errorf("Open(%q).Key() = %q; kept = %v, want %v", key, got, kept, keep)
			}
		}
	})
	t.Run("test_actual_expiry", func(t *testing.T) {
		if opts.IgnoresExpiry {
			t.Skip("this store does not enforce custom expiry (Django's expected failure for signed cookies)")
		}
		m, s := open(t)
		s.Set("foo", "bar")
		s.SetExpiry(-10 * time.Second)
		if err := s.Save(ctx(t)); err != nil {
			t.Fatal(err)
		}
		s2 := m.Open(ctx(t), s.Key())
		if s2.Has("foo") {
			t.Error("a session saved already expired was loaded")
		}
	})
	t.Run("test_session_load_does_not_create_record", func(t *testing.T) {
		serverOnly(t)
		m := manager(t, newStore, opts)
		s := m.Open(ctx(t), "someunknownkey")
		s.Get("x")
		if s.Key() != "" {
			t.Errorf("an unknown key was adopted: %q", s.Key())
		}
		if exists(t, m, "someunknownkey") {
			t.Error("loading created a record")
		}
		s.Set("x", 1)
		if err := s.Save(ctx(t)); err != nil {
			t.Fatal(err)
		}
		if s.Key() == "someunknownkey" {
			t.Error("saving reused the unknown key")
		}
	})
	t.Run("test_session_save_does_not_resurrect_session_logged_out_in_other_context", func(t *testing.T) {
		serverOnly(t)
		m, s1 := open(t)
		s1.Set("x", 1)
		if err := s1.Save(ctx(t)); err != nil {
			t.Fatal(err)
		}
		s2 := m.Open(ctx(t), s1.Key())
		if err := s2.Flush(); err != nil {
			t.Fatal(err)
		}
		s1.Set("y", 2)
		if err := s1.Save(ctx(t)); !errors.Is(err, sessionkit.ErrInterrupted) {
			t.Fatalf("Save of a session deleted elsewhere = %v, want ErrInterrupted", err)
		}
		if m.Open(ctx(t), s1.Key()).Len() != 0 {
			t.Error("the deleted session came back")
		}
	})
	t.Run("test_test_cookie", func(t *testing.T) {
		m, s := open(t)
		if s.TestCookieWorked() {
			t.Error("the test cookie worked before it was set")
		}
		s.SetTestCookie()
		s = fresh(t, m, s)
		if !s.TestCookieWorked() {
			t.Error("the test cookie did not survive a save")
		}
		s.DeleteTestCookie()
		if s.TestCookieWorked() {
			t.Error("the test cookie survived DeleteTestCookie")
		}
	})
	t.Run("test_typed_values_round_trip", func(t *testing.T) {
		m, s := open(t)
		s.Set("int", 42)
		s.Set("big", int64(1)<<62)
		s.Set("float", 2.5)
		s.Set("whole_float", 3.0)
		s.Set("list", []any{1, "two", 3.0})
		s.Set("map", map[string]any{"k": "v"})
		s.Set("when", time.Date(2030, 1, 2, 3, 4, 5, 678901000, time.UTC))
		s = fresh(t, m, s)
		if v, ok := s.Lookup("int"); v != 42 || !ok {
			t.Errorf("int came back as %#v", v)
		}
		if v, _ := sessionkit.Get[int64](s, "big"); v != int64(1)<<62 {
			t.Errorf("big came back as %v", v)
		}
		if v := s.Get("whole_float"); v != 3.0 {
			t.Errorf("whole_float came back as %#v, want float64 3", v)
		}
		if v, ok := sessionkit.Get[[]any](s, "list"); !ok || len(v) != 3 || v[0] != 1 || v[2] != 3.0 {
			t.Errorf("list came back as %#v", v)
		}
		if v, ok := sessionkit.Get[map[string]string](s, "map"); !ok || v["k"] != "v" {
			t.Errorf("map came back as %#v", v)
		}
		if v, ok := sessionkit.Get[time.Time](s, "when"); !ok || !v.Equal(time.Date(2030, 1, 2, 3, 4, 5, 678901000, time.UTC)) {
			t.Errorf("time came back as %v, %v", v, ok)
		}
	})
}
