// Package otelsessionkit reports what a sessionkit Manager does with its
// store as OpenTelemetry metrics:
//
//	m.Observer = otelsessionkit.New(otelsessionkit.Config{MeterProvider: provider})
//
// Without a MeterProvider (Config's zero value) it uses the global one
// (otel.GetMeterProvider), which records nothing until the application
// installs one.
//
// Instruments (each with the attribute engine: the store's package name,
// "sqlstore", "cachestore", …, or Config.Engine):
//
//	sessionkit.store.operations   counter    store calls, by op: load, create, save, delete
//	sessionkit.store.errors       counter    store calls that failed, by op (an unknown key, a
//	                                         key collision and a lost race are not failures)
//	sessionkit.store.duration     histogram  seconds per store call, by op
//	sessionkit.merge.conflicts    counter    saves that found the session changed by a
//	                                         concurrent request, and merged
//	sessionkit.merge.retries      counter    saves tried again after a conflict
//	sessionkit.lock.waits         counter    exclusive requests that waited for their
//	                                         session's lock, by outcome: acquired, timeout
//	sessionkit.lock.wait.duration histogram  seconds waited for a lock
//
// A Prometheus exporter names them sessionkit_store_operations_total,
// sessionkit_store_duration_seconds and so on.
package otelsessionkit

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/sessionkit/sessionkit"
)

// ScopeName is the instrumentation scope of the Meter.
const ScopeName = "github.com/sessionkit/sessionkit/otelsessionkit"

// Config configures an Observer.
type Config struct {
	// MeterProvider provides the Meter; nil means the global provider.
	MeterProvider metric.MeterProvider
	// Engine is the value of the engine attribute; "" means the package
	// name of the store's type ("sqlstore", "cacheddb", …).
	Engine string
}

// Observer is a sessionkit.Observer that records OpenTelemetry metrics.
// Create it with New and set it as Manager.Observer; one Observer may
// serve several Managers.
type Observer struct {
	engine string

	ops, errs, conflicts, retries, lockWaits metric.Int64Counter
	duration, lockDuration                   metric.Float64Histogram

	attrs sync.Map // engineOp → metric.MeasurementOption
}

// New returns an Observer whose instruments come from cfg.MeterProvider.
// It fails only if the provider refuses to create an instrument.
func New(cfg Config) (*Observer, error) {
	mp := cfg.MeterProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	meter := mp.Meter(ScopeName)
	o := &Observer{engine: cfg.Engine}
	var err error
	counter := func(name, desc string) metric.Int64Counter {
		c, e := meter.Int64Counter(name, metric.WithDescription(desc), metric.WithUnit("{call}"))
		err = errors.Join(err, e)
		return c
	}
	histogram := func(name, desc string) metric.Float64Histogram {
		h, e := meter.Float64Histogram(name, metric.WithDescription(desc), metric.WithUnit("s"),
			metric.WithExplicitBucketBoundaries(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
		err = errors.Join(err, e)
		return h
	}
	o.ops = counter("sessionkit.store.operations", "Store calls by operation: load, create, save, delete.")
	o.errs = counter("sessionkit.store.errors", "Store calls that failed, by operation.")
	o.duration = histogram("sessionkit.store.duration", "Time each store call took.")
	o.conflicts = counter("sessionkit.merge.conflicts", "Saves that found the session changed by a concurrent request and merged into it.")
	o.retries = counter("sessionkit.merge.retries", "Saves tried again after a conflict.")
	o.lockWaits = counter("sessionkit.lock.waits", "Exclusive requests that waited for their session's lock, by outcome.")
	o.lockDuration = histogram("sessionkit.lock.wait.duration", "Time exclusive requests waited for their session's lock.")
	if err != nil {
		return nil, fmt.Errorf("otelsessionkit: creating the instruments: %w", err)
	}
	return o, nil
}

// Observe implements sessionkit.Observer.
func (o *Observer) Observe(ctx context.Context, ob sessionkit.Observation) {
	switch ob.Op {
	case sessionkit.OpLoad, sessionkit.OpCreate, sessionkit.OpSave, sessionkit.OpDelete:
		attrs := o.attrsFor(ob.Store, ob.Op, "")
		o.ops.Add(ctx, 1, attrs)
		o.duration.Record(ctx, ob.Duration.Seconds(), attrs)
		if ob.Failed() {
			o.errs.Add(ctx, 1, attrs)
		}
	case sessionkit.OpConflict:
		o.conflicts.Add(ctx, 1, o.attrsFor(ob.Store, 0, ""))
	case sessionkit.OpRetry:
		o.retries.Add(ctx, 1, o.attrsFor(ob.Store, 0, ""))
	case sessionkit.OpLockWait:
		outcome := "acquired"
		if ob.Err != nil {
			outcome = "timeout"
		}
		o.lockWaits.Add(ctx, 1, o.attrsFor(ob.Store, 0, outcome))
		o.lockDuration.Record(ctx, ob.Duration.Seconds(), o.attrsFor(ob.Store, 0, ""))
	}
}

type attrKey struct {
	store   reflect.Type
	op      sessionkit.Op
	outcome string
}

// attrsFor returns the attribute set of an observation, built once per
// store type, op and outcome.
func (o *Observer) attrsFor(store sessionkit.Store, op sessionkit.Op, outcome string) metric.MeasurementOption {
	k := attrKey{reflect.TypeOf(store), op, outcome}
	if v, ok := o.attrs.Load(k); ok {
		return v.(metric.MeasurementOption)
	}
	kv := []attribute.KeyValue{attribute.String("engine", o.engineOf(store))}
	if op != 0 {
		kv = append(kv, attribute.String("op", op.String()))
	}
	if outcome != "" {
		kv = append(kv, attribute.String("outcome", outcome))
	}
	v, _ := o.attrs.LoadOrStore(k, metric.WithAttributeSet(attribute.NewSet(kv...)))
	return v.(metric.MeasurementOption)
}

func (o *Observer) engineOf(store sessionkit.Store) string {
	if o.engine != "" {
		return o.engine
	}
	return sessionkit.StoreName(store)
}
