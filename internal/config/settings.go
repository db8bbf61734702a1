// Package config turns the settings of the sessionkit command — Django's
// setting names, given as command-line flags or environment variables — into
// a configured *sessionkit.Manager and the store behind it. The serve and
// clearsessions commands share it, so both read the same settings the same
// way.
//
// A flag given on the command line wins over the environment variable of the
// same setting, which wins over the default:
//
//	SESSION_ENGINE=file sessionkit serve --cookie-age 3600
//
// Every setting is listed, with its flag, environment variable and default,
// in the Settings documentation and in `sessionkit serve -h`.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Settings are the resolved settings: what Django's settings.py says, under
// Go names. The zero value is not meaningful; get one from Flags.Settings or
// Defaults.
type Settings struct {
	// Engine is SESSION_ENGINE in its short form: "db", "file", "cache",
	// "cached_db", "signed_cookies" or "memory". Django's dotted names
	// ("django.contrib.sessions.backends.cached_db") are accepted too.
	// Default "db".
	Engine string
	// DatabaseURL is DATABASE_URL, in the dj-database-url convention, for the
	// db and cached_db engines. Default "sqlite:///sessionkit.db".
	DatabaseURL string
	// CacheURL is CACHE_URL, for the cache and cached_db engines:
	// "locmem://" (in this process, like Django's default LocMemCache),
	// "redis://host:6379/0" (and the rediss, redis+cluster and
	// redis+sentinel forms) or "memcached://h1:11211,h2:11211". Default
	// "locmem://".
	CacheURL string
	// CacheKeyPrefix is CACHE_KEY_PREFIX, the KEY_PREFIX of Django's
	// CACHES entry: in Django mode the cache engines' keys are Django's,
	// "<KEY_PREFIX>:<VERSION>:django.contrib.sessions.cache<key>". Default "".
	CacheKeyPrefix string
	// CacheVersion is CACHE_VERSION, the VERSION of Django's CACHES entry
	// (Django mode), 1 or more. Default 1.
	CacheVersion int
	// FilePath is SESSION_FILE_PATH, the directory of the file engine.
	// Default: the system's temporary directory, as in Django.
	FilePath string

	// SecretKey is SECRET_KEY. When it is empty, Open uses the key kept in
	// SecretKeyFile, generating one there on first use.
	SecretKey string
	// SecretKeyFallbacks is SECRET_KEY_FALLBACKS, comma-separated in the
	// environment: older keys that are still accepted when reading.
	SecretKeyFallbacks []string
	// SecretKeyFile is the file SECRET_KEY is read from when it is not set,
	// and where a generated one is kept (SESSIONKIT_SECRET_KEY_FILE); see
	// LoadSecretKey for the checks it must pass. Default "sessionkit.secret" beside the
	// SQLite database of DatabaseURL, or in the working directory when the
	// database is not a SQLite file.
	SecretKeyFile string
	// Django is SESSIONKIT_DJANGO: Django's table, file content, cookie
	// format and salts, so that a Django app with the same SECRET_KEY shares
	// the sessions. Default false (sessionkit's native formats).
	Django bool
	// UseTZ is Django's USE_TZ. With USE_TZ False Django writes
	// django_session.expire_date as naive date-times in TIME_ZONE on
	// SQLite and MySQL/MariaDB (PostgreSQL keeps instants either way), so
	// the db and cached_db engines must know the zone. Default true, what
	// Django's startproject writes in every version and Django's own
	// default from 5.0 (before 5.0 Django's global default was False: a
	// project whose settings.py does not set USE_TZ must set it false here).
	UseTZ bool
	// TimeZone is Django's TIME_ZONE, an IANA name such as
	// "America/New_York". Used only with USE_TZ false, where it is
	// required; Django's own default, "America/Chicago", is not assumed.
	TimeZone string
	// HashingAlgorithm is Django 3.1 and 3.2's DEFAULT_HASHING_ALGORITHM:
	// "sha256" (the default) or "sha1", with which Django 3.2 writes its
	// older session and signed-cookie formats. sha1 makes Django mode write
	// those formats too, so that a 3.2 project that still has the setting
	// (as it must while some of its servers run Django 3.0) reads them;
	// sessions in either format are read whatever this says.
	HashingAlgorithm string

	// CookieName is SESSION_COOKIE_NAME. Default "sessionid".
	CookieName string
	// CookieAge is SESSION_COOKIE_AGE, in whole seconds in the environment.
	// Default two weeks (1209600).
	CookieAge time.Duration
	// CookieDomain is SESSION_COOKIE_DOMAIN. Default none.
	CookieDomain string
	// CookiePath is SESSION_COOKIE_PATH. Default "/".
	CookiePath string
	// CookieSecure is SESSION_COOKIE_SECURE. Default false.
	CookieSecure bool
	// CookieHTTPOnly is SESSION_COOKIE_HTTPONLY. Default true.
	CookieHTTPOnly bool
	// CookieSameSite is SESSION_COOKIE_SAMESITE: "Lax", "Strict" or "None",
	// or "" for no attribute (Django's None or False). Default "Lax".
	CookieSameSite string
	// SaveEveryRequest is SESSION_SAVE_EVERY_REQUEST. Default false.
	SaveEveryRequest bool
	// ExpireAtBrowserClose is SESSION_EXPIRE_AT_BROWSER_CLOSE. Default false.
	ExpireAtBrowserClose bool
	// Serializer is SESSION_SERIALIZER. Only Django's JSONSerializer (the
	// default) exists here; PickleSerializer is refused.
	Serializer string
	// CacheAlias is SESSION_CACHE_ALIAS. There is one cache, CacheURL, so
	// only "default" is accepted.
	CacheAlias string

	// IdleTimeout is SESSIONKIT_IDLE_TIMEOUT in whole seconds, beyond Django:
	// a session unused for this long expires. Default 0 (off).
	IdleTimeout time.Duration
	// Lifetime is SESSIONKIT_LIFETIME in whole seconds, beyond Django: the
	// longest a session lives however active it is. Default 0 (off).
	Lifetime time.Duration
	// Header is SESSIONKIT_HEADER: a request header that carries the
	// session key instead of the cookie ("X-Session-Token", or
	// "Authorization" for Bearer tokens). Default "": the cookie.
	Header string
	// LastWriteWins is SESSIONKIT_LAST_WRITE_WINS: a save replaces the
	// stored session, as in Django (Manager.LastWriteWins). Default false:
	// concurrent saves merge.
	LastWriteWins bool
	// Lock is SESSIONKIT_LOCK: every request holds its session exclusively
	// (Manager.Exclusive). Default false: concurrent saves merge.
	Lock bool
	// MaxSize is SESSIONKIT_MAX_SIZE, the largest encoded session a save
	// accepts, in bytes (Manager.MaxSize). Default 0: 512 KiB.
	MaxSize int

	// StoreTimeout is SESSIONKIT_STORE_TIMEOUT: the longest one operation
	// of a networked store may take before it fails with an error, whole
	// seconds or a duration such as 1500ms. It bounds the database's
	// operations (and connecting), and caps the caches' own, shorter
	// bounds (Redis 1 s, memcached 500 ms). Default 5 seconds.
	StoreTimeout time.Duration
}

