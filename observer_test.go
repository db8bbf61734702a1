package sessionkit_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/sessionkittest"
	"github.com/sessionkit/sessionkit/store/memstore"
)

// recorder is an Observer that keeps what it saw.
type recorder struct {
	mu  sync.Mutex
	obs []sessionkit.Observation
}

func (r *recorder) Observe(_ context.Context, o sessionkit.Observation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.obs = append(r.obs, o)
}

// ops returns the operations seen, in order, as "op" or "op:error".
func (r *recorder) ops() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, o := range r.obs {
		s := o.Op.String()
		if o.Err != nil {
			s += ":error"
		}
		out = append(out, s)
	}
	return out
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.obs = nil
}

func TestObserverSeesStoreCalls(t *testing.T) {
	store := memstore.New(0)
	defer store.Close()
	rec := &recorder{}
	m := &sessionkit.Manager{Store: store, Observer: rec, Logger: discardLogger()}
	ctx := context.Background()

	s := m.Open(ctx, "")
	s.Set("a", 1)
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	key := s.Key()
	if got := strings.Join(rec.ops(), " "); got != "create" {
		t.Fatalf("a new session's save: observed %q, want create", got)
	}
	rec.reset()

	s = m.Open(ctx, key)
	s.Set("b", 2)
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.CycleKey(); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(rec.ops(), " "), "load save create delete delete"; got != want {
		t.Fatalf("load, set, save, cycle, flush: observed %q, want %q", got, want)
	}
	rec.mu.Lock()
	for _, o := range rec.obs {
		if o.Store != store {
			t.Errorf("%v: Store is %T %p, want the Manager's", o.Op, o.Store, o.Store)
		}
	}
	rec.mu.Unlock()
	rec.reset()

	// An unknown key is ErrNotFound: reported as it came.
	if ok, err := m.Exists(ctx, sessionkit.NewKey()); ok || err != nil {
		t.Fatalf("Exists(unknown) = %v, %v", ok, err)
	}
	rec.mu.Lock()
	if len(rec.obs) != 1 || rec.obs[0].Op != sessionkit.OpLoad || !errors.Is(rec.obs[0].Err, sessionkit.ErrNotFound) {
		t.Fatalf("Exists(unknown): observed %+v, want one load with ErrNotFound", rec.obs)
	}
	rec.mu.Unlock()
}

func TestObserverSeesConflictAndRetry(t *testing.T) {
	store := memstore.New(0)
	defer store.Close()
	rec := &recorder{}
	m := &sessionkit.Manager{Store: store, Observer: rec, Logger: discardLogger()}
	ctx := context.Background()

	key := savedSession(t, m, "a", 1)
	// Two requests read the same version; the second to save conflicts
	// and merges into the record that the conflict carries: no load.
	first, second := m.Open(ctx, key), m.Open(ctx, key)
	first.Set("x", 1)
	second.Set("y", 2)
	if err := first.Save(ctx); err != nil {
		t.Fatal(err)
	}
	rec.reset()
	if err := second.Save(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(rec.ops(), " "), "save:error conflict retry save"; got != want {
		t.Fatalf("a save that lost a race: observed %q, want %q", got, want)
	}
	if v, _ := sessionkit.Get[int](m.Open(ctx, key), "x"); v != 1 {
		t.Fatalf("the merge lost the first request's write: x = %v", v)
	}
}

func TestObserverSeesLockWait(t *testing.T) {
	store := memstore.New(0)
	defer store.Close()
	rec := &recorder{}
	m := &sessionkit.Manager{Store: store, Observer: rec, Logger: discardLogger(), LockWait: time.Millisecond}
	ctx := context.Background()
	s := m.Open(ctx, "")
	s.Set("a", 1)
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	// Another holder keeps the lock: the request waits LockWait and gives up.
	if ok, err := store.TryLock(ctx, s.Key(), "other", time.Hour); !ok || err != nil {
		t.Fatalf("TryLock = %v, %v", ok, err)
	}
	rec.reset()
	h := m.ExclusiveMiddleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("the handler ran without the lock")
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(&http.Cookie{Name: "sessionid", Value: s.Key()})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", w.Code)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.obs) != 1 || rec.obs[0].Op != sessionkit.OpLockWait || !errors.Is(rec.obs[0].Err, sessionkit.ErrLocked) {
		t.Fatalf("observed %+v, want one lock_wait with ErrLocked", rec.obs)
	}
	if rec.obs[0].Duration <= 0 {
		t.Fatalf("lock_wait Duration = %v, want the time waited", rec.obs[0].Duration)
	}
}

