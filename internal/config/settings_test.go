package config

import (
	"flag"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// resolve parses args and env as the commands do.
func resolve(t *testing.T, args []string, env map[string]string) (Settings, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var f Flags
	f.Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parsing %q: %v", args, err)
	}
	return f.Settings(func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
}

func TestDefaultsAreDjangos(t *testing.T) {
	s, err := resolve(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{
		Engine:           "db",
		DatabaseURL:      "sqlite:///sessionkit.db",
		CacheURL:         "locmem://",
		CacheVersion:     1,
		UseTZ:            true,
		HashingAlgorithm: "sha256",
		CookieName:       "sessionid",
		CookieAge:        1209600 * time.Second,
		CookiePath:       "/",
		CookieHTTPOnly:   true,
		CookieSameSite:   "Lax",
		Serializer:       "django.contrib.sessions.serializers.JSONSerializer",
		CacheAlias:       "default",
		StoreTimeout:     5 * time.Second,
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", s, want)
	}
	if d := Defaults(); !reflect.DeepEqual(d, want) {
		t.Errorf("Defaults() = %+v", d)
	}
	if s.SameSite() != http.SameSiteLaxMode {
		t.Errorf("SameSite() = %v, want Lax", s.SameSite())
	}
}

func TestFlagsOverrideEnvironment(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		env   map[string]string
		check func(Settings) bool
	}{
		{"env engine", nil, map[string]string{"SESSION_ENGINE": "file"},
			func(s Settings) bool { return s.Engine == "file" }},
		{"Django's dotted engine", nil, map[string]string{"SESSION_ENGINE": "django.contrib.sessions.backends.cached_db"},
			func(s Settings) bool { return s.Engine == "cached_db" }},
		{"flag wins over env", []string{"--engine", "signed_cookies"}, map[string]string{"SESSION_ENGINE": "file"},
			func(s Settings) bool { return s.Engine == "signed_cookies" }},
		{"django bool flag", []string{"--django"}, map[string]string{"SESSIONKIT_DJANGO": "false"},
			func(s Settings) bool { return s.Django }},
		{"django env", nil, map[string]string{"SESSIONKIT_DJANGO": "True"},
			func(s Settings) bool { return s.Django }},
		{"httponly off by flag", []string{"--cookie-httponly=false"}, nil,
			func(s Settings) bool { return !s.CookieHTTPOnly }},
		{"cookie age in seconds", nil, map[string]string{"SESSION_COOKIE_AGE": "3600"},
			func(s Settings) bool { return s.CookieAge == time.Hour }},
		{"samesite none", nil, map[string]string{"SESSION_COOKIE_SAMESITE": "none"},
			func(s Settings) bool { return s.CookieSameSite == "None" && s.SameSite() == http.SameSiteNoneMode }},
		{"samesite strict", []string{"--cookie-samesite", "STRICT"}, nil,
			func(s Settings) bool { return s.SameSite() == http.SameSiteStrictMode }},
		{"samesite false: no attribute", nil, map[string]string{"SESSION_COOKIE_SAMESITE": "False"},
			func(s Settings) bool { return s.CookieSameSite == "" && s.SameSite() == http.SameSiteDefaultMode }},
		{"fallbacks comma-separated", nil, map[string]string{"SECRET_KEY_FALLBACKS": "old1, old2,,"},
			func(s Settings) bool { return reflect.DeepEqual(s.SecretKeyFallbacks, []string{"old1", "old2"}) }},
		{"secret key", []string{"--secret-key", "s3cret"}, map[string]string{"SECRET_KEY": "env"},
			func(s Settings) bool { return s.SecretKey == "s3cret" }},
		{"database url", []string{"--db", "postgres://u@h/db"}, map[string]string{"DATABASE_URL": "sqlite:///x.db"},
			func(s Settings) bool { return s.DatabaseURL == "postgres://u@h/db" }},
		{"store timeout in seconds", nil, map[string]string{"SESSIONKIT_STORE_TIMEOUT": "2"},
			func(s Settings) bool { return s.StoreTimeout == 2*time.Second }},
		{"store timeout as a duration", []string{"--store-timeout", "1500ms"}, map[string]string{"SESSIONKIT_STORE_TIMEOUT": "2"},
			func(s Settings) bool { return s.StoreTimeout == 1500*time.Millisecond }},
		{"Django's CACHES KEY_PREFIX and VERSION", []string{"--cache-version", "3"}, map[string]string{"CACHE_KEY_PREFIX": "shop", "CACHE_VERSION": "2"},
			func(s Settings) bool { return s.CacheKeyPrefix == "shop" && s.CacheVersion == 3 }},
		{"an empty variable means unset", nil, map[string]string{"DATABASE_URL": "", "SESSION_ENGINE": ""},
			func(s Settings) bool { return s.DatabaseURL == DefaultDatabaseURL && s.Engine == "db" }},
		{"every SESSION_ setting", nil, map[string]string{
			"SESSION_COOKIE_NAME": "sid", "SESSION_COOKIE_DOMAIN": ".example.com", "SESSION_COOKIE_PATH": "/app",
			"SESSION_COOKIE_SECURE": "1", "SESSION_SAVE_EVERY_REQUEST": "yes", "SESSION_EXPIRE_AT_BROWSER_CLOSE": "on",
			"SESSION_FILE_PATH": "/var/sessions", "CACHE_URL": "redis://h:6379/1",
			"SESSION_SERIALIZER": "django.contrib.sessions.serializers.JSONSerializer", "SESSION_CACHE_ALIAS": "default",
			"SESSIONKIT_IDLE_TIMEOUT": "600", "SESSIONKIT_LIFETIME": "86400",
		}, func(s Settings) bool {
			return s.CookieName == "sid" && s.CookieDomain == ".example.com" && s.CookiePath == "/app" &&
				s.CookieSecure && s.SaveEveryRequest && s.ExpireAtBrowserClose && s.FilePath == "/var/sessions" &&
				s.CacheURL == "redis://h:6379/1" && s.IdleTimeout == 10*time.Minute && s.Lifetime == 24*time.Hour
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := resolve(t, tc.args, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(s) {
				t.Errorf("settings %+v", s)
			}
		})
	}
}

func TestBadSettings(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string // the error starts with the source and mentions this
	}{
		{nil, map[string]string{"SESSION_ENGINE": "redis"}, `SESSION_ENGINE="redis" (from the environment) is not a session engine; use one of db, file, cache, cached_db, signed_cookies, memory`},
		{[]string{"--engine", "django.contrib.sessions.backends.nope"}, nil, `--engine="django.contrib.sessions.backends.nope" is not a session engine`},
		{nil, map[string]string{"SESSION_COOKIE_AGE": "two weeks"}, `SESSION_COOKIE_AGE="two weeks" (from the environment) is not a whole number of seconds`},
		{[]string{"--cookie-age", "0"}, nil, `--cookie-age="0" must be a positive number of seconds`},
		{nil, map[string]string{"SESSION_COOKIE_AGE": "-5"}, "must be a positive number"},
		{nil, map[string]string{"SESSION_COOKIE_AGE": "99999999999999999"}, "too large"},
		{nil, map[string]string{"SESSIONKIT_IDLE_TIMEOUT": "-1"}, "must be 0 (off) or a positive number"},
		{nil, map[string]string{"SESSION_COOKIE_SECURE": "maybe"}, `SESSION_COOKIE_SECURE="maybe" (from the environment) is not a boolean`},
		{[]string{"--django=perhaps"}, nil, `--django="perhaps" is not a boolean`},
		{nil, map[string]string{"SESSION_COOKIE_SAMESITE": "Sometimes"}, "must be Lax, Strict, None, or false"},
		{nil, map[string]string{"SESSION_COOKIE_NAME": "session id"}, "is not a valid cookie name"},
		{nil, map[string]string{"SESSION_COOKIE_PATH": "app"}, "must start with '/'"},
		{nil, map[string]string{"SESSION_COOKIE_DOMAIN": "a;b"}, "must not contain ';'"},
		{nil, map[string]string{"SESSION_SERIALIZER": "django.contrib.sessions.serializers.PickleSerializer"}, "is not supported"},
		{nil, map[string]string{"SESSION_CACHE_ALIAS": "sessions"}, `there is one cache, CACHE_URL`},
		{[]string{"--db", ""}, nil, `--db="" is empty`},
		{nil, map[string]string{"CACHE_VERSION": "0"}, `CACHE_VERSION="0" (from the environment) is not a whole number of 1 or more`},
		{[]string{"--cache-key-prefix", "a b"}, nil, "contains a space"},
		{nil, map[string]string{"SESSIONKIT_STORE_TIMEOUT": "0"}, "is not a timeout; use a positive number of seconds"},
		{[]string{"--store-timeout", "soon"}, nil, `--store-timeout="soon" is not a timeout`},
	} {
		_, err := resolve(t, tc.args, tc.env)
		if err == nil {
			t.Errorf("%v %v: no error", tc.args, tc.env)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
			t.Errorf("%v %v:\n got %q\nwant one line containing %q", tc.args, tc.env, msg, tc.want)
		}
	}
}

func TestParseEngine(t *testing.T) {
	for in, want := range map[string]string{
		"db": "db", "file": "file", "cache": "cache", "cached_db": "cached_db", "signed_cookies": "signed_cookies", "memory": "memory",
		"django.contrib.sessions.backends.db": "db", "django.contrib.sessions.backends.signed_cookies": "signed_cookies", " file ": "file",
	} {
		if got, err := ParseEngine(in); err != nil || got != want {
			t.Errorf("ParseEngine(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "DB", "sessions.backends.db", "django.contrib.sessions.backends.", "redis"} {
		if _, err := ParseEngine(bad); err == nil {
			t.Errorf("ParseEngine(%q) accepted it", bad)
		}
	}
}

func TestHelpNamesEveryVariable(t *testing.T) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	var out strings.Builder
	fs.SetOutput(&out)
	var f Flags
	f.Register(fs)
	fs.PrintDefaults()
	for _, st := range settings {
		if !strings.Contains(out.String(), "env "+st.env) || !strings.Contains(out.String(), "-"+st.flag) {
			t.Errorf("the help does not show %s (--%s)", st.env, st.flag)
		}
	}
}
