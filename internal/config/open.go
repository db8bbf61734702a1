package config

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"log/slog"
	"net/url"
	"os"
	"path/filepath"

	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/cache/memcache"
	"github.com/sessionkit/sessionkit/cache/memorycache"
	"github.com/sessionkit/sessionkit/cache/rediscache"
	"github.com/sessionkit/sessionkit/store/filestore"
	"github.com/sessionkit/sessionkit/store/memstore"
	"github.com/sessionkit/sessionkit/store/sqlstore"

	// The database drivers DATABASE_URL may name.
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// ErrNoSecretKey is returned by Open when the engine needs SECRET_KEY (to
// sign cookies or session data) and there is none.
var ErrNoSecretKey = errors.New("config: SECRET_KEY is empty")

// Open opens the store the settings name and returns a Manager configured
// with them, and a function that closes the store and its connections.
// The db engine creates its table if it does not exist.
//
// In Django mode the db, file and cached_db engines keep data in Django's
// signed format, so SecretKey must be set (see LoadSecretKey); so must it
// for the signed_cookies engine in either mode. The cache engine in Django
// mode keeps Django's pickled session dict, which is not signed: as in
// Django, whoever can write the cache can write sessions.
func (s *Settings) Open(ctx context.Context, log *slog.Logger) (*sessionkit.Manager, func() error, error) {
	if log == nil {
		log = slog.Default()
	}
	needsKey := s.Engine == EngineSignedCookies || (s.Django && s.Engine != EngineMemory && s.Engine != EngineCache)
	if needsKey && s.SecretKey == "" {
		return nil, nil, fmt.Errorf("%w: the %s engine in %s signs with it; set SECRET_KEY (or --secret-key)", ErrNoSecretKey, s.Engine, s.modeName())
	}
	s.warnWeakSecretKeys(log)
	store, closeStore, err := s.openStore(ctx, log)
	if err != nil {
		return nil, nil, err
	}
	if _, ok := store.(sessionkit.Locker); s.Lock && !ok {
		closeStore()
		why := "its store cannot lock sessions"
		if s.Engine == EngineSignedCookies {
			why = "the session lives in the cookie"
		}
		return nil, nil, fmt.Errorf("SESSIONKIT_LOCK: the %s engine cannot hold a session for one request at a time (%s); turn SESSIONKIT_LOCK off or use another engine", s.Engine, why)
	}
	m := &sessionkit.Manager{
		Store:                  store,
		CookieName:             s.CookieName,
		CookieAge:              s.CookieAge,
		CookieDomain:           s.CookieDomain,
		CookiePath:             s.CookiePath,
		CookieSecure:           s.CookieSecure,
		CookieScriptAccessible: !s.CookieHTTPOnly,
		CookieSameSite:         s.SameSite(),
		SaveEveryRequest:       s.SaveEveryRequest,
		ExpireAtBrowserClose:   s.ExpireAtBrowserClose,
		IdleTimeout:            s.IdleTimeout,
		Lifetime:               s.Lifetime,
		MaxSize:                s.MaxSize,
		Exclusive:              s.Lock,
		LastWriteWins:          s.LastWriteWins,
		Header:                 s.Header,
		Logger:                 log,
		TrackSessions:          true,
	}
	if s.Engine == EngineSignedCookies {
		rv, err := s.openRevocations(ctx, log)
		if err != nil {
			closeStore()
			return nil, nil, err
		}
		m.Revocations = rv
		closeCookies := closeStore
		closeStore = func() error { return errors.Join(closeCookies(), rv.Close()) }
	}
	// The signed-cookie store signs by itself and takes the JSON codec; the
	// server-side engines write Django's session_data in Django mode,
	// except the cache engines, whose cache entries are Django's pickled
	// session dict: their Manager hands them JSON, and cached_db encodes
	// its database rows itself (see newCachedDBStore).
	if s.Django && s.Engine != EngineSignedCookies && s.Engine != EngineMemory && s.Engine != EngineCache && s.Engine != EngineCachedDB {
		m.Codec = &sessionkit.DjangoCodec{SecretKey: s.SecretKey, FallbackKeys: s.SecretKeyFallbacks, Algorithm: s.HashingAlgorithm}
	}
	return m, closeStore, nil
}

func (s *Settings) modeName() string {
	if s.Django {
		return "Django mode"
	}
	return "native mode"
}

