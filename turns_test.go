package sessionkit_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/memstore"
)

// gatedStore holds the first Swap until gate is closed.
type gatedStore struct {
	*memstore.Store
	gate    chan struct{}
	entered chan struct{}
	once    sync.Once
}

func (g *gatedStore) Swap(ctx context.Context, key string, old []byte, rec sessionkit.Record) (string, error) {
	first := false
	g.once.Do(func() { first = true })
	if first {
		close(g.entered)
		<-g.gate
	}
	return g.Store.Swap(ctx, key, old, rec)
}

// Two requests read one version of a session; while the first saves, the
// second waits for its turn and then starts from what the first stored:
// it swaps at its first try, with no conflict and no second load, and
// both writes are kept.
func TestConcurrentSavesTakeTurns(t *testing.T) {
	store := &gatedStore{Store: memstore.New(0), gate: make(chan struct{}), entered: make(chan struct{})}
	defer store.Close()
	rec := &recorder{}
	m := &sessionkit.Manager{Store: store, Observer: rec, Logger: discardLogger()}
	ctx := context.Background()

	key := savedSession(t, m, "a", 1)
	first, second := m.Open(ctx, key), m.Open(ctx, key)
	first.Set("x", 1)
	second.Set("y", 2)
	second.Delete("a")

	errs := make(chan error, 2)
	go func() { errs <- first.Save(ctx) }()
	<-store.entered // the first save holds the turn, inside its Swap
	go func() { errs <- second.Save(ctx) }()
	for deadline := time.Now().Add(10 * time.Second); sessionkit.TurnUsers(m, key) < 2; {
		if time.Now().After(deadline) {
			t.Fatal("the second save never waited for its turn")
		}
		time.Sleep(time.Millisecond)
	}
	rec.reset()
	close(store.gate)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if ops := strings.Join(rec.ops(), " "); ops != "save save" {
		t.Errorf("two saves taking turns: observed %q, want %q (no conflict, no load)", ops, "save save")
	}
	got := m.Open(ctx, key)
	if x, _ := sessionkit.Get[int](got, "x"); x != 1 || got.Get("y") == nil || got.Has("a") {
		t.Errorf("after the turns: %v; want x=1, y=2 and no a", got.Keys())
	}
	if n := sessionkit.TurnUsers(m, key); n != 0 {
		t.Errorf("%d users of the turn left after both saves; want 0 (the entry is dropped)", n)
	}
}

// A save whose turn does not come within the wait goes ahead without it
// and merges as usual.
func TestSaveWithoutTurnStillMerges(t *testing.T) {
	store := &gatedStore{Store: memstore.New(0), gate: make(chan struct{}), entered: make(chan struct{})}
	defer store.Close()
	m := &sessionkit.Manager{Store: store, Logger: discardLogger()}
	ctx := context.Background()
	key := savedSession(t, m, "a", 1)
	first, second := m.Open(ctx, key), m.Open(ctx, key)
	first.Set("x", 1)
	second.Set("y", 2)
	errs := make(chan error, 1)
	go func() { errs <- first.Save(ctx) }()
	<-store.entered
	// The first save is stuck in its Swap; the second waits out its turn
	// (one second), then saves around it.
	if err := second.Save(ctx); err != nil {
		t.Fatal(err)
	}
	close(store.gate)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	got := m.Open(ctx, key)
	if got.Get("x") == nil || got.Get("y") == nil {
		t.Errorf("after a save that went ahead without its turn: %v; want x and y", got.Keys())
	}
}

// slowUpdates counts the Updates in progress and holds each until
// release is closed.
type slowUpdates struct {
	*memstore.Store
	mu       sync.Mutex
	inFlight int
	most     int
	release  chan struct{}
}

func (c *slowUpdates) Update(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	c.mu.Lock()
	c.inFlight++
	c.most = max(c.most, c.inFlight)
	c.mu.Unlock()
	<-c.release
	defer func() {
		c.mu.Lock()
		c.inFlight--
		c.mu.Unlock()
	}()
	return c.Store.Update(ctx, key, rec)
}

func (c *slowUpdates) updating() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inFlight
}

// Last-write-wins saves of one session reach the store two at a time: one
// being written and one queued behind it. The others wait in the process
// rather than in a herd on the store's row lock.
func TestLastWriteWinsSavesTwoAtATime(t *testing.T) {
	store := &slowUpdates{Store: memstore.New(0), release: make(chan struct{})}
	defer store.Close()
	m := &sessionkit.Manager{Store: store, Logger: discardLogger(), LastWriteWins: true}
	ctx := context.Background()
	key := savedSession(t, m, "a", 0)
	const n = 5
	errs := make(chan error, n)
	for i := range n {
		r := m.Open(ctx, key)
		r.Set("a", i+1)
		go func() { errs <- r.Save(ctx) }()
	}
	for deadline := time.Now().Add(10 * time.Second); sessionkit.TurnUsers(m, key) < n || store.updating() < 2; {
		if time.Now().After(deadline) {
			t.Fatalf("%d saves waiting and %d in the store; want %d and 2", sessionkit.TurnUsers(m, key), store.updating(), n)
		}
		time.Sleep(time.Millisecond)
	}
	close(store.release)
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if store.most != 2 {
		t.Errorf("at most %d saves of one session were in the store at once; want 2", store.most)
	}
}

// savedSession saves a new session holding the key/value pairs kv and
// returns its key.
func savedSession(t *testing.T, m *sessionkit.Manager, kv ...any) string {
	t.Helper()
	s := m.Open(t.Context(), "")
	for i := 0; i < len(kv); i += 2 {
		s.Set(kv[i].(string), kv[i+1])
	}
	if err := s.Save(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s.Key()
}
