package demo

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/memstore"
)

// metricValue returns the value of the series line that starts with
// series in the text at /metrics.
func metricValue(t *testing.T, text, series string) string {
	t.Helper()
	for l := range strings.SplitSeq(text, "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			return v
		}
	}
	t.Fatalf("no series %s in\n%s", series, text)
	return ""
}

func TestMetricsEndpoint(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	wantStatus(t, c.postJSON("/api/session", `{"color": "blue"}`), 200) // create
	wantStatus(t, c.postJSON("/api/session", `{"size": 9}`), 200)       // load, save
	wantStatus(t, c.postJSON("/api/session/flush", ``), 200)            // load, delete

	r := c.get("/metrics")
	wantStatus(t, r, 200)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q, want Prometheus' text format", ct)
	}
	if r.setCookie("sessionid") != nil || r.Header.Get("Vary") != "" {
		t.Errorf("/metrics went through the session Middleware: %v", r.Header)
	}
	for series, want := range map[string]string{
		`sessionkit_store_operations_total{engine="memstore",op="create"}`:                "1",
		`sessionkit_store_operations_total{engine="memstore",op="load"}`:                  "2",
		`sessionkit_store_operations_total{engine="memstore",op="save"}`:                  "1",
		`sessionkit_store_operations_total{engine="memstore",op="delete"}`:                "1",
		`sessionkit_store_errors_total{engine="memstore",op="load"}`:                      "0",
		`sessionkit_store_duration_seconds_count{engine="memstore",op="load"}`:            "2",
		`sessionkit_store_duration_seconds_bucket{engine="memstore",op="load",le="+Inf"}`: "2",
		`sessionkit_merge_conflicts_total{engine="memstore"}`:                             "0",
		`sessionkit_lock_waits_total{engine="memstore",outcome="timeout"}`:                "0",
	} {
		if got := metricValue(t, r.body, series); got != want {
			t.Errorf("%s = %s, want %s", series, got, want)
		}
	}
	// Every line is a comment or a sessionkit_ series with a number.
	line := regexp.MustCompile(`^(# (HELP|TYPE) sessionkit_\w+ .+|sessionkit_\w+\{[^}]*\} [0-9.e+-]+)$`)
	for l := range strings.SplitSeq(strings.TrimSuffix(r.body, "\n"), "\n") {
		if !line.MatchString(l) {
			t.Errorf("not a sessionkit metric line: %q", l)
		}
	}
	// The histogram's buckets are cumulative.
	le1 := metricValue(t, r.body, `sessionkit_store_duration_seconds_bucket{engine="memstore",op="load",le="1"}`)
	le5 := metricValue(t, r.body, `sessionkit_store_duration_seconds_bucket{engine="memstore",op="load",le="5"}`)
	if le1 > le5 {
		t.Errorf("buckets not cumulative: le=1 %s, le=5 %s", le1, le5)
	}
}

// Metrics counts what a Manager's Observer sees: errors and conflicts too.
func TestMetricsCountsErrorsAndConflicts(t *testing.T) {
	mt := NewMetrics("primary")
	ctx := context.Background()
	mt.Observe(ctx, sessionkit.Observation{Op: sessionkit.OpLoad, Err: errDown, Duration: 3 * time.Millisecond})
	mt.Observe(ctx, sessionkit.Observation{Op: sessionkit.OpLoad, Err: sessionkit.ErrNotFound})
	mt.Observe(ctx, sessionkit.Observation{Op: sessionkit.OpConflict})
	mt.Observe(ctx, sessionkit.Observation{Op: sessionkit.OpRetry})
	mt.Observe(ctx, sessionkit.Observation{Op: sessionkit.OpLockWait, Err: sessionkit.ErrLocked, Duration: time.Second})
	var b strings.Builder
	mt.WriteTo(&b)
	for series, want := range map[string]string{
		`sessionkit_store_operations_total{engine="primary",op="load"}`:                    "2",
		`sessionkit_store_errors_total{engine="primary",op="load"}`:                        "1",
		`sessionkit_store_duration_seconds_bucket{engine="primary",op="load",le="0.0025"}`: "1",
		`sessionkit_store_duration_seconds_bucket{engine="primary",op="load",le="0.005"}`:  "2",
		`sessionkit_store_duration_seconds_sum{engine="primary",op="load"}`:                "0.003",
		`sessionkit_merge_conflicts_total{engine="primary"}`:                               "1",
		`sessionkit_merge_retries_total{engine="primary"}`:                                 "1",
		`sessionkit_lock_waits_total{engine="primary",outcome="timeout"}`:                  "1",
		`sessionkit_lock_wait_seconds_total{engine="primary"}`:                             "1",
	} {
		if got := metricValue(t, b.String(), series); got != want {
			t.Errorf("%s = %s, want %s", series, got, want)
		}
	}
}