// Engine names, as SESSION_ENGINE gives them in short form.
const (
	EngineDB            = "db"
	EngineFile          = "file"
	EngineCache         = "cache"
	EngineCachedDB      = "cached_db"
	EngineSignedCookies = "signed_cookies"
	EngineMemory        = "memory"
)

// engines lists the engine names SESSION_ENGINE accepts, in short form.
var engines = []string{EngineDB, EngineFile, EngineCache, EngineCachedDB, EngineSignedCookies, EngineMemory}

// djangoEnginePrefix is the package of Django's engines; SESSION_ENGINE may
// name an engine as this prefix plus the short name.
const djangoEnginePrefix = "django.contrib.sessions.backends."

// djangoSerializer is SESSION_SERIALIZER's default, the only one supported.
const djangoSerializer = "django.contrib.sessions.serializers.JSONSerializer"

// Default values, as text in the form the environment gives them.
const (
	DefaultDatabaseURL = "sqlite:///sessionkit.db"
	DefaultCacheURL    = "locmem://"
	// SecretKeyFileName is the name of the file a generated SECRET_KEY is
	// kept in.
	SecretKeyFileName = "sessionkit.secret"
)

// setting describes one setting: its environment variable (Django's name
// where Django has one), its flag, its default, and how to store it.
type setting struct {
	env     string
	flag    string
	def     string
	isBool  bool
	usage   string
	apply   func(s *Settings, v string) error
	example string // shown in the help instead of def when def is empty
}

