package cachestore_test

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/cachestore"
)

// djangoCacheOps writes a session with Django's cache engine and reads the
// one whose key is given, printing what Django sees.
const djangoCacheOps = `
from django.contrib.sessions.backends.cache import SessionStore
req = json.load(sys.stdin)
s = SessionStore()
s["from"] = "django"
s.save()
g = SessionStore(session_key=req["key"])
data = dict(g.items())
print(json.dumps({"key": s.session_key, "read_key": g.session_key, "read": data}))
`

// TestDjangoCacheEngineEntries: Django's cache engine pickles its entries,
// which sessionkit never reads, and sessionkit's entries are no pickle.
// With Django's exact keys on one Redis (Django 4.0 and later have a Redis
// backend), each side therefore treats the other's entry as a miss: a
// fresh session, never a misread one and never an error.
func TestDjangoCacheEngineEntries(t *testing.T) {
	testenv.Python(t)
	for _, version := range testenv.DjangoVersions() {
		if version == "3.2" {
			continue // no Redis backend; memcached keys are not shared
		}
		t.Run("Django"+version, func(t *testing.T) {
			url := "redis://" + testenv.RedisAddr(t) + "/0"
			s := cachestore.New(openRedis(t, url), cachestore.Config{
				Django: true, Prefix: ":1:" + cachestore.DefaultPrefix,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			goKey := sessionkit.NewKey()
			if _, err := s.Create(t.Context(), goKey, sessionkit.Record{Data: []byte("go data"), Expiry: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			in, _ := json.Marshal(map[string]string{"key": goKey})
			out := testenv.DjangoIn(t, version, map[string]any{
				"CACHES":         map[string]any{"default": map[string]any{"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}},
				"INSTALLED_APPS": []string{"django.contrib.sessions"},
				"SESSION_ENGINE": "django.contrib.sessions.backends.cache",
				"SECRET_KEY":     "django-insecure-interop-test-key-0123456789abcdef",
			}, djangoCacheOps, in)
			var res struct {
				Key     string         `json:"key"`
				ReadKey *string        `json:"read_key"`
				Read    map[string]any `json:"read"`
			}
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatalf("Django printed %q: %v", out, err)
			}
			if res.ReadKey != nil || len(res.Read) != 0 {
				t.Errorf("Django read Go's entry as %v (key %v), want a miss", res.Read, res.ReadKey)
			}
			if _, err := s.Load(t.Context(), res.Key); !errors.Is(err, sessionkit.ErrNotFound) {
				t.Errorf("Load of Django's pickled session = %v, want ErrNotFound (a miss)", err)
			}
			if rec, err := s.Load(t.Context(), goKey); err != nil || string(rec.Data) != "go data" {
				t.Errorf("Go's own session after Django's read: %q, %v", rec.Data, err)
			}
		})
	}
}