// Lifecycle events are logged at debug level and name the session by a
// salted hash, never by its key.
func TestLifecycleEventsHideTheKey(t *testing.T) {
	store := memstore.New(0)
	defer store.Close()
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m := &sessionkit.Manager{Store: store, Logger: log}
	ctx := context.Background()
	s := m.Open(ctx, "")
	s.Set("a", 1)
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	first := s.Key()
	if err := s.CycleKey(); err != nil {
		t.Fatal(err)
	}
	second := s.Key()
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, msg := range []string{"session created", "session key cycled", "session flushed"} {
		if !strings.Contains(out, msg) {
			t.Errorf("no %q in the log:\n%s", msg, out)
		}
	}
	for _, key := range []string{first, second} {
		if strings.Contains(out, key) {
			t.Errorf("the log holds a session key:\n%s", out)
		}
		if !strings.Contains(out, "session="+sessionkit.LogKeyHash(key)) {
			t.Errorf("the log does not name %s by LogKeyHash:\n%s", sessionkit.LogKeyHash(key), out)
		}
	}
	if h := sessionkit.LogKeyHash(first); h == sessionkit.LogKeyHash(second) || len(h) != 16 || h == sessionkit.KeyHash(first)[:16] {
		t.Errorf("LogKeyHash(%q) = %q: want 16 hex digits, distinct per key, not the unsalted KeyHash", first, h)
	}
}

// notFoundStore answers every Load with ErrNotFound, allocating nothing,
// so that the test below counts the Manager's allocations only.
type notFoundStore struct{ sessionkit.Store }

func (notFoundStore) Load(context.Context, string) (sessionkit.Record, error) {
	return sessionkit.Record{}, sessionkit.ErrNotFound
}

func TestNoObserverAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	m := &sessionkit.Manager{Store: notFoundStore{}, Logger: discardLogger()}
	ctx := context.Background()
	key := sessionkit.NewKey()
	if allocs := testing.AllocsPerRun(100, func() { m.Exists(ctx, key) }); allocs != 0 {
		t.Fatalf("a load with no Observer: %v allocations, want 0", allocs)
	}
}

// A session that timed out, and one refused as too large, are logged by
// LogKeyHash too.
func TestTimeoutAndTooLargeEventsHideTheKey(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	clock := sessionkittest.NewClock(time.Unix(1_800_000_000, 0))
	store := memstore.New(0)
	defer store.Close()
	// In Django mode the record keeps Django's expiry, so the idle timeout
	// is the Manager's to apply.
	codec := &sessionkit.DjangoCodec{SecretKey: "django-insecure-lifecycle-log-test"}
	m := &sessionkit.Manager{Store: store, Codec: codec, Logger: log, Now: clock.Now, IdleTimeout: time.Hour, MaxSize: 200}
	ctx := context.Background()
	key := sessionkittest.Seed(t, m, map[string]any{"a": 1}).Value

	// Too large: a request adds more than MaxSize to the session.
	c := sessionkittest.NewClient(t, m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromRequest(r)
		s.Set("big", strings.Repeat("x", 400))
	})))
	c.SetCookie(&http.Cookie{Name: "sessionid", Value: key})
	if resp := c.Get("/"); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
	// Timed out: idle for longer than IdleTimeout.
	clock.Advance(2 * time.Hour)
	if s := m.Open(ctx, key); s.Get("a") != nil {
		t.Fatal("the session outlived its idle timeout")
	}
	out := buf.String()
	for _, msg := range []string{"session too large", "session timed out"} {
		if !strings.Contains(out, msg) {
			t.Errorf("no %q in the log:\n%s", msg, out)
		}
	}
	if strings.Contains(out, key) {
		t.Errorf("the log holds the session key:\n%s", out)
	}
	if n := strings.Count(out, "session="+sessionkit.LogKeyHash(key)); n != 3 {
		t.Errorf("%d lines name the session by LogKeyHash, want 3 (created, too large, timed out):\n%s", n, out)
	}
}

func TestObservationFailed(t *testing.T) {
	down := errors.New("connection refused")
	for _, tc := range []struct {
		o    sessionkit.Observation
		want bool
	}{
		{sessionkit.Observation{Op: sessionkit.OpLoad}, false},
		{sessionkit.Observation{Op: sessionkit.OpLoad, Err: sessionkit.ErrNotFound}, false},
		{sessionkit.Observation{Op: sessionkit.OpCreate, Err: sessionkit.ErrKeyExists}, false},
		{sessionkit.Observation{Op: sessionkit.OpSave, Err: sessionkit.ErrConflict}, false},
		{sessionkit.Observation{Op: sessionkit.OpSave, Err: sessionkit.ErrNotFound}, true},
		{sessionkit.Observation{Op: sessionkit.OpLoad, Err: down}, true},
	} {
		if got := tc.o.Failed(); got != tc.want {
			t.Errorf("%v with %v: Failed = %v, want %v", tc.o.Op, tc.o.Err, got, tc.want)
		}
	}
	if n := sessionkit.StoreName(nil); n != "none" {
		t.Errorf("StoreName(nil) = %q", n)
	}
}