var settings = []setting{
	{env: "SESSION_ENGINE", flag: "engine", def: EngineDB, usage: "session engine: " + strings.Join(engines, ", ") + " (or Django's dotted name)",
		apply: func(s *Settings, v string) error {
			e, err := ParseEngine(v)
			s.Engine = e
			return err
		}},
	{env: "DATABASE_URL", flag: "db", def: DefaultDatabaseURL, usage: "database of the db and cached_db engines (sqlite:///file.db, postgres://…, mysql://…)",
		apply: func(s *Settings, v string) error {
			if v == "" {
				return errors.New("is empty; give a database URL such as " + DefaultDatabaseURL)
			}
			s.DatabaseURL = v
			return nil
		}},
	{env: "CACHE_URL", flag: "cache", def: DefaultCacheURL, usage: "cache of the cache and cached_db engines (locmem://, redis://host:6379/0, memcached://host:11211,…)",
		apply: func(s *Settings, v string) error {
			if v == "" {
				return errors.New("is empty; give a cache URL such as redis://127.0.0.1:6379/0")
			}
			s.CacheURL = v
			return nil
		}},
	{env: "CACHE_KEY_PREFIX", flag: "cache-key-prefix", def: "", usage: "KEY_PREFIX of Django's CACHES entry, in the cache engines' keys in Django mode",
		apply: func(s *Settings, v string) error {
			if strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
				return errors.New("contains a space or a control character, which no cache key may hold")
			}
			s.CacheKeyPrefix = v
			return nil
		}},
	{env: "CACHE_VERSION", flag: "cache-version", def: "1", usage: "VERSION of Django's CACHES entry, in the cache engines' keys in Django mode",
		apply: func(s *Settings, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fmt.Errorf("is not a whole number of 1 or more (got %q)", v)
			}
			s.CacheVersion = n
			return nil
		}},
	{env: "SESSION_FILE_PATH", flag: "file-path", usage: "directory of the file engine", example: "sessionkit-<uid>, mode 0700, in the temporary directory",
		apply: func(s *Settings, v string) error { s.FilePath = v; return nil }},
	{env: "SECRET_KEY", flag: "secret-key", usage: "the secret key that signs cookies and session data; prefer the environment or --secret-key-file, as other users can read command lines (ps)", example: "generated and kept in " + SecretKeyFileName,
		apply: func(s *Settings, v string) error { s.SecretKey = v; return nil }},
	{env: "SECRET_KEY_FALLBACKS", flag: "secret-key-fallbacks", usage: "older secret keys still accepted, comma-separated; prefer the environment, as other users can read command lines (ps)",
		apply: func(s *Settings, v string) error {
			s.SecretKeyFallbacks = nil
			for k := range strings.SplitSeq(v, ",") {
				if k = strings.TrimSpace(k); k != "" {
					s.SecretKeyFallbacks = append(s.SecretKeyFallbacks, k)
				}
			}
			return nil
		}},
	{env: "SESSIONKIT_SECRET_KEY_FILE", flag: "secret-key-file", usage: "file that holds SECRET_KEY when it is not set, generated there on first use; it must be a regular file of yours, mode 0600", example: SecretKeyFileName + " beside the SQLite database",
		apply: func(s *Settings, v string) error { s.SecretKeyFile = v; return nil }},
	{env: "SESSIONKIT_DJANGO", flag: "django", def: "false", isBool: true, usage: "Django compatibility: Django's table, files, cookie format and salts",
		apply: func(s *Settings, v string) (err error) { s.Django, err = parseBool(v); return err }},
	{env: "USE_TZ", flag: "use-tz", def: "true", isBool: true, usage: "Django's USE_TZ: false means Django writes expiry dates as naive TIME_ZONE date-times (SQLite, MySQL)",
		apply: func(s *Settings, v string) (err error) { s.UseTZ, err = parseBool(v); return err }},
	{env: "TIME_ZONE", flag: "time-zone", usage: "Django's TIME_ZONE, an IANA name such as America/New_York; required when USE_TZ is false", example: "none",
		apply: func(s *Settings, v string) error {
			if v != "" {
				if _, err := time.LoadLocation(v); err != nil {
					return fmt.Errorf("is not a time zone this system knows (%v); use an IANA name such as America/New_York", err)
				}
			}
			s.TimeZone = v
			return nil
		}},
	{env: "DEFAULT_HASHING_ALGORITHM", flag: "hashing-algorithm", def: "sha256", usage: "Django 3.2's DEFAULT_HASHING_ALGORITHM: sha1 writes the older session and signed-cookie formats (both are always read)",
		apply: func(s *Settings, v string) error {
			if v != "sha256" && v != "sha1" {
				return errors.New("must be sha256 or sha1, as in Django 3.1 and 3.2")
			}
			s.HashingAlgorithm = v
			return nil
		}},
	{env: "SESSION_COOKIE_NAME", flag: "cookie-name", def: "sessionid", usage: "name of the session cookie",
		apply: func(s *Settings, v string) error {
			if !validCookieName(v) {
				return errors.New("is not a valid cookie name; use letters, digits and !#$%&'*+-.^_`|~")
			}
			s.CookieName = v
			return nil
		}},
	{env: "SESSION_COOKIE_AGE", flag: "cookie-age", def: "1209600", usage: "session lifetime in seconds",
		apply: func(s *Settings, v string) (err error) { s.CookieAge, err = parseSeconds(v, false); return err }},
	{env: "SESSION_COOKIE_DOMAIN", flag: "cookie-domain", usage: "Domain of the session cookie", example: "none (this host only)",
		apply: func(s *Settings, v string) error {
			if strings.ContainsAny(v, "; \t\r\n") {
				return errors.New("must not contain ';' or white space")
			}
			s.CookieDomain = v
			return nil
		}},
	{env: "SESSION_COOKIE_PATH", flag: "cookie-path", def: "/", usage: "Path of the session cookie",
		apply: func(s *Settings, v string) error {
			if !strings.HasPrefix(v, "/") || strings.ContainsAny(v, "; \t\r\n") {
				return errors.New("must start with '/' and contain no ';' or white space")
			}
			s.CookiePath = v
			return nil
		}},
	{env: "SESSION_COOKIE_SECURE", flag: "cookie-secure", def: "false", isBool: true, usage: "send the session cookie over HTTPS only",
		apply: func(s *Settings, v string) (err error) { s.CookieSecure, err = parseBool(v); return err }},
	{env: "SESSION_COOKIE_HTTPONLY", flag: "cookie-httponly", def: "true", isBool: true, usage: "hide the session cookie from JavaScript",
		apply: func(s *Settings, v string) (err error) { s.CookieHTTPOnly, err = parseBool(v); return err }},
	{env: "SESSION_COOKIE_SAMESITE", flag: "cookie-samesite", def: "Lax", usage: "SameSite of the session cookie: Lax, Strict, None, or false for no attribute",
		apply: func(s *Settings, v string) (err error) { s.CookieSameSite, err = parseSameSite(v); return err }},
	{env: "SESSION_SAVE_EVERY_REQUEST", flag: "save-every-request", def: "false", isBool: true, usage: "save the session on every request",
		apply: func(s *Settings, v string) (err error) { s.SaveEveryRequest, err = parseBool(v); return err }},
	{env: "SESSION_EXPIRE_AT_BROWSER_CLOSE", flag: "expire-at-browser-close", def: "false", isBool: true, usage: "session cookies end when the browser closes",
		apply: func(s *Settings, v string) (err error) { s.ExpireAtBrowserClose, err = parseBool(v); return err }},
	{env: "SESSION_SERIALIZER", flag: "serializer", def: djangoSerializer, usage: "session serializer (JSON only)",
		apply: func(s *Settings, v string) error {
			if v != djangoSerializer && v != "json" {
				return fmt.Errorf("is not supported; only %s (JSON) is: pickled sessions cannot be read outside Python", djangoSerializer)
			}
			s.Serializer = djangoSerializer
			return nil
		}},
	{env: "SESSION_CACHE_ALIAS", flag: "cache-alias", def: "default", usage: "cache alias of the cache engines (only the default, CACHE_URL)",
		apply: func(s *Settings, v string) error {
			if v != "default" {
				return errors.New(`is not available: there is one cache, CACHE_URL, whose alias is "default"`)
			}
			s.CacheAlias = v
			return nil
		}},
	{env: "SESSIONKIT_IDLE_TIMEOUT", flag: "idle-timeout", def: "0", usage: "expire sessions unused for this many seconds (0: off)",
		apply: func(s *Settings, v string) (err error) { s.IdleTimeout, err = parseSeconds(v, true); return err }},
	{env: "SESSIONKIT_LIFETIME", flag: "lifetime", def: "0", usage: "expire sessions this many seconds after they began, however active (0: off)",
		apply: func(s *Settings, v string) (err error) { s.Lifetime, err = parseSeconds(v, true); return err }},
	{env: "SESSIONKIT_HEADER", flag: "header", def: "", usage: "carry the session key in this request/response header instead of the cookie (X-Session-Token, or Authorization for Bearer tokens)",
		apply: func(s *Settings, v string) error {
			if v != "" && !validHeaderName(v) {
				return fmt.Errorf("is not an HTTP header name (got %q)", v)
			}
			s.Header = v
			return nil
		}},
	{env: "SESSIONKIT_LAST_WRITE_WINS", flag: "last-write-wins", def: "false", isBool: true, usage: "a save replaces the stored session, as in Django, instead of merging with concurrent saves",
		apply: func(s *Settings, v string) (err error) { s.LastWriteWins, err = parseBool(v); return err }},
	{env: "SESSIONKIT_LOCK", flag: "lock", def: "false", isBool: true, usage: "one request at a time per session (for read-modify-write of one key)",
		apply: func(s *Settings, v string) (err error) { s.Lock, err = parseBool(v); return err }},
	{env: "SESSIONKIT_MAX_SIZE", flag: "max-size", def: "0", usage: "refuse to save sessions larger than this many bytes, encoded (0: 512 KiB)",
		apply: func(s *Settings, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return fmt.Errorf("must be a number of bytes, 0 or more (got %q)", v)
			}
			s.MaxSize = n
			return nil
		}},
	{env: "SESSIONKIT_STORE_TIMEOUT", flag: "store-timeout", def: "5", usage: "longest a database or cache operation may take before it fails, in seconds or as a duration (1500ms)",
		apply: func(s *Settings, v string) (err error) { s.StoreTimeout, err = parseTimeout(v); return err }},
}

