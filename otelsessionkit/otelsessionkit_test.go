package otelsessionkit_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/otelsessionkit"
	"github.com/sessionkit/sessionkit/sessionkittest"
	"github.com/sessionkit/sessionkit/store/memstore"
)

// collect returns the sums of the counters and the counts of the
// histograms the reader holds, by metric name and attribute set.
func collect(t *testing.T, r *sdkmetric.ManualReader) map[string]map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != otelsessionkit.ScopeName {
			t.Errorf("scope %q, want %q", sm.Scope.Name, otelsessionkit.ScopeName)
		}
		for _, m := range sm.Metrics {
			byAttrs := map[string]int64{}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					byAttrs[p.Attributes.Encoded(attribute.DefaultEncoder())] += p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					byAttrs[p.Attributes.Encoded(attribute.DefaultEncoder())] += int64(p.Count)
				}
			default:
				t.Fatalf("%s: unexpected data %T", m.Name, m.Data)
			}
			out[m.Name] = byAttrs
		}
	}
	return out
}

func TestMetrics(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	obs, err := otelsessionkit.New(otelsessionkit.Config{MeterProvider: provider})
	if err != nil {
		t.Fatal(err)
	}
	store := memstore.New(0)
	defer store.Close()
	m := &sessionkit.Manager{Store: store, Observer: obs, LockWait: time.Millisecond}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromRequest(r)
		n, _ := sessionkit.Get[int](s, "n")
		s.Set("n", n+1)
	})
	c := sessionkittest.NewClient(t, m.Middleware(mux))
	c.Get("/") // create
	c.Get("/") // load, save
	c.Get("/") // load, save

	// A conflict: two readers of one version save in turn.
	ctx := context.Background()
	key := c.SessionKey(m)
	a, b := m.Open(ctx, key), m.Open(ctx, key)
	a.Set("x", 1)
	b.Set("y", 1)
	if err := a.Save(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Save(ctx); err != nil {
		t.Fatal(err)
	}

	// A lock wait that times out.
	if ok, _ := store.TryLock(ctx, key, "other", time.Hour); !ok {
		t.Fatal("TryLock failed")
	}
	w := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(&http.Cookie{Name: "sessionid", Value: key})
	m.ExclusiveMiddleware(mux).ServeHTTP(w, req)
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("locked session: status %d, want 503", w.Code)
	}

	got := collect(t, reader)
	want := map[string]map[string]int64{
		"sessionkit.store.operations": {
			"engine=memstore,op=create": 1,
			"engine=memstore,op=load":   2 + 2,     // two requests, two Opens (the conflict carries the stored record: no reload)
			"engine=memstore,op=save":   2 + 1 + 2, // two requests, a's save, b's two tries
		},
		"sessionkit.store.duration": {
			"engine=memstore,op=create": 1,
			"engine=memstore,op=load":   4,
			"engine=memstore,op=save":   5,
		},
		"sessionkit.merge.conflicts":    {"engine=memstore": 1},
		"sessionkit.merge.retries":      {"engine=memstore": 1},
		"sessionkit.lock.waits":         {"engine=memstore,outcome=timeout": 1},
		"sessionkit.lock.wait.duration": {"engine=memstore": 1},
	}
	for name, points := range want {
		for attrs, n := range points {
			if got[name][attrs] != n {
				t.Errorf("%s{%s} = %d, want %d (all: %v)", name, attrs, got[name][attrs], n, got[name])
			}
		}
	}
	if len(got["sessionkit.store.errors"]) != 0 {
		t.Errorf("errors counted where there were none: %v", got["sessionkit.store.errors"])
	}
}

// failingStore is a store whose every call fails, to count errors.
type failingStore struct{ sessionkit.Store }

func (failingStore) Load(context.Context, string) (sessionkit.Record, error) {
	return sessionkit.Record{}, context.DeadlineExceeded
}

func TestMetricsErrorsAndEngineName(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	obs, err := otelsessionkit.New(otelsessionkit.Config{MeterProvider: provider, Engine: "primary"})
	if err != nil {
		t.Fatal(err)
	}
	m := &sessionkit.Manager{Store: failingStore{}, Observer: obs}
	if _, err := m.Exists(context.Background(), sessionkit.NewKey()); err == nil {
		t.Fatal("Exists on a failing store did not fail")
	}
	got := collect(t, reader)
	if n := got["sessionkit.store.errors"]["engine=primary,op=load"]; n != 1 {
		t.Fatalf("errors{engine=primary,op=load} = %d, want 1 (all: %v)", n, got)
	}
	if n := sessionkit.StoreName(memstore.New(0)); n != "memstore" {
		t.Fatalf("StoreName(*memstore.Store) = %q", n)
	}
}

// Without a MeterProvider the global one is used, which records nothing
// until one is installed: New works and observing is harmless.
func TestNoProvider(t *testing.T) {
	obs, err := otelsessionkit.New(otelsessionkit.Config{})
	if err != nil {
		t.Fatal(err)
	}
	m := &sessionkit.Manager{Store: memstore.New(0), Observer: obs}
	c := sessionkittest.NewClient(t, m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromRequest(r)
		s.Set("a", 1)
	})))
	if resp := c.Get("/"); resp.StatusCode != 200 || c.SessionKey(m) == "" {
		t.Fatalf("status %d, key %q", resp.StatusCode, c.SessionKey(m))
	}
}
