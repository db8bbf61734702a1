package sessionkit

import (
	"context"
	"time"
)

type clockKey struct{}

// WithClock returns a copy of ctx that carries now as the clock for the
// store calls made with it. The Manager passes its Now this way, so that
// setting Manager.Now alone moves every store's idea of the time too: a
// store reads the time with Now(ctx), unless it was given a clock of its
// own.
func WithClock(ctx context.Context, now func() time.Time) context.Context {
	if now == nil {
		return ctx
	}
	return context.WithValue(ctx, clockKey{}, now)
}

// Now returns the time by the clock ctx carries (WithClock), or time.Now.
func Now(ctx context.Context) time.Time {
	if now, ok := ctx.Value(clockKey{}).(func() time.Time); ok {
		return now()
	}
	return time.Now()
}