func TestHealthz(t *testing.T) {
	s, _ := newTestServer(t, nil)
	r := newClient(t, s).get("/healthz")
	wantStatus(t, r, 200)
	if v := r.json(t); v["status"] != "ok" {
		t.Fatalf("body %s, want status ok", r.body)
	}
}

func TestHealthzStoreDown(t *testing.T) {
	s, _ := newTestServer(t, failingStore{})
	r := newClient(t, s).get("/healthz")
	wantStatus(t, r, 503)
	if v := r.json(t); v["status"] != "unavailable" || !strings.Contains(v["error"].(string), errDown.Error()) {
		t.Fatalf("body %s, want status unavailable and the store's error", r.body)
	}
}

// hangingStore blocks every Load until its context is done, as a
// database that stopped answering does, and records how long its context
// gave it (0: no deadline).
type hangingStore struct {
	failingStore
	left chan time.Duration
}

func (h hangingStore) Load(ctx context.Context, _ string) (sessionkit.Record, error) {
	var left time.Duration
	if d, ok := ctx.Deadline(); ok {
		left = time.Until(d)
	}
	h.left <- left
	<-ctx.Done()
	return sessionkit.Record{}, ctx.Err()
}

// A store that hangs gets 503 when the deadline of its Load, at most 2 s
// away, has passed.
func TestHealthzStoreHangs(t *testing.T) {
	store := hangingStore{left: make(chan time.Duration, 1)}
	s, _ := newTestServer(t, store)
	r := newClient(t, s).get("/healthz")
	wantStatus(t, r, 503)
	if v := r.json(t); !strings.Contains(v["error"].(string), "did not answer within 2s") {
		t.Fatalf("body %s, want the 2 s timeout named", r.body)
	}
	if left := <-store.left; left <= 0 || left > DefaultHealthTimeout {
		t.Fatalf("the store's Load had %v to answer; want a deadline at most %v away", left, DefaultHealthTimeout)
	}
}

// deafStore ignores its context: Load returns only when the test ends.
type deafStore struct {
	failingStore
	release chan struct{}
}

func (d deafStore) Load(context.Context, string) (sessionkit.Record, error) {
	<-d.release
	return sessionkit.Record{}, sessionkit.ErrNotFound
}

// Even a store that ignores its context cannot hold /healthz past the
// timeout.
func TestHealthzStoreIgnoresContext(t *testing.T) {
	store := deafStore{release: make(chan struct{})}
	defer close(store.release)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := New(Config{
		Manager:       &sessionkit.Manager{Store: store, Logger: log},
		SecretKey:     testSecret,
		HealthTimeout: 10 * time.Millisecond,
		Logger:        log,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := newClient(t, s).get("/healthz")
	wantStatus(t, r, http.StatusServiceUnavailable)
}

// A Manager's own Observer keeps observing beside the playground's Metrics.
func TestMetricsBesideAnotherObserver(t *testing.T) {
	own := NewMetrics("own")
	store := memstore.New(0)
	defer store.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := &sessionkit.Manager{Store: store, Logger: log, Observer: own}
	s, err := New(Config{Manager: m, SecretKey: testSecret, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, newClient(t, s).postJSON("/api/session", `{"a": 1}`), 200)
	var b strings.Builder
	own.WriteTo(&b)
	if got := metricValue(t, b.String(), `sessionkit_store_operations_total{engine="own",op="create"}`); got != "1" {
		t.Errorf("the Manager's own Observer saw %s creates, want 1", got)
	}
	if got := metricValue(t, newClient(t, s).get("/metrics").body, `sessionkit_store_operations_total{engine="memstore",op="create"}`); got != "1" {
		t.Errorf("/metrics shows %s creates, want 1", got)
	}
}