// Defaults returns the settings with every default applied: Django's
// defaults, the db engine on sqlite:///sessionkit.db.
func Defaults() Settings {
	var s Settings
	for _, st := range settings {
		if err := st.apply(&s, st.def); err != nil {
			panic("config: bad default for " + st.env + ": " + err.Error())
		}
	}
	return s
}

// ParseEngine returns the short name of an engine given as SESSION_ENGINE
// does: "cached_db" or "django.contrib.sessions.backends.cached_db".
func ParseEngine(v string) (string, error) {
	short := strings.TrimPrefix(strings.TrimSpace(v), djangoEnginePrefix)
	if slices.Contains(engines, short) {
		return short, nil
	}
	return "", fmt.Errorf("is not a session engine; use one of %s (or Django's %s<name>)", strings.Join(engines, ", "), djangoEnginePrefix)
}

// parseBool reads a boolean as Django users write one: true/false, 1/0,
// yes/no, on/off, in any case.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "t", "yes", "y", "on":
		return true, nil
	case "0", "false", "f", "no", "n", "off":
		return false, nil
	}
	return false, errors.New("is not a boolean; use true or false")
}

// parseSeconds reads a whole number of seconds, as Django's settings give
// durations. zeroOK allows 0, which means "off".
func parseSeconds(v string, zeroOK bool) (time.Duration, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	const maxSecs = int64(1<<63-1) / int64(time.Second)
	switch {
	case err != nil:
		return 0, errors.New("is not a whole number of seconds")
	case n < 0 || (n == 0 && !zeroOK):
		if zeroOK {
			return 0, errors.New("must be 0 (off) or a positive number of seconds")
		}
		return 0, errors.New("must be a positive number of seconds")
	case n > maxSecs:
		return 0, errors.New("is too large")
	}
	return time.Duration(n) * time.Second, nil
}

