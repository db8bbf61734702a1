package storetest

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
)

// runMerge checks that concurrent saves of one session lose no write
// (Swapper) and that exclusive requests take turns (Locker).
func runMerge(t *testing.T, newStore NewStore, opts Options) {
	newManager := func(t *testing.T) (*sessionkit.Manager, sessionkit.Store) {
		m := manager(t, newStore, opts)
		m.Logger = slog.New(slog.DiscardHandler)
		return m, m.Store
	}
	swapper := func(t *testing.T, s sessionkit.Store) {
		t.Helper()
		if opts.ClientSide {
			t.Skip("a client-side store keeps the last response's cookie: it cannot merge")
		}
		if _, ok := s.(sessionkit.Swapper); !ok {
			t.Skipf("%T is not a Swapper: concurrent saves replace each other", s)
		}
	}
	// start returns a session of key read by a request that then waits
	// for the others, so that every request reads before any saves.
	seed := func(t *testing.T, m *sessionkit.Manager, kv ...any) string {
		t.Helper()
		s := m.Open(ctx(t), "")
		for i := 0; i < len(kv); i += 2 {
			s.Set(kv[i].(string), kv[i+1])
		}
		if err := s.Save(ctx(t)); err != nil {
			t.Fatalf("Save: %v", err)
		}
		return s.Key()
	}
	t.Run("DisjointKeys", func(t *testing.T) {
		m, st := newManager(t)
		swapper(t, st)
		key := seed(t, m, "start", 1)
		const n = 30
		sessions := make([]*sessionkit.Session, n)
		for i := range sessions {
			sessions[i] = m.Open(ctx(t), key)
			sessions[i].Get("start") // every request reads before any saves
		}
		var wg sync.WaitGroup
		for i, s := range sessions {
			wg.Go(func() {
				s.Set(fmt.Sprintf("k%d", i), i)
				if err := s.Save(ctx(t)); err != nil {
					t.Errorf("Save %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		got := m.Open(ctx(t), key)
		for i := range n {
			if v, _ := sessionkit.Get[int](got, fmt.Sprintf("k%d", i)); v != i {
				t.Errorf("k%d = %v after %d concurrent saves of disjoint keys; want %d", i, got.Get(fmt.Sprintf("k%d", i)), n, i)
			}
		}
		if got.Get("start") == nil {
			t.Error("a key no request changed was lost")
		}
	})
	t.Run("ConflictCarriesStoredRecord", func(t *testing.T) {
		st := newStore(t)
		swapper(t, st)
		exp := opts.now().Add(time.Hour)
		key := create(t, st, `{"a":1}`, exp)
		stored := mustLoad(t, st, key).Data
		_, err := st.(sessionkit.Swapper).Swap(ctx(t), key, []byte(`{"a":0}`), sessionkit.Record{Data: []byte(`{"a":2}`), Expiry: exp})
		if !errors.Is(err, sessionkit.ErrConflict) {
			t.Fatalf("Swap from stale data = %v; want ErrConflict", err)
		}
		// A store may say what it found; then it must be what is stored.
		if ce, ok := errors.AsType[*sessionkit.ConflictError](err); ok && string(ce.Current.Data) != string(stored) {
			t.Errorf("the conflict carries %q; want the stored %q", ce.Current.Data, stored)
		}
		if got := mustLoad(t, st, key).Data; string(got) != string(stored) {
			t.Errorf("after a conflicting Swap, Load = %q; want the stored %q", got, stored)
		}
	})
	t.Run("LaterSaveWinsOneKey", func(t *testing.T) {
		m, st := newManager(t)
		swapper(t, st)
		key := seed(t, m, "color", "red", "size", 1)
		a, b := m.Open(ctx(t), key), m.Open(ctx(t), key)
		a.Get("color")
		b.Get("color")
		b.Set("color", "blue")
		b.Delete("size")
		if err := b.Save(ctx(t)); err != nil {
			t.Fatal(err)
		}
		a.Set("color", "green")
		if err := a.Save(ctx(t)); err != nil {
			t.Fatal(err)
		}
		got := m.Open(ctx(t), key)
		if got.Get("color") != "green" || got.Has("size") {
			t.Errorf("after b set blue and deleted size, then a set green: %v; want color green and no size", got.Keys())
		}
	})
	t.Run("ClearWinsOverEarlierWrites", func(t *testing.T) {
		m, st := newManager(t)
		swapper(t, st)
		key := seed(t, m, "a", 1, "b", 2)
		writer, clearer := m.Open(ctx(t), key), m.Open(ctx(t), key)
		writer.Get("a")
		clearer.Get("a")
		writer.Set("c", 3)
		if err := writer.Save(ctx(t)); err != nil {
			t.Fatal(err)
		}
		clearer.Clear()
		clearer.Set("d", 4)
		if err := clearer.Save(ctx(t)); err != nil {
			t.Fatal(err)
		}
		got := m.Open(ctx(t), key)
		if keys := got.Keys(); len(keys) != 1 || keys[0] != "d" {
			t.Errorf("after a write and then a Clear that set d: keys %v, want [d]", keys)
		}
	})
	t.Run("FlushStaysFlushed", func(t *testing.T) {
		m, st := newManager(t)
		swapper(t, st)
		key := seed(t, m, "_auth_user_id", "1")
		const n = 10
		writers := make([]*sessionkit.Session, n)
		for i := range writers {
			writers[i] = m.Open(ctx(t), key)
			writers[i].Get("_auth_user_id")
		}
		logout := m.Open(ctx(t), key)
		if err := logout.Flush(); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i, s := range writers {
			wg.Go(func() {
				s.Set(fmt.Sprintf("k%d", i), i)
				if err := s.Save(ctx(t)); !errors.Is(err, sessionkit.ErrInterrupted) {
					t.Errorf("Save after a logout = %v, want ErrInterrupted", err)
				}
			})
		}
		wg.Wait()
		if ok, err := m.Exists(ctx(t), key); ok || err != nil {
			t.Errorf("a flushed session was brought back by later saves (exists %v, %v)", ok, err)
		}
	})

	locker := func(t *testing.T, s sessionkit.Store) sessionkit.Locker {
		t.Helper()
		l, ok := s.(sessionkit.Locker)
		if !ok {
			t.Skipf("%T is not a Locker", s)
		}
		return l
	}
	t.Run("ExclusiveIncrementsAreExact", func(t *testing.T) {
		m, st := newManager(t)
		locker(t, st)
		m.LastWriteWins = true // the lock alone must keep every increment
		key := seed(t, m, "n", 0)
		h := m.ExclusiveMiddleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, _ := sessionkit.FromRequest(r)
			n, _ := sessionkit.Get[int](s, "n")
			time.Sleep(time.Millisecond) // work between the read and the write
			s.Set("n", n+1)
		}))
		const k, each = 4, 10
		var wg sync.WaitGroup
		for range k {
			wg.Go(func() {
				for range each {
					req := httptest.NewRequest("POST", "/", nil).WithContext(ctx(t))
					req.AddCookie(&http.Cookie{Name: sessionkit.DefaultCookieName, Value: key})
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						t.Errorf("status %d: %s", rec.Code, rec.Body)
					}
				}
			})
		}
		wg.Wait()
		if n, _ := sessionkit.Get[int](m.Open(ctx(t), key), "n"); n != k*each {
			t.Errorf("%d exclusive requests × %d increments gave %d", k, each, n)
		}
	})
	t.Run("LockLeaseEnds", func(t *testing.T) {
		st := newStore(t)
		l := locker(t, st)
		key := sessionkit.NewKey()
		if ok, err := l.TryLock(ctx(t), key, "dead", 200*time.Millisecond); !ok || err != nil {
			t.Fatalf("TryLock of a free key = %v, %v", ok, err)
		}
		if ok, err := l.TryLock(ctx(t), key, "other", time.Minute); ok || err != nil {
			t.Fatalf("TryLock of a held key = %v, %v; want false", ok, err)
		}
		if opts.Clock != nil {
			opts.Clock.Advance(time.Second)
		}
		// The holder never unlocks: its lease must end by itself.
		deadline := time.Now().Add(10 * time.Second)
		for {
			ok, err := l.TryLock(ctx(t), key, "other", time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("a lease of 200ms was still held after 10s")
			}
			time.Sleep(20 * time.Millisecond)
		}
		// Unlock with a stale token leaves the new holder's lock alone.
		if err := l.Unlock(ctx(t), key, "dead"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := l.TryLock(ctx(t), key, "third", time.Minute); ok {
			t.Error("Unlock with another token released the lock")
		}
		if err := l.Unlock(ctx(t), key, "other"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := l.TryLock(ctx(t), key, "third", time.Minute); !ok {
			t.Error("the lock was not released by its holder's Unlock")
		}
	})
	t.Run("LockWaitEndsInErrLocked", func(t *testing.T) {
		m, st := newManager(t)
		l := locker(t, st)
		key := seed(t, m, "n", 0)
		if ok, err := l.TryLock(ctx(t), key, "holder", time.Minute); !ok || err != nil {
			t.Fatalf("TryLock = %v, %v", ok, err)
		}
		var got error
		m.LockWait = 50 * time.Millisecond
		m.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
			got = err
			sessionkit.DefaultErrorHandler(w, r, err)
		}
		ran := false
		h := m.ExclusiveMiddleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ran = true }))
		req := httptest.NewRequest("POST", "/", nil).WithContext(ctx(t))
		req.AddCookie(&http.Cookie{Name: sessionkit.DefaultCookieName, Value: key})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if !errors.Is(got, sessionkit.ErrLocked) || rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || ran {
			t.Errorf("a request waiting past LockWait: error %v, status %d, Retry-After %q, handler ran %v; want ErrLocked, 503, a Retry-After, false",
				got, rec.Code, rec.Header().Get("Retry-After"), ran)
		}
	})
}
