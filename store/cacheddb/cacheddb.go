package cacheddb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache"
)

// Defaults used where Config is zero.
const (
	// DefaultPrefix is Django's key prefix for the cached_db engine
	// (django.contrib.sessions.backends.cached_db.KEY_PREFIX).
	DefaultPrefix        = "django.contrib.sessions.cached_db"
	DefaultFenceInterval = time.Second
	DefaultClockSkew     = time.Second
	DefaultTombstoneTTL  = time.Minute
	DefaultCacheBackoff  = time.Second
)

// FenceKey is the key of the record that holds the fence in the database
// store (see the package documentation). The store refuses it as a session
// key.
const FenceKey = "sessionkitcacheddbfence"

// fenceLife is the expiry given to the fence record, far enough that no
// clear-expired run removes it.
const fenceLife = 10 * 365 * 24 * time.Hour

// afterCommitTimeout bounds the cache writes and fence writes that follow a
// database write. They run detached from the caller's context: a client
// that hangs up after its session was saved must not leave a stale entry
// behind.
const afterCommitTimeout = 5 * time.Second

// Config configures a Store. The zero value is usable.
type Config struct {
	// Prefix goes in front of every cache key. Default DefaultPrefix.
	Prefix string
	// Django shares sessions with Django's cached_db engine: cache entries
	// are keyed as Django's cache framework keys them (see CacheKey) and
	// hold the session dict pickled as Django's cache backends store it,
	// and the database store (in Django mode too) gets Django's
	// session_data, encoded by Codec. The records this store takes and
	// returns hold the session as JSON: the Manager must use
	// sessionkit.JSONCodec. See the package documentation.
	Django bool
	// Codec encodes and decodes the database's session data in Django
	// mode: a *sessionkit.DjangoCodec with the project's SECRET_KEY.
	// Required with Django.
	Codec sessionkit.Codec
	// KeyPrefix is the KEY_PREFIX of Django's CACHES entry (Django mode
	// only). Default "".
	KeyPrefix string
	// Version is the VERSION of Django's CACHES entry (Django mode only).
	// Default 1.
	Version int
	// MaxAge is the expiry a record read from a Django-mode cache entry
	// gets from now when the cache cannot tell the entry's time to live
	// (memcached) and the session sets no age of its own: Django's
	// SESSION_COOKIE_AGE. Default DefaultMaxAge.
	MaxAge time.Duration
	// FenceInterval is how often the store re-reads the fence from the
	// database in the background: the longest a process that has not seen
	// the cache fail can trust an entry that another process could not
	// update. Default 1s; negative: never (only this process's own cache
	// failures and those it learns of after its own cache errors count).
	FenceInterval time.Duration
	// ClockSkew is the largest difference between the clocks of the
	// processes sharing the cache. Default 1s.
	ClockSkew time.Duration
	// TombstoneTTL is how long a deleted session's tombstone stays in the
	// cache, blocking refills that raced the delete. Default 1 minute.
	TombstoneTTL time.Duration
	// CacheBackoff is how long the store leaves the cache alone after a
	// cache error, serving from the database alone. Default 1s; negative:
	// never back off.
	CacheBackoff time.Duration
	// Logger receives cache failures (at most one line per second for
	// reads and one for writes). nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock by which cached records expire and their entries'
	// TTLs are computed; nil means time.Now. Give the database store the
	// same clock. The stamps that order cache entries against database
	// writes (and the fence) always use the real time, which other
	// processes share. For tests.
	Now func() time.Time
}

