package cachestore_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/cache/memcache"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/cachestore"
)

// djangoCacheOps runs session operations in Django's cache engine.
const djangoCacheOps = `
from django.contrib.sessions.backends.cache import SessionStore
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
    elif op["op"] == "cycle":
        s = SessionStore(session_key=op["key"])
        s.cycle_key()
        out.append({"key": s.session_key})
    elif op["op"] == "flush":
        s = SessionStore(session_key=op["key"])
        s.load()
        s.flush()
        out.append({})
print(json.dumps(out))
`

type djangoResult struct {
	Key  *string         `json:"key"`
	Data json.RawMessage `json:"data"`
}

// djangoCacheBackend is a cache server that Django and Go share.
type djangoCacheBackend struct {
	name     string
	from     string // the first Django version that has the backend
	settings func(t *testing.T) map[string]any
	open     func(t *testing.T) cache.Cache
}

func djangoCacheBackends() []djangoCacheBackend {
	return []djangoCacheBackend{
		{"memcached", "3.2",
			func(t *testing.T) map[string]any {
				return map[string]any{"BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache", "LOCATION": testenv.MemcachedAddrs(t)[0]}
			},
			func(t *testing.T) cache.Cache {
				// One server: Django's client and the Go ring place keys
				// on servers differently. Items flagged as pickles, as
				// pymemcache's serde flags the dicts it pickles.
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

// TestDjangoCacheEngine: Django's cache engine and a Django-mode Store on
// one cache server (memcached through PyMemcacheCache on every version,
// Redis through RedisCache from Django 4.0), with a KEY_PREFIX and VERSION
// of their own, share sessions: each reads what the other wrote, and
// deletes, key cycles and flushes on either side are seen by the other.
func TestDjangoCacheEngine(t *testing.T) {
	testenv.Python(t)
	for _, version := range testenv.DjangoVersions() {
		for _, b := range djangoCacheBackends() {
			if version < b.from {
				continue // Django 3.2 has no Redis backend
			}
			t.Run("Django"+version+"/"+b.name, func(t *testing.T) { djangoCacheEngine(t, version, b) })
		}
	}
}

func djangoCacheEngine(t *testing.T, version string, b djangoCacheBackend) {
	caches := b.settings(t)
	caches["KEY_PREFIX"] = "shop"
	caches["VERSION"] = 2
	settings := map[string]any{
		"CACHES":         map[string]any{"default": caches},
		"INSTALLED_APPS": []string{"django.contrib.sessions"},
		"SESSION_ENGINE": "django.contrib.sessions.backends.cache",
		"SECRET_KEY":     "django-insecure-interop-test-key-0123456789abcdef",
	}
	django := func(ops ...map[string]any) []djangoResult {
		t.Helper()
		in, _ := json.Marshal(ops)
		out := testenv.DjangoIn(t, version, settings, djangoCacheOps, in)
		var res []djangoResult
		if err := json.Unmarshal(out, &res); err != nil || len(res) != len(ops) {
			t.Fatalf("Django printed %q: %v", out, err)
		}
		return res
	}
	s := cachestore.New(b.open(t), cachestore.Config{Django: true, KeyPrefix: "shop", Version: 2})
	ctx := t.Context()
	same := func(got []byte, want string) bool {
		var g, w any
		return json.Unmarshal(got, &g) == nil && json.Unmarshal([]byte(want), &w) == nil && reflect.DeepEqual(g, w)
	}
	load := func(key string) (sessionkit.Record, error) {
		t.Helper()
		return s.Load(ctx, key)
	}
	create := func(data string) string {
		t.Helper()
		key := sessionkit.NewKey()
		if _, err := s.Create(ctx, key, sessionkit.Record{Data: []byte(data), Expiry: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		return key
	}

	// Django writes, Go reads (keys in Django's order, the cache's TTL or
	// the default age as the expiry).
	djData := `{"from":"django","n":1,"f":1.5,"list":[1,"a",null,true],"u":"caf\u00e9"}`
	res := django(map[string]any{"op": "write", "data": json.RawMessage(djData)})
	djKey := *res[0].Key
	rec, err := load(djKey)
	if err != nil {
		t.Fatalf("Load of Django's session: %v", err)
	}
	if string(rec.Data) != djData {
		t.Errorf("Go read Django's session as %s, want %s", rec.Data, djData)
	}
	if until := time.Until(rec.Expiry); until < 14*24*time.Hour-time.Minute || until > 14*24*time.Hour+time.Minute {
		t.Errorf("Django's session expires in %v, want SESSION_COOKIE_AGE, two weeks", until)
	}

	// Go writes, Django reads; Go updates, Django reads the update.
	goKey := create(`{"from":"go","cart":[{"sku":"A-1","qty":2}]}`)
	goKey2 := create(`{"from":"go 2"}`)
	if _, err := s.Update(ctx, goKey2, sessionkit.Record{Data: []byte(`{"from":"go 2","step":2}`), Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// Go deletes (a logout): Django has no session.
	goGone := create(`{"from":"go","user":"7"}`)
	if err := s.Delete(ctx, goGone); err != nil {
		t.Fatal(err)
	}
	res = django(
		map[string]any{"op": "read", "key": goKey},
		map[string]any{"op": "read", "key": goKey2},
		map[string]any{"op": "read", "key": goGone},
		map[string]any{"op": "cycle", "key": goKey},
		map[string]any{"op": "flush", "key": djKey},
	)
	if res[0].Key == nil || *res[0].Key != goKey || !same(res[0].Data, `{"from":"go","cart":[{"sku":"A-1","qty":2}]}`) {
		t.Errorf("Django read Go's session as %s (key %v)", res[0].Data, res[0].Key)
	}
	if !same(res[1].Data, `{"from":"go 2","step":2}`) {
		t.Errorf("Django read Go's update as %s", res[1].Data)
	}
	if res[2].Key != nil || !same(res[2].Data, `{}`) {
		t.Errorf("Django read the session Go deleted as %s (key %v), want none", res[2].Data, res[2].Key)
	}
	// Django's cycle_key: the data moves to a new key, the old one is gone.
	newKey := *res[3].Key
	if newKey == goKey {
		t.Fatal("Django's cycle_key kept the key")
	}
	if _, err := load(goKey); !errors.Is(err, sessionkit.ErrNotFound) {
		t.Errorf("Load of the key Django cycled away = %v, want ErrNotFound", err)
	}
	if rec, err := load(newKey); err != nil || !same(rec.Data, `{"from":"go","cart":[{"sku":"A-1","qty":2}]}`) {
		t.Errorf("Load of Django's cycled key = %s, %v", rec.Data, err)
	}
	// Django's flush (its logout): gone for Go.
	if _, err := load(djKey); !errors.Is(err, sessionkit.ErrNotFound) {
		t.Errorf("Load of the session Django flushed = %v, want ErrNotFound", err)
	}

	// A save after a load swaps the entry Django wrote.
	rec, err = load(newKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Swap(ctx, newKey, rec.Data, sessionkit.Record{Data: []byte(`{"from":"go swap"}`), Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatalf("Swap of Django's entry: %v", err)
	}
	res = django(map[string]any{"op": "read", "key": newKey})
	if !same(res[0].Data, `{"from":"go swap"}`) {
		t.Errorf("Django read Go's swap as %s", res[0].Data)
	}
}
