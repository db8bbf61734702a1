package cachetest_test

import (
	"time"

	"testing"

	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/cache/cachetest"
	"github.com/sessionkit/sessionkit/cache/memorycache"
)

// A backend's test calls Run with a factory; this one checks the in-process
// cache, whose expiry is exact, so the expiry test can be quick.
func ExampleRun() {
	test := func(t *testing.T) {
		c := memorycache.New(memorycache.Config{})
		cachetest.Run(t, func(*testing.T) cache.Cache { return c }, cachetest.Options{
			Resolution: 10 * time.Millisecond,
		})
	}
	_ = test // in a _test.go file: func TestConformance(t *testing.T) { ... }
}