// Store is the cached_db engine. Its methods are safe for concurrent use.
// Close stops its background fence reader.
type Store struct {
	db       sessionkit.Store
	c        cache.Cache
	prefix   string // the whole prefix of a session entry's key
	django   bool
	codec    sessionkit.Codec
	maxAge   time.Duration
	skew     time.Duration
	tombTTL  time.Duration
	backoff  time.Duration
	interval time.Duration
	logger   *slog.Logger
	now      func() time.Time

	fence     atomic.Int64 // entries stamped at or before this (Unix ns) are not trusted
	published atomic.Int64 // the highest fence this process has written to the database
	raiseMu   sync.Mutex   // one fence write at a time per process
	errSeq    atomic.Int64 // cache errors seen so far
	syncedSeq atomic.Int64 // errSeq covered by the last fence read
	backUntil atomic.Int64 // Unix ns before which the cache is left alone

	readLog, writeLog throttle

	// held are the sessions whose Load reads the database, until when:
	// those this process holds locked (TryLock), so that an exclusive
	// request never computes on a cache entry that a concurrent save's late
	// cache write made stale, and those whose Swap just conflicted, so that
	// the merge's reload is the database's latest.
	heldMu sync.Mutex
	held   map[string]time.Time

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

var (
	_ sessionkit.Store              = (*Store)(nil)
	_ sessionkit.ExpiredClearer     = (*Store)(nil)
	_ sessionkit.UserSessionLister  = (*Store)(nil)
	_ sessionkit.UserSessionDeleter = (*Store)(nil)
	_ sessionkit.Swapper            = (*Store)(nil)
	_ sessionkit.Locker             = (*Store)(nil)
)

// New returns a Store that keeps sessions in db and copies in c, and starts
// the background fence reader (see Config.FenceInterval); Close stops it.
// Closing db and c is the caller's business. It panics if Config.Django is
// set without Config.Codec.
func New(db sessionkit.Store, c cache.Cache, cfg Config) *Store {
	if cfg.Django && cfg.Codec == nil {
		panic("cacheddb: Config.Django needs Config.Codec, the codec of Django's session_data (a *sessionkit.DjangoCodec)")
	}
	s := &Store{
		db:       db,
		c:        c,
		prefix:   cfg.Prefix,
		django:   cfg.Django,
		codec:    cfg.Codec,
		maxAge:   cfg.MaxAge,
		skew:     cfg.ClockSkew,
		tombTTL:  cfg.TombstoneTTL,
		backoff:  cfg.CacheBackoff,
		interval: cfg.FenceInterval,
		logger:   cfg.Logger,
		now:      cfg.Now,
	}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	if s.django {
		version := cfg.Version
		if version == 0 {
			version = 1
		}
		s.prefix = DjangoKeyPrefix(cfg.KeyPrefix, version) + s.prefix
	}
	if s.maxAge <= 0 {
		s.maxAge = DefaultMaxAge
	}
	if s.skew <= 0 {
		s.skew = DefaultClockSkew
	}
	if s.tombTTL <= 0 {
		s.tombTTL = DefaultTombstoneTTL
	}
	if s.backoff == 0 {
		s.backoff = DefaultCacheBackoff
	}
	if s.interval == 0 {
		s.interval = DefaultFenceInterval
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	if s.interval > 0 {
		go s.pollFence()
	} else {
		close(s.done)
	}
	return s
}

// Close stops the background fence reader. The Store must not be used
// afterwards.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
	})
	return nil
}

// CacheKey returns the cache key of a session key: Prefix and
// sessionkit.KeyHash of the key, or in Django mode Django's own,
// DjangoKeyPrefix(KeyPrefix, Version), Prefix and the raw key, e.g.
// ":1:django.contrib.sessions.cached_db" + key.
func (s *Store) CacheKey(key string) string {
	if s.django {
		return s.prefix + key
	}
	return sessionkit.PrefixedKeyHash(s.prefix, key)
}

// checkKey returns the error of every method for a key that is not a valid
// session key (sessionkit.ValidKey) or is FenceKey: one wrapping
// sessionkit.ErrInvalidKey.
func checkKey(op, key string) error {
	if key == FenceKey || !sessionkit.ValidKey(key) {
		return fmt.Errorf("cacheddb: %s: %w", op, sessionkit.ErrInvalidKey)
	}
	return nil
}

