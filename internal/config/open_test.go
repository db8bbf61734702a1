package config

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/cacheddb"
	"github.com/sessionkit/sessionkit/store/cachestore"
	"github.com/sessionkit/sessionkit/store/cookiestore"
	"github.com/sessionkit/sessionkit/store/filestore"
	"github.com/sessionkit/sessionkit/store/memstore"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func randomName(prefix string) string {
	var b [6]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// pgURL returns the test PostgreSQL URL with a schema of its own, so that
// the default table names cannot collide with other tests.
func pgURL(t *testing.T) string {
	t.Helper()
	base := testenv.PostgresURL(t)
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	schema := randomName("config_test_")
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err == nil {
			db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// mysqlURL returns a mysql:// URL for a database of this test's own, on the
// test MariaDB server.
func mysqlURL(t *testing.T) string {
	t.Helper()
	dsn := testenv.MySQLDSN(t)
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	name := randomName("config_test_")
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("mysql", dsn)
		if err == nil {
			db.Exec("DROP DATABASE " + name)
			db.Close()
		}
	})
	// user[:pass]@tcp(host:port)/db?… → mysql://user[:pass]@host:port/name
	userinfo, rest, _ := strings.Cut(dsn, "@tcp(")
	host, _, _ := strings.Cut(rest, ")")
	return "mysql://" + userinfo + "@" + host + "/" + name
}

// roundTrip saves a session through m and reads it back by its key.
func roundTrip(t *testing.T, m *sessionkit.Manager) {
	t.Helper()
	ctx := context.Background()
	s := m.Open(ctx, "")
	s.Set("cart", map[string]any{"mug": 2})
	s.Set("é", "ü")
	if err := s.Save(ctx); err != nil {
		t.Fatalf("saving a session: %v", err)
	}
	got := m.Open(ctx, s.Key())
	if v, _ := sessionkit.Get[map[string]int](got, "cart"); v["mug"] != 2 || got.Get("é") != "ü" {
		t.Fatalf("read back %v %v", v, got.Get("é"))
	}
	if err := got.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenEngines(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name     string
		settings func(t *testing.T) Settings
		// check inspects the store the settings produced.
		check func(t *testing.T, m *sessionkit.Manager)
	}{
		{"memory", func(t *testing.T) Settings {
			s := Defaults()
			s.Engine = EngineMemory
			return s
		}, func(t *testing.T, m *sessionkit.Manager) {
			if _, ok := m.Store.(*memstore.Store); !ok {
				t.Errorf("store %T", m.Store)
			}
		}},
		{"db on SQLite", func(t *testing.T) Settings {
			s := Defaults()
			s.DatabaseURL = "sqlite:///" + filepath.Join(t.TempDir(), "s.db")
			return s
		}, func(t *testing.T, m *sessionkit.Manager) {
			if st, ok := m.Store.(*sqlstore.Store); !ok || st.Table() != sqlstore.DefaultTable || m.Codec != nil {
				t.Errorf("store %T codec %T", m.Store, m.Codec)
			}
		}},
		{"db on SQLite, Django mode", func(t *testing.T) Settings {
			s := Defaults()
			s.DatabaseURL = "sqlite:///" + filepath.Join(t.TempDir(), "s.db")
			s.Django, s.SecretKey = true, "django-secret"
			return s
		}, func(t *testing.T, m *sessionkit.Manager) {
			st, ok := m.Store.(*sqlstore.Store)
			c, isDjango := m.Codec.(*sessionkit.DjangoCodec)
			if !ok || st.Table() != sqlstore.DjangoTable || !isDjango || c.SecretKey != "django-secret" {
				t.Errorf("store %T codec %T", m.Store, m.Codec)
			}
		}},
		{"db on PostgreSQL", func(t *testing.T) Settings {
			s := Defaults()
			s.DatabaseURL = pgURL(t)
			return s
		}, func(t *testing.T, m *sessionkit.Manager) {
			if st, ok := m.Store.(*sqlstore.Store); !ok || st.Dialect() != sqlstore.Postgres {
				t.Errorf("store %T", m.Store)
			}
		}},
		{"db on MariaDB, Django mode", func(t *testing.T) Settings {
			s := Defaults()
			s.DatabaseURL = mysqlURL(t)
			s.Django, s.SecretKey = true, "django-secret"
			return s
		}, func(t *testing.T, m *sessionkit.Manager) {
			if st, ok := m.Store.(*sqlstore.Store); !ok || st.Dialect() != sqlstore.MySQL {
				t.Errorf("store %T", m.Store)
			}
		}},
		{"file", func(t *testing.T) Settings {
			s := Defaults()
			s.Engine, s.FilePath = EngineFile, dir
			return s
		}, func(t *testing.T, m *sessionkit.Manager) {
			if _, ok := m.Store.(*filestore.Store); !ok {
				t.Errorf("store %T", m.Store)
			}
		}},
		{"cache on locmem", func(t *testing.T) Settings {
			s := Defaults()
			s.Engine = EngineCache
			return s
		}, func(t *testing.T, m *sessionkit.Manager) {
			if _, ok := m.Store.(*cachestore.Store); !ok {
				t.Errorf("store %T", m.Store)
			}
		}},
		{"cache on Redis", func(t *testing.T) Settings {
			s := Defaults()
			s.Engine, s.CacheURL = EngineCache, "redis://"+testenv.RedisAddr(t)+"/0"
			return s
		}, nil},
		{"cache on memcached", func(t *testing.T) Settings {
			s := Defaults()
			s.Engine, s.CacheURL = EngineCache, "memcached://"+strings.Join(testenv.MemcachedAddrs(t), ",")
			return s
		}, nil},
		{"cache on memcached, Django mode", func(t *testing.T) Settings {
			s := Defaults()
			s.Engine, s.Django, s.CacheKeyPrefix, s.CacheVersion = EngineCache, true, "site", 3
			s.CacheURL = "memcached://" + testenv.MemcachedAddrs(t)[0]
			return s
		}, func(t *testing.T, m *sessionkit.Manager) {
			st, ok := m.Store.(*cachestore.Store)
			if !ok || m.Codec != nil {
				t.Fatalf("store %T codec %T: the cache engine takes JSON in Django mode", m.Store, m.Codec)
			}
			if got := st.CacheKey("abcdefgh"); got != "site:3:django.contrib.sessions.cacheabcdefgh" {
				t.Errorf("cache key %q, want Django's with KEY_PREFIX and VERSION", got)
			}
		}},
		{"cached_db on Redis and SQLite, Django mode", func(t *testing.T) Settings {
			s := Defaults()
			s.Engine, s.Django, s.SecretKey = EngineCachedDB, true, "k"
			s.CacheURL = "redis://" + testenv.RedisAddr(t) + "/0"
			s.DatabaseURL = "sqlite:///" + filepath.Join(t.TempDir(), "s.db")
			return s
		}, func(t *testing.T, m *sessionkit.Manager) {
			if _, ok := m.Store.(*cacheddb.Store); !ok || m.Codec != nil {
				t.Errorf("store %T codec %T: cached_db takes JSON and signs its rows itself in Django mode", m.Store, m.Codec)
			}
		}},
		{"signed_cookies, native", func(t *testing.T) Settings {
			s := Defaults()
			s.Engine, s.SecretKey = EngineSignedCookies, "k"
			return s
		}, func(t *testing.T, m *sessionkit.Manager) {
			if _, ok := m.Store.(*cookiestore.Store); !ok || m.Codec != nil {
				t.Errorf("store %T codec %T: the cookie store takes the JSON codec", m.Store, m.Codec)
			}
		}},
		{"signed_cookies, Django mode", func(t *testing.T) Settings {
			s := Defaults()
			s.Engine, s.SecretKey, s.Django = EngineSignedCookies, "k", true
			return s
		}, func(t *testing.T, m *sessionkit.Manager) {
			if m.Codec != nil {
				t.Errorf("codec %T: the cookie store signs by itself", m.Codec)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.settings(t)
			m, closeStore, err := s.Open(context.Background(), quiet)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := closeStore(); err != nil {
					t.Errorf("closing: %v", err)
				}
			}()
			if tc.check != nil {
				tc.check(t, m)
			}
			roundTrip(t, m)
			// In Django mode a cache entry's only expiry is its TTL, kept
			// by the cache's clock, which Manager.Now cannot move.
			managerClockOnly(t, m, !(s.Django && (s.Engine == EngineCache || s.Engine == EngineCachedDB)))
		})
	}
}

// managerClockOnly checks that Manager.Now alone is the clock of the whole
// engine: the store was given none, yet a session saved at a time far from
// the real one lives exactly as long as that clock says (expires: when the
// store keeps the session's expiry).
func managerClockOnly(t *testing.T, m *sessionkit.Manager, expires bool) {
	t.Helper()
	now := time.Date(2021, 6, 1, 12, 0, 0, 0, time.UTC)
	m.Now = func() time.Time { return now }
	defer func() { m.Now = nil }()
	ctx := context.Background()
	s := m.Open(ctx, "")
	s.Set("n", 1)
	if err := s.Save(ctx); err != nil {
		t.Fatalf("saving under Manager.Now = %v: %v", now, err)
	}
	now = now.Add(time.Hour)
	if got := m.Open(ctx, s.Key()).Get("n"); got != 1 {
		t.Fatalf("with only Manager.Now set, a session saved an hour earlier by that clock is lost (n = %v)", got)
	}
	if !expires {
		return
	}
	now = now.Add(sessionkit.DefaultCookieAge)
	if got := m.Open(ctx, s.Key()).Get("n"); got != nil {
		t.Errorf("a session past its age by Manager.Now still loads (n = %v)", got)
	}
}

func TestOpenAppliesTheSettings(t *testing.T) {
	s := Defaults()
	s.Engine = EngineMemory
	s.CookieName, s.CookieAge, s.CookieDomain, s.CookiePath = "sid", 3600e9, ".example.com", "/app"
	s.CookieSecure, s.CookieHTTPOnly, s.CookieSameSite = true, false, "Strict"
	s.SaveEveryRequest, s.ExpireAtBrowserClose = true, true
	s.IdleTimeout, s.Lifetime = 60e9, 7200e9
	m, closeStore, err := s.Open(context.Background(), quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	if m.CookieName != "sid" || m.CookieAge != 3600e9 || m.CookieDomain != ".example.com" || m.CookiePath != "/app" ||
		!m.CookieSecure || !m.CookieScriptAccessible || m.CookieSameSite != s.SameSite() ||
		!m.SaveEveryRequest || !m.ExpireAtBrowserClose || m.IdleTimeout != 60e9 || m.Lifetime != 7200e9 || m.Logger != quiet {
		t.Errorf("Manager %+v does not carry the settings %+v", m, s)
	}
}

func TestOpenErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		modify func(*Settings)
		want   string
		is     error
	}{
		{"Django mode needs a secret key", func(s *Settings) { s.Django = true }, "SECRET_KEY", ErrNoSecretKey},
		{"signed cookies need a secret key", func(s *Settings) { s.Engine = EngineSignedCookies }, "SECRET_KEY", ErrNoSecretKey},
		{"bad database URL", func(s *Settings) { s.DatabaseURL = "oracle://db" }, "DATABASE_URL", nil},
		{"SQLite URL with a host", func(s *Settings) { s.DatabaseURL = "sqlite://host/x.db" }, "DATABASE_URL", nil},
		{"missing file directory", func(s *Settings) {
			s.Engine, s.FilePath = EngineFile, filepath.Join(t.TempDir(), "missing")
		}, "SESSION_FILE_PATH", nil},
		{"bad cache URL", func(s *Settings) { s.Engine, s.CacheURL = EngineCache, "mongodb://x" }, "CACHE_URL", nil},
		{"bad Redis URL", func(s *Settings) { s.Engine, s.CacheURL = EngineCache, "redis://h:notaport" }, "CACHE_URL", nil},
		{"bad cache URL behind cached_db", func(s *Settings) {
			s.Engine, s.CacheURL, s.DatabaseURL = EngineCachedDB, "nope", "sqlite://:memory:"
		}, "CACHE_URL", nil},
		{"unknown engine", func(s *Settings) { s.Engine = "mongo" }, "not a session engine", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Defaults()
			tc.modify(&s)
			_, closeStore, err := s.Open(context.Background(), quiet)
			if err == nil {
				closeStore()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: want one line mentioning %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		modify func(*Settings)
		want   string
	}{
		{func(s *Settings) {}, "db engine, SQLite file sessionkit.db, native formats"},
		{func(s *Settings) { s.Django = true }, "db engine, SQLite file sessionkit.db, Django-compatible formats"},
		{func(s *Settings) { s.DatabaseURL = "postgres://u:secret@db.example:5432/app?sslmode=disable" }, "PostgreSQL at db.example:5432/app"},
		{func(s *Settings) { s.DatabaseURL = "mysql://root:pw@127.0.0.1:3306/test" }, "MySQL at 127.0.0.1:3306/test"},
		{func(s *Settings) { s.DatabaseURL = "sqlite://:memory:" }, "in-memory SQLite"},
		{func(s *Settings) { s.Engine, s.FilePath = EngineFile, "/var/sessions" }, "file engine, files in /var/sessions"},
		{func(s *Settings) { s.Engine = EngineCache }, "cache engine, this process's memory cache"},
		{func(s *Settings) { s.Engine, s.CacheURL = EngineCache, "redis://:pw@10.0.0.1:6379/2" }, "cache engine, Redis at 10.0.0.1:6379/2"},
		{func(s *Settings) { s.Engine, s.CacheURL = EngineCachedDB, "memcached://a:11211,b:11211" }, "cached_db engine, memcached at a:11211,b:11211 in front of SQLite file sessionkit.db"},
		{func(s *Settings) { s.Engine = EngineSignedCookies }, "signed_cookies engine, the session kept in the browser's cookie"},
		{func(s *Settings) { s.Engine = EngineMemory }, "memory engine, this process's memory"},
		{func(s *Settings) { s.Engine, s.Django = EngineMemory, true }, "native formats"},
		{func(s *Settings) { s.Engine, s.Django = EngineCache, true }, "Django-compatible formats"},
	} {
		s := Defaults()
		tc.modify(&s)
		got := s.Describe()
		if !strings.Contains(got, tc.want) {
			t.Errorf("Describe() = %q, want it to contain %q", got, tc.want)
		}
		if strings.Contains(got, "secret") || strings.Contains(got, "pw") {
			t.Errorf("Describe() = %q shows a password", got)
		}
	}
}

func TestSummaryHidesSecrets(t *testing.T) {
	s := Defaults()
	s.Engine, s.Django = EngineCachedDB, true
	s.SecretKey = "top-secret-key"
	s.DatabaseURL = "postgres://app:dbpass@db:5432/app"
	s.CacheURL = "redis+cluster://:cachepass@r1:7001,r2:7002/0"
	got := map[string]string{}
	for _, kv := range s.Summary() {
		got[kv[0]] = kv[1]
		for _, secret := range []string{"top-secret-key", "dbpass", "cachepass"} {
			if strings.Contains(kv[1], secret) {
				t.Errorf("%s = %q shows a secret", kv[0], kv[1])
			}
		}
	}
	for name, want := range map[string]string{
		"SESSION_ENGINE":          "django.contrib.sessions.backends.cached_db",
		"DATABASE_URL":            "postgres://app:xxxxx@db:5432/app",
		"CACHE_URL":               "redis+cluster://:xxxxx@r1:7001,r2:7002/0",
		"SESSIONKIT_DJANGO":       "True",
		"SECRET_KEY":              "(set, not shown)",
		"SESSION_COOKIE_AGE":      "1209600",
		"SESSION_COOKIE_SAMESITE": "Lax",
		"SESSION_COOKIE_HTTPONLY": "True",
	} {
		if got[name] != want {
			t.Errorf("%s = %q, want %q", name, got[name], want)
		}
	}
	if _, ok := got["SESSION_FILE_PATH"]; ok {
		t.Error("the summary lists a setting the engine does not use")
	}
}
