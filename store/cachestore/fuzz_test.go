package cachestore_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache/memorycache"
	"github.com/sessionkit/sessionkit/store/cachestore"
)

// FuzzLoad feeds arbitrary cache entries to Load: garbage is "no session",
// never a panic, and a record that comes back has not expired.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{"", "\x01", "\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00", "\x80\x04}.", "\x01\x7f\xff\xff\xff\xff\xff\xff\xff\x02ab{}", "\x01\x7f\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"} {
		f.Add([]byte(s))
	}
	c := memorycache.New(memorycache.Config{})
	s := cachestore.New(c, cachestore.Config{Django: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	key := sessionkit.NewKey()
	f.Fuzz(func(t *testing.T, v []byte) {
		ctx := context.Background()
		c.Set(ctx, s.CacheKey(key), v, time.Hour)
		rec, err := s.Load(ctx, key)
		if err != nil {
			if !errors.Is(err, sessionkit.ErrNotFound) {
				t.Fatalf("Load = %v, want ErrNotFound for garbage", err)
			}
			return
		}
		if !rec.Expiry.After(time.Now()) {
			t.Fatalf("Load returned a record that expired at %v", rec.Expiry)
		}
		if rec.Data == nil {
			t.Fatal("Load returned nil Data")
		}
	})
}