// parseTimeout reads a positive timeout: whole seconds, as Django's
// settings give durations, or a Go duration such as 1500ms.
func parseTimeout(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if d, err := parseSeconds(v, false); err == nil {
		return d, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, errors.New("is not a timeout; use a positive number of seconds (5) or a duration (1500ms)")
	}
	return d, nil
}

// parseSameSite reads SESSION_COOKIE_SAMESITE: Lax, Strict or None in any
// case, or false/empty for Django's None (no attribute).
func parseSameSite(v string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "lax":
		return "Lax", nil
	case "strict":
		return "Strict", nil
	case "none":
		return "None", nil
	case "", "false":
		return "", nil
	}
	return "", errors.New("must be Lax, Strict, None, or false for no SameSite attribute")
}

// SameSite returns CookieSameSite as the Manager's http.SameSite.
func (s Settings) SameSite() http.SameSite {
	switch s.CookieSameSite {
	case "Strict":
		return http.SameSiteStrictMode
	case "None":
		return http.SameSiteNoneMode
	case "":
		return http.SameSiteDefaultMode
	}
	return http.SameSiteLaxMode
}

// validCookieName reports whether name is a cookie name Django's cookies
// (Python's http.cookies) accept.
func validCookieName(name string) bool {
	if name == "" || len(name) > 100 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// Flags reads the settings from a command line and the environment. The zero
// value is ready to use: Register its flags on a FlagSet, parse the command
// line, then call Settings.
type Flags struct {
	values map[string]*flagValue // by environment variable name
}

// flagValue keeps a flag's text and whether the command line gave it.
type flagValue struct {
	text   string
	set    bool
	isBool bool
}

func (v *flagValue) String() string {
	if v == nil {
		return ""
	}
	return v.text
}

func (v *flagValue) Set(s string) error {
	v.text, v.set = s, true
	return nil
}

// IsBoolFlag lets "--django" stand for "--django=true".
func (v *flagValue) IsBoolFlag() bool { return v.isBool }

// Register defines a flag on fs for every setting.
func (f *Flags) Register(fs *flag.FlagSet) {
	if f.values == nil {
		f.values = make(map[string]*flagValue, len(settings))
	}
	for _, st := range settings {
		v := &flagValue{isBool: st.isBool}
		f.values[st.env] = v
		def := st.def
		if def == "" {
			def = st.example
		}
		usage := fmt.Sprintf("%s (env %s; default %s)", st.usage, st.env, def)
		if def == "" {
			usage = fmt.Sprintf("%s (env %s)", st.usage, st.env)
		}
		fs.Var(v, st.flag, usage)
	}
}

// Settings resolves every setting: the flag if the command line gave it,
// else the environment variable if lookupEnv finds it (os.LookupEnv), else
// the default. The error is one line naming the setting, where its value
// came from and what is wrong with it.
func (f *Flags) Settings(lookupEnv func(string) (string, bool)) (Settings, error) {
	var s Settings
	for _, st := range settings {
		text, name, where := st.def, st.env, " (the default)"
		if v := f.values[st.env]; v != nil && v.set {
			text, name, where = v.text, "--"+st.flag, ""
		} else if e, ok := lookupEnv(st.env); ok && (e != "" || st.def == "") {
			// An empty variable counts as unset where a default exists, as a
			// shell's "VAR= cmd" usually means "no value".
			text, where = e, " (from the environment)"
		}
		if err := st.apply(&s, text); err != nil {
			return Settings{}, fmt.Errorf("%s=%q%s %v", name, text, where, err)
		}
	}
	return s, nil
}

// validHeaderName reports whether v is an HTTP field name (a token).
func validHeaderName(v string) bool {
	for _, c := range []byte(v) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return v != ""
}
