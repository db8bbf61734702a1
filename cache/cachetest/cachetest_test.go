package cachetest_test

import (
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/cache/cachetest"
	"github.com/sessionkit/sessionkit/cache/memorycache"
)

// TestRun runs the suite on the in-process cache, whose expiry is exact, so
// the expiry test can be quick. A backend's own test calls Run the same way.
func TestRun(t *testing.T) {
	c := memorycache.New(memorycache.Config{})
	cachetest.Run(t, func(*testing.T) cache.Cache { return c }, cachetest.Options{
		Resolution: 10 * time.Millisecond,
	})
}
