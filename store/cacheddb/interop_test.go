package cacheddb_test

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/cache/memcache"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/pyjson"
	"github.com/sessionkit/sessionkit/store/cacheddb"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

// The tests in this file run real Django's cached_db engine (each version
// of testenv.DjangoVersions) on the same SQLite database and cache server
// as a Django-mode cacheddb store.

const djangoSecret = "django-insecure-interop-test-key-0123456789abcdef"

// djangoCachedDBOps runs session operations in Django's cached_db engine.
const djangoCachedDBOps = `
from django.contrib.sessions.backends.cached_db import SessionStore
out = []
for op in json.load(sys.stdin):
    if op["op"] == "write":
        s = SessionStore()
        s.update(op["data"])
        s.save()
        out.append({"key": s.session_key})
    elif op["op"] == "read":
        s = SessionStore(session_key=op["key"])
        data = dict(s.items())
        out.append({"key": s.session_key, "data": data})
    elif op["op"] == "delete":
        SessionStore(session_key=op["key"]).delete()
        out.append({})
print(json.dumps(out))
`

type cachedDBResult struct {
	Key  *string         `json:"key"`
	Data json.RawMessage `json:"data"`
}

// djangoCache is one cache server that Django and Go share: Django's
// CACHES entry and the Go cache on the same server.
type djangoCache struct {
	name     string
	from     string // the first Django version that has the backend
	shared   bool   // Go uses Django's cache keys
	settings func(t *testing.T) map[string]any
	open     func(t *testing.T) cache.Cache
}

func djangoCaches() []djangoCache {
	return []djangoCache{
		{"memcached", "3.2", false,
			func(t *testing.T) map[string]any {
				return map[string]any{"BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache", "LOCATION": testenv.MemcachedAddrs(t)[0]}
			},
			func(t *testing.T) cache.Cache {
				// One server: Django's client and the Go ring hash keys
				// to servers differently.
				c, err := memcache.New(memcache.Config{Servers: testenv.MemcachedAddrs(t)[:1], Timeout: 2 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { c.Close() })
				return c
			}},
		{"Redis", "4.2", true,
			func(t *testing.T) map[string]any {
				return map[string]any{"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://" + testenv.RedisAddr(t) + "/0"}
			},
			func(t *testing.T) cache.Cache { return openRedis(t, "redis://"+testenv.RedisAddr(t)+"/0") }},
	}
}

// TestDjangoCachedDB: Django's cached_db engine and a Django-mode cacheddb
// store, on one database and one cache server, read each other's sessions.
// On Redis, with Django's cache keys, they also read each other's updates,
// never a stale copy, and a session Django deletes is gone for Go too. On
// memcached the keys are kept apart (Django's pymemcache client would hand
// Go's entries back as raw bytes), so those last checks do not hold there.
func TestDjangoCachedDB(t *testing.T) {
	testenv.Python(t)
	for _, version := range testenv.DjangoVersions() {
		for _, dc := range djangoCaches() {
			if version < dc.from {
				continue // Django 3.2 has no Redis backend
			}
			t.Run("Django"+version+"/"+dc.name, func(t *testing.T) { djangoCachedDB(t, version, dc) })
		}
	}
}

func djangoCachedDB(t *testing.T, version string, dc djangoCache) {
	path := filepath.Join(t.TempDir(), "django.db")
	db, err := sqlstore.Open(t.Context(), "sqlite:///"+path, sqlstore.Config{Django: true, CreateTable: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	prefix := cacheddb.DefaultPrefix // not Django's key, which starts ":1:"
	if dc.shared {
		prefix = ":1:" + cacheddb.DefaultPrefix
	}
	s := cacheddb.New(db, dc.open(t), cacheddb.Config{Django: true, Prefix: prefix})
	t.Cleanup(func() { s.Close() })
	settings := map[string]any{
		"DATABASES":      map[string]any{"default": map[string]any{"ENGINE": "django.db.backends.sqlite3", "NAME": path}},
		"CACHES":         map[string]any{"default": dc.settings(t)},
		"INSTALLED_APPS": []string{"django.contrib.sessions"},
		"SESSION_ENGINE": "django.contrib.sessions.backends.cached_db",
		"USE_TZ":         true,
		"TIME_ZONE":      "UTC",
		"SECRET_KEY":     djangoSecret,
	}
	django := func(ops ...map[string]any) []cachedDBResult {
		t.Helper()
		in, _ := json.Marshal(ops)
		out := testenv.DjangoIn(t, version, settings, djangoCachedDBOps, in)
		var res []cachedDBResult
		if err := json.Unmarshal(out, &res); err != nil || len(res) != len(ops) {
			t.Fatalf("Django printed %q: %v", out, err)
		}
		return res
	}
	codec := &sessionkit.DjangoCodec{SecretKey: djangoSecret}
	encode := func(js string) []byte {
		obj, err := pyjson.DecodeObject([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		b, err := codec.Encode(obj)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	load := func(key string) string {
		t.Helper()
		rec, err := s.Load(t.Context(), key)
		if err != nil {
			t.Fatalf("Load(%s): %v", key, err)
		}
		obj, err := codec.Decode(rec.Data)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := pyjson.Marshal(obj)
		return string(b)
	}
	same := func(got []byte, want string) bool {
		var g, w any
		return json.Unmarshal(got, &g) == nil && json.Unmarshal([]byte(want), &w) == nil && reflect.DeepEqual(g, w)
	}

	goKey := sessionkit.NewKey()
	if _, err := s.Create(t.Context(), goKey, sessionkit.Record{Data: encode(`{"from":"go"}`), Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	res := django(map[string]any{"op": "read", "key": goKey}, map[string]any{"op": "write", "data": map[string]any{"from": "django"}})
	if res[0].Key == nil || *res[0].Key != goKey || !same(res[0].Data, `{"from":"go"}`) {
		t.Errorf("Django read Go's session as %s (key %v)", res[0].Data, res[0].Key)
	}
	djKey := *res[1].Key
	if got := load(djKey); got != `{"from":"django"}` {
		t.Errorf("Go read Django's session as %s", got)
	}

	// Go updates Django's session: Django reads the update, not its own
	// cached copy; then Go reads through the entry Django cached again.
	if _, err := s.Update(t.Context(), djKey, sessionkit.Record{Data: encode(`{"from":"go update"}`), Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	res = django(map[string]any{"op": "read", "key": djKey}, map[string]any{"op": "delete", "key": goKey})
	if got := load(djKey); got != `{"from":"go update"}` {
		t.Errorf("Go read %s after Django's read", got)
	}
	if !dc.shared {
		// With separate keys each side keeps serving its own cached copy:
		// Django its entry of the session Go updated, Go its entry of the
		// session Django deleted, until the entries expire. That is why
		// memcached keys are not shared (see the package documentation).
		t.Logf("separate keys: Django read Go's update as %s", res[0].Data)
		return
	}
	if !same(res[0].Data, `{"from":"go update"}`) {
		t.Errorf("Django read Go's update as %s", res[0].Data)
	}
	if _, err := s.Load(t.Context(), goKey); !errors.Is(err, sessionkit.ErrNotFound) {
		t.Errorf("Load of the session Django deleted = %v, want ErrNotFound", err)
	}
}
