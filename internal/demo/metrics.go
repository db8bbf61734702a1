package demo

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sessionkit/sessionkit"
)

// DefaultHealthTimeout bounds /healthz: a store that has not answered by
// then is reported unavailable (503).
const DefaultHealthTimeout = 2 * time.Second

// durationBuckets are the upper bounds, in seconds, of the store latency
// histogram.
var durationBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

// storeOps are the store calls the histogram and counters are kept for.
var storeOps = []sessionkit.Op{sessionkit.OpLoad, sessionkit.OpCreate, sessionkit.OpSave, sessionkit.OpDelete}

// opStats is what Metrics keeps for one store operation.
type opStats struct {
	calls, errors uint64
	buckets       []uint64 // cumulative counts are computed when written
	sum           float64
}

// Metrics is a sessionkit.Observer that keeps counters and a latency
// histogram of a Manager's store calls, and serves them at /metrics in
// Prometheus' text format. It is what otelsessionkit records, without a
// Prometheus client library.
type Metrics struct {
	mu                    sync.Mutex
	engine                string
	ops                   map[sessionkit.Op]*opStats
	conflicts, retries    uint64
	lockAcquired, lockOut uint64
	lockWait              float64
}

// NewMetrics returns empty Metrics that label every series with engine
// ("" means the package name of the store's type, as otelsessionkit does).
func NewMetrics(engine string) *Metrics {
	m := &Metrics{engine: engine, ops: map[sessionkit.Op]*opStats{}}
	for _, op := range storeOps {
		m.ops[op] = &opStats{buckets: make([]uint64, len(durationBuckets))}
	}
	return m
}

// Observe implements sessionkit.Observer.
func (m *Metrics) Observe(_ context.Context, o sessionkit.Observation) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.engine == "" {
		m.engine = sessionkit.StoreName(o.Store)
	}
	switch o.Op {
	case sessionkit.OpConflict:
		m.conflicts++
		return
	case sessionkit.OpRetry:
		m.retries++
		return
	case sessionkit.OpLockWait:
		if o.Err != nil {
			m.lockOut++
		} else {
			m.lockAcquired++
		}
		m.lockWait += o.Duration.Seconds()
		return
	}
	st := m.ops[o.Op]
	if st == nil {
		return
	}
	st.calls++
	if o.Failed() {
		st.errors++
	}
	secs := o.Duration.Seconds()
	st.sum += secs
	if i, _ := slices.BinarySearch(durationBuckets, secs); i < len(st.buckets) {
		st.buckets[i]++
	}
}

// ServeHTTP writes the metrics in Prometheus' text exposition format.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	m.WriteTo(w)
}

// WriteTo writes the metrics in Prometheus' text exposition format.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	engine := m.engine
	if engine == "" {
		engine = "none"
	}
	eng := `engine="` + escapeLabel(engine) + `"`
	head := func(name, typ, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	head("sessionkit_store_operations_total", "counter", "Store calls by operation: load, create, save, delete.")
	for _, op := range storeOps {
		fmt.Fprintf(&b, "sessionkit_store_operations_total{%s,op=%q} %d\n", eng, op.String(), m.ops[op].calls)
	}
	head("sessionkit_store_errors_total", "counter", "Store calls that failed, by operation (an unknown key, a key collision and a lost race are not failures).")
	for _, op := range storeOps {
		fmt.Fprintf(&b, "sessionkit_store_errors_total{%s,op=%q} %d\n", eng, op.String(), m.ops[op].errors)
	}
	head("sessionkit_store_duration_seconds", "histogram", "Time each store call took, by operation.")
	for _, op := range storeOps {
		st := m.ops[op]
		var cum uint64
		for i, le := range durationBuckets {
			cum += st.buckets[i]
			fmt.Fprintf(&b, "sessionkit_store_duration_seconds_bucket{%s,op=%q,le=%q} %d\n", eng, op.String(), strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		fmt.Fprintf(&b, "sessionkit_store_duration_seconds_bucket{%s,op=%q,le=\"+Inf\"} %d\n", eng, op.String(), st.calls)
		fmt.Fprintf(&b, "sessionkit_store_duration_seconds_sum{%s,op=%q} %s\n", eng, op.String(), strconv.FormatFloat(st.sum, 'g', -1, 64))
		fmt.Fprintf(&b, "sessionkit_store_duration_seconds_count{%s,op=%q} %d\n", eng, op.String(), st.calls)
	}
	head("sessionkit_merge_conflicts_total", "counter", "Saves that found the session changed by a concurrent request and merged into it.")
	fmt.Fprintf(&b, "sessionkit_merge_conflicts_total{%s} %d\n", eng, m.conflicts)
	head("sessionkit_merge_retries_total", "counter", "Saves tried again after a conflict.")
	fmt.Fprintf(&b, "sessionkit_merge_retries_total{%s} %d\n", eng, m.retries)
	head("sessionkit_lock_waits_total", "counter", "Exclusive requests that waited for their session's lock, by outcome.")
	fmt.Fprintf(&b, "sessionkit_lock_waits_total{%s,outcome=\"acquired\"} %d\n", eng, m.lockAcquired)
	fmt.Fprintf(&b, "sessionkit_lock_waits_total{%s,outcome=\"timeout\"} %d\n", eng, m.lockOut)
	head("sessionkit_lock_wait_seconds_total", "counter", "Time exclusive requests spent waiting for their session's lock.")
	fmt.Fprintf(&b, "sessionkit_lock_wait_seconds_total{%s} %s\n", eng, strconv.FormatFloat(m.lockWait, 'g', -1, 64))
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// escapeLabel escapes a label value for the text format.
func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// observers calls each of its Observers in turn.
type observers []sessionkit.Observer

func (os observers) Observe(ctx context.Context, o sessionkit.Observation) {
	for _, ob := range os {
		ob.Observe(ctx, o)
	}
}

// healthz answers 200 when the store answers a Load of a random key (an
// ErrNotFound is an answer) within the health timeout, and 503 when it
// fails or does not answer in time.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(r.Context(), s.healthTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		// Exists is a Load: ErrNotFound gives (false, nil).
		_, err := s.m.Exists(ctx, sessionkit.NewKey())
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		err = fmt.Errorf("the session store did not answer within %v", s.healthTimeout)
	}
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