// Load implements sessionkit.Store. A trusted cache hit costs one cache
// round trip and no database query.
func (s *Store) Load(ctx context.Context, key string) (sessionkit.Record, error) {
	if err := checkKey("load", key); err != nil {
		return sessionkit.Record{}, err
	}
	ck := s.CacheKey(key)
	if !s.cacheUsable() {
		return s.loadDB(ctx, key, ck, refillNone)
	}
	if s.holds(ctx, key) {
		return s.loadDB(ctx, key, ck, refillDelete)
	}
	v, ttl, badFlags, err := s.get(ctx, ck)
	switch {
	case err == nil:
		e, derr := s.decode(ctx, v, ttl, badFlags)
		if derr != nil {
			// Not ours (Django's pickle) or damaged: the database decides,
			// and the entry goes.
			return s.loadDB(ctx, key, ck, refillDelete)
		}
		if !s.trusted(ctx, e.stamp) {
			return s.loadDB(ctx, key, ck, refillDelete)
		}
		if e.tombstone || !e.rec.Expiry.After(s.clock(ctx)) {
			return sessionkit.Record{}, sessionkit.ErrNotFound
		}
		return e.rec, nil
	case errors.Is(err, cache.ErrMiss):
		return s.loadDB(ctx, key, ck, refillAdd)
	default:
		s.cacheFailed(ctx, err)
		s.readLog.log(ctx, s.logger, slog.LevelWarn, "cacheddb: error reading from cache; reading the database", err)
		return s.loadDB(ctx, key, ck, refillNone)
	}
}

type refill int

const (
	refillNone   refill = iota // leave the cache alone
	refillAdd                  // the cache had nothing: Add the record
	refillDelete               // the cache had an untrusted entry: delete it
)

func (s *Store) loadDB(ctx context.Context, key, ck string, mode refill) (sessionkit.Record, error) {
	start := time.Now() // the stamp: the database is at least this new
	rec, err := s.dbLoad(ctx, key)
	if err != nil {
		return rec, err
	}
	switch mode {
	case refillAdd:
		ttl := rec.Expiry.Sub(s.clock(ctx))
		// Not worth writing: an entry that nobody trusts yet, one that
		// would expire at once, or one whose read was so slow that a
		// delete's tombstone may be gone by the time it lands.
		if start.UnixNano() <= s.fence.Load() || ttl <= 0 || time.Since(start) > s.tombTTL/4 {
			break
		}
		v, err := s.value(start, rec)
		if err != nil {
			return sessionkit.Record{}, err
		}
		wctx, cancel := writeCtx(ctx)
		err = s.c.Add(wctx, ck, v, ttl)
		cancel()
		if err != nil && !errors.Is(err, cache.ErrNotStored) {
			// The Add may still land later: fence it off.
			if ferr := s.cacheWriteFailed(ctx, "refill", err); ferr != nil {
				return sessionkit.Record{}, ferr
			}
		}
	case refillDelete:
		if start.UnixNano() <= s.fence.Load() {
			break // a refill would not be trusted yet either
		}
		wctx, cancel := writeCtx(ctx)
		err := s.c.Delete(wctx, ck)
		cancel()
		if err != nil {
			// A delete that lands late harms nothing; the entry stays
			// untrusted meanwhile.
			s.cacheFailed(ctx, err)
			s.writeLog.log(ctx, s.logger, slog.LevelError, "cacheddb: error deleting an untrusted cache entry", err)
		}
	}
	return rec, nil
}

// Create implements sessionkit.Store: the database first, then the cache.
func (s *Store) Create(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	if err := checkKey("create", key); err != nil {
		return "", err
	}
	stamp := time.Now()
	dbRec, err := s.toDB(rec)
	if err != nil {
		return "", err
	}
	v, err := s.value(stamp, rec)
	if err != nil {
		return "", err
	}
	k, err := s.db.Create(ctx, key, dbRec)
	if err != nil {
		return "", err
	}
	// A fresh key has no old entry to fear when the cache is skipped.
	if err := s.writeCache(ctx, "create", s.CacheKey(key), v, s.ttlOf(ctx, rec), false); err != nil {
		return "", err
	}
	return k, nil
}