func (s *Settings) openStore(ctx context.Context, log *slog.Logger) (sessionkit.Store, func() error, error) {
	switch s.Engine {
	case EngineMemory:
		st := memstore.New(s.CookieAge / 4)
		return st, st.Close, nil
	case EngineDB:
		st, err := s.openDB(ctx, log)
		if err != nil {
			return nil, nil, err
		}
		return st, st.Close, nil
	case EngineFile:
		st, err := filestore.New(filestore.Config{
			Dir:        s.FilePath, // "": the user's private directory in os.TempDir()
			CookieName: s.CookieName,
			Django:     s.Django,
			MaxAge:     s.CookieAge,
			Logger:     log,
		})
		if err != nil {
			return nil, nil, fmt.Errorf("SESSION_FILE_PATH: %w", err)
		}
		return st, st.Close, nil
	case EngineCache:
		c, closeCache, err := s.openCache()
		if err != nil {
			return nil, nil, err
		}
		return newCacheStore(c, s, log), closeCache, nil
	case EngineCachedDB:
		db, err := s.openDB(ctx, log)
		if err != nil {
			return nil, nil, err
		}
		c, closeCache, err := s.openCache()
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		st := newCachedDBStore(db, c, s, log)
		return st, func() error { return errors.Join(st.Close(), closeCache(), db.Close()) }, nil
	case EngineSignedCookies:
		st, err := newCookieStore(s, log)
		if err != nil {
			return nil, nil, err
		}
		return st, st.Close, nil
	}
	return nil, nil, fmt.Errorf("SESSION_ENGINE=%q is not a session engine; use one of %s", s.Engine, strings.Join(engines, ", "))
}

// openDB opens the database store and makes sure its table is there and
// fits: it creates a missing one, and refuses one with other columns (with
// what to run), so that a wrong table stops serve at start rather than
// failing every write.
func (s *Settings) openDB(ctx context.Context, log *slog.Logger) (*sqlstore.Store, error) {
	loc, err := s.Location()
	if err != nil {
		return nil, err
	}
	st, err := sqlstore.Open(ctx, s.DatabaseURL, sqlstore.Config{
		Django:    s.Django,
		UserIndex: true, // Django mode: an index table next to django_session
		Timeout:   s.StoreTimeout,
		Logger:    log,
		Location:  loc,
	})
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	return st, nil
}

// RevocationsTable is the table in DATABASE_URL's database where the
// signed_cookies engine keeps each user's "not valid before" time
// (sessionkit.Manager.Revocations), so that its cookies can be logged out.
const RevocationsTable = "sessionkit_revocation"

// openRevocations opens the revocation table of the signed_cookies engine,
// creating it if it is missing.
func (s *Settings) openRevocations(ctx context.Context, log *slog.Logger) (*sqlstore.Store, error) {
	st, err := sqlstore.Open(ctx, s.DatabaseURL, sqlstore.Config{
		Table:   RevocationsTable,
		Timeout: s.StoreTimeout,
		Logger:  log,
	})
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL (the signed_cookies engine's revocation times): %w", err)
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("DATABASE_URL (the signed_cookies engine's revocation times): %w", err)
	}
	return st, nil
}

// Location is the time zone of the naive expiry dates Django writes on
// SQLite and MySQL: nil (UTC) with USE_TZ true, TIME_ZONE with USE_TZ
// false. USE_TZ false without TIME_ZONE is an error, since guessing the
// zone would expire sessions hours early or late.
func (s *Settings) Location() (*time.Location, error) {
	if s.UseTZ {
		return nil, nil
	}
	if s.TimeZone == "" {
		return nil, errors.New("USE_TZ is false but TIME_ZONE is not set: set TIME_ZONE (or --time-zone) to the Django project's TIME_ZONE, such as America/New_York, so that expiry dates are read in the zone Django writes them in")
	}
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("TIME_ZONE=%q: %w", s.TimeZone, err)
	}
	return loc, nil
}

// cacheTimeout is the bound of one cache operation: the cache's own
// default, or StoreTimeout if that is shorter.
func (s *Settings) cacheTimeout(def time.Duration) time.Duration {
	if s.StoreTimeout > 0 && s.StoreTimeout < def {
		return s.StoreTimeout
	}
	return def
}

