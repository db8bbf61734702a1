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
	"github.com/sessionkit/sessionkit/store/cacheddb"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

// The tests in this file run real Django's cached_db engine (each version
// of testenv.DjangoVersions) on the same SQLite database and cache server
// as a Django-mode cacheddb store.

const djangoSecret = "django-insecure-interop-test-key-0123456789abcdef"

// djangoCachedDBOps runs session operations in Django's cached_db engine;
// "raw" reports the database row and the cache entry as Django keeps them.
const djangoCachedDBOps = `
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
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
    elif op["op"] == "cycle":
        s = SessionStore(session_key=op["key"])
        s.cycle_key()
        out.append({"key": s.session_key})
    elif op["op"] == "flush":
        s = SessionStore(session_key=op["key"])
        s.load()
        s.flush()
        out.append({})
    elif op["op"] == "raw":
        row = Session.objects.filter(pk=op["key"]).first()
        out.append({"db": row.get_decoded() if row else None, "cache": cache.get(SessionStore.cache_key_prefix + op["key"])})
print(json.dumps(out))
`

type cachedDBResult struct {
	Key   *string         `json:"key"`
	Data  json.RawMessage `json:"data"`
	DB    json.RawMessage `json:"db"`
	Cache json.RawMessage `json:"cache"`
}

// djangoCache is one cache server that Django and Go share: Django's
// CACHES entry and the Go cache on the same server.
type djangoCache struct {
	name     string
	from     string // the first Django version that has the backend
	settings func(t *testing.T) map[string]any
	open     func(t *testing.T) cache.Cache
}

func djangoCaches() []djangoCache {
	return []djangoCache{
		{"memcached", "3.2",
			func(t *testing.T) map[string]any {
				return map[string]any{"BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache", "LOCATION": testenv.MemcachedAddrs(t)[0]}
			},
			func(t *testing.T) cache.Cache {
				// One server: Django's client and the Go ring hash keys
				// to servers differently.
				// Items flagged as pickles, as pymemcache flags the dicts
				// it pickles.
				c, err := memcache.New(memcache.Config{Servers: testenv.MemcachedAddrs(t)[:1], Timeout: 2 * time.Second, Flags: memcache.FlagPickle})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { c.Close() })
				return c
			}},
		{"Redis", "4.2",
			func(t *testing.T) map[string]any {
				return map[string]any{"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://" + testenv.RedisAddr(t) + "/0"}
			},
			func(t *testing.T) cache.Cache { return openRedis(t, "redis://"+testenv.RedisAddr(t)+"/0") }},
	}
}

// TestDjangoCachedDB: Django's cached_db engine and a Django-mode cacheddb
// store, on one SQLite database and one cache server (memcached on every
// version, Redis from Django 4.0) with Django's cache keys, share
// sessions: each reads what the other wrote, sees the other's updates
// (never a stale cached copy), deletes, key cycles and flushes; and the
// database row and the cache entry Go writes are those Django writes.
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
	codec := &sessionkit.DjangoCodec{SecretKey: djangoSecret}
	s := cacheddb.New(db, dc.open(t), cacheddb.Config{Django: true, Codec: codec})
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
	ctx := t.Context()
	load := func(key string) string {
		t.Helper()
		rec, err := s.Load(ctx, key)
		if err != nil {
			t.Fatalf("Load(%s): %v", key, err)
		}
		return string(rec.Data)
	}
	notFound := func(what, key string) {
		t.Helper()
		if _, err := s.Load(ctx, key); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("Load of %s = %v, want ErrNotFound", what, err)
		}
	}
	same := func(got []byte, want string) bool {
		var g, w any
		return json.Unmarshal(got, &g) == nil && json.Unmarshal([]byte(want), &w) == nil && reflect.DeepEqual(g, w)
	}
	rec := func(data string) sessionkit.Record {
		return sessionkit.Record{Data: []byte(data), Expiry: time.Now().Add(time.Hour)}
	}

	goKey := sessionkit.NewKey()
	if _, err := s.Create(ctx, goKey, rec(`{"from":"go","n":1}`)); err != nil {
		t.Fatal(err)
	}
	res := django(
		map[string]any{"op": "raw", "key": goKey},
		map[string]any{"op": "read", "key": goKey},
		map[string]any{"op": "write", "data": json.RawMessage(`{"from":"django","list":[1,"a"]}`)},
	)
	if !same(res[0].DB, `{"from":"go","n":1}`) || !same(res[0].Cache, `{"from":"go","n":1}`) {
		t.Errorf("Django's row and cache entry of Go's session: %s and %s", res[0].DB, res[0].Cache)
	}
	if res[1].Key == nil || *res[1].Key != goKey || !same(res[1].Data, `{"from":"go","n":1}`) {
		t.Errorf("Django read Go's session as %s (key %v)", res[1].Data, res[1].Key)
	}
	djKey := *res[2].Key
	if got := load(djKey); got != `{"from":"django","list":[1,"a"]}` {
		t.Errorf("Go read Django's session as %s", got)
	}

	// Go updates Django's session: Django reads the update, not its own
	// cached copy; Go deletes its own: Django finds none.
	if _, err := s.Update(ctx, djKey, rec(`{"from":"go update"}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, goKey); err != nil {
		t.Fatal(err)
	}
	res = django(
		map[string]any{"op": "read", "key": djKey},
		map[string]any{"op": "read", "key": goKey},
		map[string]any{"op": "raw", "key": goKey},
	)
	if !same(res[0].Data, `{"from":"go update"}`) {
		t.Errorf("Django read Go's update as %s", res[0].Data)
	}
	if res[1].Key != nil || !same(res[1].Data, `{}`) {
		t.Errorf("Django read the session Go deleted as %s (key %v), want none", res[1].Data, res[1].Key)
	}
	if string(res[2].DB) != "null" || string(res[2].Cache) != "null" {
		t.Errorf("after Go's delete Django finds row %s and cache entry %s, want none", res[2].DB, res[2].Cache)
	}

	// Django updates (a new write through its cached copy), cycles and
	// flushes: Go sees each.
	if _, err := s.Swap(ctx, djKey, []byte(load(djKey)), rec(`{"from":"go swap","keep":true}`)); err != nil {
		t.Fatalf("Swap: %v", err)
	}
	res = django(
		map[string]any{"op": "cycle", "key": djKey},
		map[string]any{"op": "write", "data": json.RawMessage(`{"from":"django 2"}`)},
	)
	newKey, dj2 := *res[0].Key, *res[1].Key
	notFound("the key Django cycled away", djKey)
	if got := load(newKey); !same([]byte(got), `{"from":"go swap","keep":true}`) {
		t.Errorf("Go read Django's cycled session as %s", got)
	}
	load(dj2) // cached in Go's reads too
	django(map[string]any{"op": "flush", "key": dj2})
	notFound("the session Django flushed", dj2)
}