// Update implements sessionkit.Store: the database first (a vanished
// record is sessionkit.ErrNotFound, never recreated), then the cache.
func (s *Store) Update(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	if err := checkKey("update", key); err != nil {
		return "", err
	}
	stamp := time.Now()
	dbRec, err := s.toDB(rec)
	if err != nil {
		return "", err
	}
	v, err := s.value(stamp, rec)
	if err != nil {
		return "", err
	}
	k, err := s.db.Update(ctx, key, dbRec)
	if err != nil {
		if errors.Is(err, sessionkit.ErrNotFound) {
			// Whatever the cache still holds for it is wrong now.
			if ferr := s.writeCache(ctx, "tombstone", s.CacheKey(key), s.tombstone(stamp), s.tombTTL, true); ferr != nil {
				return "", errors.Join(err, ferr)
			}
		}
		return "", err
	}
	if err := s.writeCache(ctx, "update", s.CacheKey(key), v, s.ttlOf(ctx, rec), true); err != nil {
		return "", err
	}
	return k, nil
}

// Delete implements sessionkit.Store: the database first, then a tombstone
// in the cache.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey("delete", key); err != nil {
		return err
	}
	stamp := time.Now()
	if err := s.db.Delete(ctx, key); err != nil {
		return err
	}
	return s.writeCache(ctx, "delete", s.CacheKey(key), s.tombstone(stamp), s.tombTTL, true)
}

// ClearExpired implements sessionkit.ExpiredClearer when the database store
// does; otherwise it returns an error wrapping errors.ErrUnsupported. Cache
// entries expire with their sessions and need no clearing.
func (s *Store) ClearExpired(ctx context.Context) (int64, error) {
	c, ok := s.db.(sessionkit.ExpiredClearer)
	if !ok {
		return 0, fmt.Errorf("cacheddb: the database store %T cannot clear expired sessions: %w", s.db, errors.ErrUnsupported)
	}
	return c.ClearExpired(ctx)
}

// UserSessions implements sessionkit.UserSessionLister when the database
// store does; otherwise it returns an error wrapping errors.ErrUnsupported.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]sessionkit.SessionInfo, error) {
	l, ok := s.db.(sessionkit.UserSessionLister)
	if !ok {
		return nil, fmt.Errorf("cacheddb: the database store %T cannot list sessions by user: %w", s.db, errors.ErrUnsupported)
	}
	infos, err := l.UserSessions(ctx, userID)
	for i := range infos { // each session's data as Load returns it
		infos[i].Data = s.fromDB(ctx, sessionkit.Record{Data: infos[i].Data}).Data
	}
	return infos, err
}

// DeleteUserSessions implements sessionkit.UserSessionLister when the
// database store does; otherwise it returns an error wrapping
// errors.ErrUnsupported. The deleted sessions' cache entries are replaced
// by tombstones (their cache keys are Prefix + SessionInfo.ID); with
// Config.Django, where cache keys are raw keys that a SessionInfo does not
// reveal, the store raises the fence instead.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, keepKey string) (int64, error) {
	l, ok := s.db.(sessionkit.UserSessionLister)
	if !ok {
		return 0, fmt.Errorf("cacheddb: the database store %T cannot delete sessions by user: %w", s.db, errors.ErrUnsupported)
	}
	var listed []sessionkit.SessionInfo
	if !s.django {
		var err error
		if listed, err = l.UserSessions(ctx, userID); err != nil {
			return 0, err
		}
	}
	stamp := time.Now()
	n, err := l.DeleteUserSessions(ctx, userID, keepKey)
	if err != nil || n == 0 {
		return n, err
	}
	if s.django {
		return n, s.raiseFence(ctx)
	}
	keep := ""
	if keepKey != "" {
		keep = sessionkit.KeyHash(keepKey)
	}
	for _, in := range listed {
		if in.ID == keep {
			continue
		}
		if err := s.writeCache(ctx, "delete", s.prefix+in.ID, encodeTombstone(stamp), s.tombTTL, true); err != nil {
			return n, err
		}
	}
	return n, nil
}