// openCache opens the cache CacheURL names.
func (s *Settings) openCache() (cache.Cache, func() error, error) {
	scheme, _, _ := strings.Cut(s.CacheURL, "://")
	switch strings.ToLower(scheme) {
	case "locmem":
		return memorycache.New(memorycache.Config{}), func() error { return nil }, nil
	case "redis", "rediss", "redis+cluster", "rediss+cluster", "redis+sentinel", "rediss+sentinel":
		opts, err := rediscache.ParseURL(s.CacheURL)
		if err != nil {
			return nil, nil, fmt.Errorf("CACHE_URL: %w", err)
		}
		client := redis.NewUniversalClient(opts)
		c := rediscache.New(client, rediscache.Config{Timeout: s.cacheTimeout(rediscache.DefaultTimeout)})
		return c, client.Close, nil
	case "memcached", "memcache", "pymemcache":
		cfg, err := memcache.ParseURL(s.CacheURL)
		if err != nil {
			return nil, nil, fmt.Errorf("CACHE_URL: %w", err)
		}
		if cfg.Timeout == 0 { // the URL's timeout= wins
			cfg.Timeout = s.cacheTimeout(memcache.DefaultTimeout)
		}
		if s.Django {
			// pymemcache's serde unpickles an item only when it is
			// flagged as a pickle, as Django's own session dicts are.
			cfg.Flags = memcache.FlagPickle
		}
		c, err := memcache.New(cfg)
		if err != nil {
			return nil, nil, fmt.Errorf("CACHE_URL: %w", err)
		}
		return c, c.Close, nil
	}
	return nil, nil, fmt.Errorf("CACHE_URL=%q: unknown cache; use locmem://, redis://host:6379/0 or memcached://host:11211", redact(s.CacheURL))
}

// Describe says in a few words which engine and store the settings use, for
// a start-up line: "db engine, SQLite file sessionkit.db, native formats".
func (s *Settings) Describe() string {
	var where string
	switch s.Engine {
	case EngineDB:
		where = describeDB(s.DatabaseURL)
	case EngineFile:
		dir := s.FilePath
		if dir == "" {
			dir = filepath.Join(os.TempDir(), "sessionkit-<uid>")
		}
		where = "files in " + dir
	case EngineCache:
		where = describeCache(s.CacheURL)
	case EngineCachedDB:
		where = describeCache(s.CacheURL) + " in front of " + describeDB(s.DatabaseURL)
	case EngineSignedCookies:
		where = "the session kept in the browser's cookie"
	case EngineMemory:
		where = "this process's memory (sessions end when it stops)"
	}
	mode := "native formats"
	switch {
	case s.Django && s.Engine != EngineMemory:
		mode = "Django-compatible formats"
	}
	return fmt.Sprintf("%s engine, %s, %s", s.Engine, where, mode)
}

func describeDB(raw string) string {
	if p, ok, mem := sqlitePath(raw); ok {
		if mem {
			return "an in-memory SQLite database (sessions end when the process stops)"
		}
		return "SQLite file " + p
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "the database at DATABASE_URL"
	}
	kind := "PostgreSQL"
	if s := strings.ToLower(u.Scheme); s == "mysql" || s == "mariadb" {
		kind = "MySQL"
	}
	return fmt.Sprintf("%s at %s%s", kind, u.Host, u.Path)
}

func describeCache(raw string) string {
	scheme, rest, _ := strings.Cut(raw, "://")
	switch strings.ToLower(scheme) {
	case "locmem":
		return "this process's memory cache (sessions end when it stops)"
	case "memcached", "memcache", "pymemcache":
		host, _, _ := strings.Cut(rest, "?")
		return "memcached at " + host
	}
	host := rest
	if i := strings.LastIndex(host, "@"); i >= 0 {
		host = host[i+1:]
	}
	host, _, _ = strings.Cut(host, "?")
	return "Redis at " + host
}

// sqlitePath returns the file a sqlite:// URL names (ok false for another
// database); mem is true for an in-memory database.
func sqlitePath(raw string) (path string, ok, mem bool) {
	scheme, rest, found := strings.Cut(raw, "://")
	if !found || (!strings.EqualFold(scheme, "sqlite") && !strings.EqualFold(scheme, "sqlite3")) {
		return "", false, false
	}
	rest, _, _ = strings.Cut(rest, "?")
	if rest == "" || rest == ":memory:" || rest == "/:memory:" || !strings.HasPrefix(rest, "/") {
		return "", true, true
	}
	p, err := url.PathUnescape(rest[1:])
	if err != nil || p == "" {
		return "", true, true
	}
	return p, true, false
}

