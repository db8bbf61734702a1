package config

import (
	"fmt"
	"log/slog"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/store/cacheddb"
	"github.com/sessionkit/sessionkit/store/cachestore"
	"github.com/sessionkit/sessionkit/store/cookiestore"
)

// The engines built on other packages' stores, each configured from the
// settings it shares with Django.

// In Django mode the cache engines share Django's cache entries: Django's
// keys (KEY_PREFIX and VERSION from the settings) and the session dict
// pickled, which they write from the JSON the Manager gives them; cached_db
// also encodes its database rows with Django's codec.

func newCacheStore(c cache.Cache, s *Settings, log *slog.Logger) *cachestore.Store {
	// The per-user index where the cache can keep one (Redis); on
	// memcached the per-user methods report errors.ErrUnsupported.
	return cachestore.New(c, cachestore.Config{Django: s.Django, KeyPrefix: s.CacheKeyPrefix, Version: s.CacheVersion, MaxAge: s.CookieAge, Logger: log, UserIndex: true})
}

func newCachedDBStore(db sessionkit.Store, c cache.Cache, s *Settings, log *slog.Logger) *cacheddb.Store {
	cfg := cacheddb.Config{Django: s.Django, KeyPrefix: s.CacheKeyPrefix, Version: s.CacheVersion, MaxAge: s.CookieAge, Logger: log}
	if s.Django {
		cfg.Codec = &sessionkit.DjangoCodec{SecretKey: s.SecretKey, FallbackKeys: s.SecretKeyFallbacks, Algorithm: s.HashingAlgorithm}
	}
	return cacheddb.New(db, c, cfg)
}

func newCookieStore(s *Settings, log *slog.Logger) (*cookiestore.Store, error) {
	st, err := cookiestore.New(cookiestore.Config{
		SecretKey:    s.SecretKey,
		FallbackKeys: s.SecretKeyFallbacks,
		CookieName:   s.CookieName,
		Django:       s.Django,
		Algorithm:    s.HashingAlgorithm,
		MaxAge:       s.CookieAge,
		Logger:       log,
	})
	if err != nil {
		return nil, fmt.Errorf("signed_cookies engine: %w", err)
	}
	return st, nil
}