func (s *Store) ttlOf(ctx context.Context, rec sessionkit.Record) time.Duration {
	return rec.Expiry.Sub(s.clock(ctx))
}

// writeCache writes an entry after a database write. hasOld says whether an
// older entry may exist, which a skipped or failed write would leave behind.
// It returns an error only when neither the cache nor the fence could be
// written, so that stale entries could be served.
func (s *Store) writeCache(ctx context.Context, op, key string, v []byte, ttl time.Duration, hasOld bool) error {
	if !s.cacheUsable() {
		if hasOld {
			return s.raiseFence(ctx)
		}
		return nil
	}
	if ttl < time.Millisecond {
		// Already expired: Load hides the entry by its expiry until the
		// cache drops it, and the old one is overwritten.
		ttl = time.Millisecond
	}
	wctx, cancel := writeCtx(ctx)
	err := s.c.Set(wctx, key, v, ttl)
	cancel()
	if err != nil {
		return s.cacheWriteFailed(ctx, op, err)
	}
	return nil
}

func writeCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), afterCommitTimeout)
}

// cacheWriteFailed handles a cache write whose outcome is unknown: log it,
// back off, and raise the fence so that no process trusts what it may have
// left or may still deliver.
func (s *Store) cacheWriteFailed(ctx context.Context, op string, err error) error {
	s.cacheFailed(ctx, err)
	s.writeLog.log(ctx, s.logger, slog.LevelError, "cacheddb: error saving to cache ("+op+"); the database has the session", err)
	return s.raiseFence(ctx)
}

// cacheFailed records a cache error: the next hit re-reads the fence first,
// and the cache is left alone for the backoff.
func (s *Store) cacheFailed(ctx context.Context, err error) {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return // the caller gave up; the cache did nothing wrong
	}
	s.errSeq.Add(1)
	if s.backoff > 0 {
		s.backUntil.Store(time.Now().Add(s.backoff).UnixNano())
	}
}

func (s *Store) cacheUsable() bool {
	return s.backoff <= 0 || time.Now().UnixNano() >= s.backUntil.Load()
}

// trusted reports whether an entry stamped at stamp (Unix ns) may be
// served. After a cache error it first re-reads the fence; if that fails,
// nothing is trusted.
func (s *Store) trusted(ctx context.Context, stamp int64) bool {
	if s.errSeq.Load() > s.syncedSeq.Load() {
		if err := s.syncFence(ctx); err != nil {
			return false
		}
	}
	return stamp > s.fence.Load()
}

// throttle lets one log line through per second and counts the rest.
type throttle struct {
	next       atomic.Int64
	suppressed atomic.Int64
}

func (t *throttle) log(ctx context.Context, l *slog.Logger, level slog.Level, msg string, err error) {
	now := time.Now().UnixNano()
	next := t.next.Load()
	if now < next || !t.next.CompareAndSwap(next, now+int64(time.Second)) {
		t.suppressed.Add(1)
		return
	}
	attrs := []slog.Attr{slog.Any("error", err)}
	if n := t.suppressed.Swap(0); n > 0 {
		attrs = append(attrs, slog.Int64("suppressed", n))
	}
	l.LogAttrs(ctx, level, msg, attrs...)
}

// clock reads the store's own clock (Config.Now), else the one ctx
// carries (the Manager's, see sessionkit.WithClock), else time.Now.
func (s *Store) clock(ctx context.Context) time.Time {
	if s.now != nil {
		return s.now()
	}
	return sessionkit.Now(ctx)
}