// redact hides the password of a URL, even one net/url cannot parse (a
// list of hosts).
func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if !ok || at < 0 {
		return raw
	}
	user, _, hasPassword := strings.Cut(rest[:at], ":")
	if hasPassword {
		user += ":xxxxx"
	}
	return scheme + "://" + user + rest[at:]
}

// Summary lists the settings in use as (name, value) pairs under Django's
// names, for display. Passwords in URLs are hidden and the secret key is
// never shown. Settings the engine does not use are left out.
func (s *Settings) Summary() [][2]string {
	yesNo := func(b bool) string {
		if b {
			return "True"
		}
		return "False"
	}
	out := [][2]string{{"SESSION_ENGINE", djangoEnginePrefix + s.Engine}}
	if s.Engine == EngineMemory {
		out[0][1] = s.Engine
	}
	switch s.Engine {
	case EngineDB:
		out = append(out, [2]string{"DATABASE_URL", redact(s.DatabaseURL)})
	case EngineCachedDB:
		out = append(out, [2]string{"DATABASE_URL", redact(s.DatabaseURL)}, [2]string{"CACHE_URL", redact(s.CacheURL)})
	case EngineCache:
		out = append(out, [2]string{"CACHE_URL", redact(s.CacheURL)})
	}
	if s.Django && (s.Engine == EngineCache || s.Engine == EngineCachedDB) {
		out = append(out, [2]string{"CACHE_KEY_PREFIX", strconv.Quote(s.CacheKeyPrefix)}, [2]string{"CACHE_VERSION", strconv.Itoa(s.CacheVersion)})
	}
	switch s.Engine {
	case EngineFile:
		dir := s.FilePath
		if dir == "" {
			dir = filepath.Join(os.TempDir(), "sessionkit-<uid>")
		}
		out = append(out, [2]string{"SESSION_FILE_PATH", dir})
	}
	secret := "(not set)"
	if s.SecretKey != "" {
		secret = "(set, not shown)"
	}
	sameSite := s.CookieSameSite
	if sameSite == "" {
		sameSite = "False (no attribute)"
	}
	domain := s.CookieDomain
	if domain == "" {
		domain = "None"
	}
	return append(out,
		[2]string{"SESSIONKIT_DJANGO", yesNo(s.Django)},
		[2]string{"USE_TZ", yesNo(s.UseTZ)},
		[2]string{"TIME_ZONE", cmp.Or(s.TimeZone, "(not set)")},
		[2]string{"DEFAULT_HASHING_ALGORITHM", s.HashingAlgorithm},
		[2]string{"SECRET_KEY", secret},
		[2]string{"SECRET_KEY_FALLBACKS", fmt.Sprintf("%d key(s)", len(s.SecretKeyFallbacks))},
		[2]string{"SESSION_COOKIE_NAME", s.CookieName},
		[2]string{"SESSION_COOKIE_AGE", fmt.Sprint(int64(s.CookieAge / time.Second))},
		[2]string{"SESSION_COOKIE_DOMAIN", domain},
		[2]string{"SESSION_COOKIE_PATH", s.CookiePath},
		[2]string{"SESSION_COOKIE_SECURE", yesNo(s.CookieSecure)},
		[2]string{"SESSION_COOKIE_HTTPONLY", yesNo(s.CookieHTTPOnly)},
		[2]string{"SESSION_COOKIE_SAMESITE", sameSite},
		[2]string{"SESSION_SAVE_EVERY_REQUEST", yesNo(s.SaveEveryRequest)},
		[2]string{"SESSION_EXPIRE_AT_BROWSER_CLOSE", yesNo(s.ExpireAtBrowserClose)},
		[2]string{"SESSIONKIT_IDLE_TIMEOUT", fmt.Sprint(int64(s.IdleTimeout / time.Second))},
		[2]string{"SESSIONKIT_LIFETIME", fmt.Sprint(int64(s.Lifetime / time.Second))},
		[2]string{"SESSIONKIT_HEADER", s.Header},
		[2]string{"SESSIONKIT_LAST_WRITE_WINS", yesNo(s.LastWriteWins)},
		[2]string{"SESSIONKIT_LOCK", yesNo(s.Lock)},
		[2]string{"SESSIONKIT_MAX_SIZE", fmt.Sprint(s.MaxSize)},
		[2]string{"SESSIONKIT_STORE_TIMEOUT", s.StoreTimeout.String()},
	)
}
