package sessionkit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"time"

	"github.com/sessionkit/sessionkit/pyjson"
)

// DefaultCookieAge is Django's SESSION_COOKIE_AGE: two weeks.
const DefaultCookieAge = 14 * 24 * time.Hour

// DefaultCookieName is Django's SESSION_COOKIE_NAME.
const DefaultCookieName = "sessionid"

// Manager holds the session settings — Django's SESSION_* settings under Go
// names, with Django's defaults as zero values — and provides the
// Middleware that gives every request its Session.
//
// Only Store is required. Do not change the fields once the Manager serves
// requests.
type Manager struct {
	// Store keeps the sessions. Required.
	Store Store
	// Codec encodes session data for the Store. nil means JSONCodec; use a
	// *DjangoCodec to share db, file or cached_db sessions with Django. The
	// signed-cookie store signs by itself and needs JSONCodec.
	Codec Codec

	// CookieName is SESSION_COOKIE_NAME; "" means "sessionid".
	CookieName string
	// CookieAge is SESSION_COOKIE_AGE; 0 means two weeks.
	CookieAge time.Duration
	// CookieDomain is SESSION_COOKIE_DOMAIN; "" means none (host-only).
	CookieDomain string
	// CookiePath is SESSION_COOKIE_PATH; "" means "/".
	CookiePath string
	// CookieSecure is SESSION_COOKIE_SECURE (default false, as Django; set
	// it true behind HTTPS).
	CookieSecure bool
	// CookieScriptAccessible turns off HttpOnly. The default (false) is
	// Django's SESSION_COOKIE_HTTPONLY=True: scripts cannot read the cookie.
	CookieScriptAccessible bool
	// CookieSameSite is SESSION_COOKIE_SAMESITE. The zero value means Lax
	// (Django's default); http.SameSiteDefaultMode means no attribute
	// (Django's None).
	CookieSameSite http.SameSite
	// CookiePartitioned adds the Partitioned attribute (CHIPS).
	CookiePartitioned bool
	// Header, beyond Django, carries the session key in a request header
	// instead of the cookie, for API and mobile clients: "X-Session-Token",
	// say, or "Authorization" for "Authorization: Bearer <key>". The
	// response carries the same header with the key whenever the cookie
	// would be set (a new or cycled key, a save), and with an empty value
	// when the session ended (Flush). The cookie settings do not apply;
	// the store and every other rule do.
	Header string
	// SaveEveryRequest is SESSION_SAVE_EVERY_REQUEST.
	SaveEveryRequest bool
	// ExpireAtBrowserClose is SESSION_EXPIRE_AT_BROWSER_CLOSE.
	ExpireAtBrowserClose bool

	// IdleTimeout, beyond Django, expires a session that has not been used
	// for this long. Activity is written back at most every IdleTimeout/10
	// (at least every second), not on every request. 0 disables it.
	IdleTimeout time.Duration
	// Lifetime, beyond Django, bounds a session's total life from its first
	// save, however active; CycleKey does not extend it. 0 disables it.
	Lifetime time.Duration
	// AllowCaching stops the Middleware from adding "Cache-Control:
	// no-store" to responses that set the session cookie and have no
	// Cache-Control of their own (which keeps shared caches from handing one
	// user's cookie to another).
	AllowCaching bool
	// MaxSize bounds the encoded session a save accepts, in bytes; 0 means
	// DefaultMaxSize (512 KiB) and a negative value turns the bound off
	// (MaxReadSize still applies). A larger session is not saved — the
	// stored one stays as it was — and the request gets ErrTooLarge (413
	// from DefaultErrorHandler).
	MaxSize int

	// LastWriteWins turns off the merge of concurrent saves: a save
	// replaces the stored session with what this request holds, as in
	// Django, scs and gorilla/sessions, and a concurrent request's writes
	// to other keys are lost. By default a save applies only this
	// request's changes to the latest stored version (see Swapper).
	LastWriteWins bool

	turns turns // saves of one session taking turns (see update)

	// Exclusive makes Middleware behave as ExclusiveMiddleware on every
	// route: one request at a time per session. The Store must be a Locker.
	Exclusive bool
	// LockWait bounds how long an exclusive request waits for its session;
	// 0 means DefaultLockWait. Then it gets ErrLocked.
	LockWait time.Duration
	// LockTTL is how long a lock lasts if its holder never releases it (the
	// process died); 0 means DefaultLockTTL. A request that runs longer
	// loses its exclusivity.
	LockTTL time.Duration

	// UserKey is the session key whose value is recorded as Record.UserID
	// for stores with a per-user index; "" means Django's "_auth_user_id".
	UserKey string

	// TrackSessions records in every session that has a user when it
	// began, when it was last used and the client's User-Agent, for the
	// device list of SessionsOf and UserSessions. The values are kept in
	// the stored data under "_sessionkit_" keys that handlers never see
	// (Django ignores unknown keys). Last use is written back at most
	// every SeenInterval, so it adds no write per request.
	TrackSessions bool
	// SeenInterval is how often TrackSessions writes back the last use;
	// 0 means DefaultSeenInterval.
	SeenInterval time.Duration
	// TrackIP, with TrackSessions, records the client's address too (the
	// host of Request.RemoteAddr: put a middleware that sets it from a
	// trusted proxy's header in front). IPv4Prefix and IPv6Prefix, when
	// set, keep only that many leading bits (24 and 48, say), so that the
	// list shows a network rather than a person's address.
	TrackIP                bool
	IPv4Prefix, IPv6Prefix int
	// Revocations, when set, keeps per user a "not valid before" time
	// (in any server-side Store, under a key derived from the user id):
	// DeleteUserSessions sets it, and a session of that user that began
	// earlier is dropped when loaded. It is what lets signed cookies, which
	// no server deletes, be logged out everywhere, and a cheap revoke-all
	// for every other engine. Login times are kept to the millisecond; a
	// login in the same millisecond as a revocation is revoked too. It
	// costs one Load of the revocation store per request that reads a
	// logged-in session. Use a server-side store (not the signed-cookie
	// one); revocation records are named "rv" + 38 hex digits.
	Revocations Store

	// Logger receives warnings (corrupted data) and errors (store
	// failures); nil means slog.Default().
	Logger *slog.Logger
	// Observer, when set, is told of every store call, merge and lock
	// wait, for metrics (see package otelsessionkit). nil observes
	// nothing.
	Observer Observer
	// ErrorHandler writes the response in place of the handler's when the
	// store fails, or with ErrInterrupted when the session was deleted by a
	// concurrent request; nil means DefaultErrorHandler (500 and 400).
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Now is the clock; nil means time.Now. For tests. It reaches the
	// stores too (through WithClock), unless a store was given a clock of
	// its own.
	Now func() time.Time
}

// Defaults of the exclusive mode (Manager.LockWait, Manager.LockTTL).
const (
	DefaultLockWait = 5 * time.Second
	DefaultLockTTL  = 30 * time.Second
)

// lock takes the session's lock for an exclusive request, waiting at most
// LockWait, and returns the function that releases it.
func (m *Manager) lock(ctx context.Context, key string) (unlock func(), err error) {
	l := m.Store.(Locker)
	wait, ttl := m.LockWait, m.LockTTL
	if wait <= 0 {
		wait = DefaultLockWait
	}
	if ttl <= 0 {
		ttl = DefaultLockTTL
	}
	token := NewKey()
	start := time.Now()
	deadline := start.Add(wait) // real time: a test's clock does not wait
	pause := time.Millisecond
	for waited := false; ; waited = true {
		ok, err := l.TryLock(ctx, key, token, ttl)
		if err != nil {
			return nil, fmt.Errorf("sessionkit: locking the session: %w", err)
		}
		if ok && waited {
			m.observe(ctx, OpLockWait, start, nil)
		}
		if ok {
			return func() {
				if err := l.Unlock(context.WithoutCancel(ctx), key, token); err != nil {
					m.logger().Warn("sessionkit: releasing a session lock; it ends with its lease", "err", err, "ttl", ttl)
				}
			}, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			err := fmt.Errorf("%w: waited %v (Manager.LockWait); another request holds it", ErrLocked, wait)
			m.observe(ctx, OpLockWait, start, err)
			return nil, err
		}
		// Jittered, growing pauses: waiters do not wake in step.
		t := time.NewTimer(min(pause/2+rand.N(pause), left))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("sessionkit: waiting for the session's lock: %w", ctx.Err())
		case <-t.C:
		}
		pause = min(2*pause, 50*time.Millisecond)
	}
}

// New returns a Manager with Django's default settings that keeps sessions
// in store.
func New(store Store) *Manager { return &Manager{Store: store} }

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Manager) logger() *slog.Logger {
	if m.Logger != nil {
		return m.Logger
	}
	return slog.Default()
}

func (m *Manager) codec() Codec {
	if m.Codec != nil {
		return m.Codec
	}
	return JSONCodec{}
}

func (m *Manager) maxSize() int {
	switch {
	case m.MaxSize == 0:
		return DefaultMaxSize
	case m.MaxSize < 0:
		return MaxReadSize
	}
	return min(m.MaxSize, MaxReadSize)
}

func (m *Manager) cookieName() string {
	if m.CookieName != "" {
		return m.CookieName
	}
	return DefaultCookieName
}

func (m *Manager) cookieAge() time.Duration {
	if m.CookieAge != 0 {
		return m.CookieAge
	}
	return DefaultCookieAge
}

func (m *Manager) cookiePath() string {
	if m.CookiePath != "" {
		return m.CookiePath
	}
	return "/"
}

func (m *Manager) userKey() string {
	if m.UserKey != "" {
		return m.UserKey
	}
	return UserIDKey
}

// newKey returns a key for a new session: the store's choice if it makes
// one, else NewKey.
func (m *Manager) newKey() string {
	if g, ok := m.Store.(KeyGenerator); ok {
		return g.NewKey()
	}
	return NewKey()
}

func (m *Manager) validKey(key string) bool {
	if kv, ok := m.Store.(KeyValidator); ok {
		return kv.ValidKey(key)
	}
	return ValidKey(key)
}

// Open returns the session stored under key, for use outside a request
// (jobs, tests, tools): like Django's SessionStore(session_key). An empty,
// invalid or unknown key gives a new empty session. Nothing is loaded until
// the data is touched; call Save to write it.
func (m *Manager) Open(ctx context.Context, key string) *Session {
	s := &Session{m: m, ctx: WithClock(ctx, m.Now)}
	if key != "" && m.validKey(key) {
		s.key = key
	}
	return s
}

// Exists reports whether the store has a live session under key.
func (m *Manager) Exists(ctx context.Context, key string) (bool, error) {
	ctx = WithClock(ctx, m.Now)
	if !m.validKey(key) {
		return false, nil
	}
	_, err := m.storeLoad(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// ClearExpired deletes expired sessions (Django's clear_expired) and
// reports how many. For a store that cannot (caches and signed cookies
// expire sessions by themselves) the error wraps errors.ErrUnsupported:
// test for that one error, whether the Store lacks ExpiredClearer or
// implements it and cannot clear in its configuration.
func (m *Manager) ClearExpired(ctx context.Context) (int64, error) {
	ctx = WithClock(ctx, m.Now)
	c, ok := m.Store.(ExpiredClearer)
	if !ok {
		return 0, fmt.Errorf("sessionkit: the session store %T expires sessions by itself and cannot clear them: %w", m.Store, errors.ErrUnsupported)
	}
	return c.ClearExpired(ctx)
}

// load fetches and decodes the session stored under s.key. A missing or
// expired record drops the key (never adopt a key the store does not know);
// undecodable data gives an empty session that keeps its key, with a
// warning, as Django does; a store failure is remembered in s.err.
func (m *Manager) load(ctx context.Context, s *Session) *pyjson.Object {
	var rec Record
	var err error
	if p := s.preloaded; p != nil {
		rec, err, s.preloaded = p.rec, p.err, nil
	} else {
		rec, err = m.storeLoad(ctx, s.key)
	}
	if errors.Is(err, ErrNotFound) {
		s.key = ""
		return new(pyjson.Object)
	}
	if err != nil {
		s.setErrLocked(fmt.Errorf("sessionkit: loading the session: %w", err))
		return new(pyjson.Object)
	}
	data, err := m.decode(rec.Data)
	if err != nil {
		s.setErrLocked(err)
		return new(pyjson.Object)
	}
	s.base = rec.Data
	s.created = popUnix(data, createdKey)
	s.active = max(popUnix(data, activeKey), m.djangoActivity(data, rec.Expiry))
	s.meta = popMeta(data)
	s.meta.uid = userID(data.Get(m.userKey()))
	now := m.now()
	revoked, err := m.revoked(ctx, s.meta)
	if err != nil {
		s.setErrLocked(err)
		return new(pyjson.Object)
	}
	if revoked || m.timedOut(s, data, now) {
		// Expired by sessionkit's own policy: forget it like a missing one.
		m.event(ctx, "sessionkit: session timed out", s.key, "")
		if err := m.storeDelete(context.WithoutCancel(ctx), s.key); err != nil {
			m.logger().Warn("sessionkit: deleting a timed-out session", "err", err)
		}
		s.key, s.created, s.active = "", 0, 0
		return new(pyjson.Object)
	}
	return data
}

// decode turns stored data into session data. Undecodable data is an
// empty session, with Django's warning; data too large to read is an
// error (not corrupt: dropping it would let the next save overwrite it).
func (m *Manager) decode(b []byte) (*pyjson.Object, error) {
	data, err := m.codec().Decode(b)
	if errors.Is(err, ErrTooLarge) {
		return nil, fmt.Errorf("sessionkit: loading the session: %w", err)
	}
	if err != nil {
		m.logger().Warn("Session data corrupted", "err", err)
		return new(pyjson.Object), nil
	}
	return data, nil
}

// maxMergeAttempts bounds the merges of one save. Every failed attempt
// means another save succeeded, so the store makes progress; the bound
// only keeps one request from waiting behind a flood of others.
const maxMergeAttempts = 64

// pause waits a random time below (attempt+1) × 500µs, at most 10 ms.
func pause(ctx context.Context, attempt int) error {
	t := time.NewTimer(rand.N(min(time.Duration(attempt+1)*500*time.Microsecond, 10*time.Millisecond)))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// update writes rec over the session's stored record. With a Swapper it
// merges: when another request saved the session since this one read it,
// this request's changes (the keys it set or deleted, a Clear) are applied
// to the stored version and the write is tried again, so disjoint keys
// never clobber each other and, on one key, the later save wins.
func (m *Manager) update(ctx context.Context, s *Session, rec Record, now time.Time) (string, error) {
	sw, ok := m.Store.(Swapper)
	if !ok || m.LastWriteWins {
		if t := m.turns.take(s.key, lastWriteWinsSlots); t != nil {
			defer m.turns.give(s.key, t, nil)
		}
		key, err := m.storeUpdate(ctx, s.key, rec)
		if err == nil {
			s.base, s.changed, s.cleared = rec.Data, nil, false
		}
		return key, err
	}
	// Take this session's turn among the saves of this process, and start
	// from what the previous one stored if it is newer than what this
	// request read (or, rarely, older: the swap then fails and merges).
	var stored []byte
	var err error
	if t := m.turns.take(s.key, 1); t != nil {
		defer func() { m.turns.give(s.key, t, stored) }()
		if t.last != nil && !bytes.Equal(t.last, s.base) {
			if rec, err = m.rebase(s, t.last, now); err != nil {
				return "", err
			}
		}
	}
	conflicted := false
	for attempt := range maxMergeAttempts {
		if s.base != nil {
			if conflicted {
				m.observe(ctx, OpRetry, time.Time{}, nil)
			}
			key, err := m.storeSwap(ctx, sw, s.key, s.base, rec)
			if err == nil {
				s.base, s.changed, s.cleared = rec.Data, nil, false
				stored = rec.Data
				return key, nil
			}
			if !errors.Is(err, ErrConflict) {
				return "", err
			}
			conflicted = true
			m.observe(ctx, OpConflict, time.Time{}, nil)
			// Requests racing on one session from other processes (or past
			// their turn) would otherwise retry in step and conflict again:
			// a short, growing, random pause lets one through at a time.
			if err := pause(ctx, attempt); err != nil {
				return "", err
			}
			if ce, ok := errors.AsType[*ConflictError](err); ok {
				if rec, err = m.rebase(s, ce.Current.Data, now); err != nil {
					return "", err
				}
				continue
			}
		}
		latest, err := m.storeLoad(ctx, s.key)
		if err != nil {
			return "", err
		}
		if rec, err = m.rebase(s, latest.Data, now); err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("%w: %d concurrent saves in a row changed it first; try again", ErrConflict, maxMergeAttempts)
}

// rebase applies the session's changes to stored, the data stored now,
// and returns the record to swap in for it.
func (m *Manager) rebase(s *Session, stored []byte, now time.Time) (Record, error) {
	data, err := m.decode(stored)
	if err != nil {
		return Record{}, err
	}
	if created := popUnix(data, createdKey); s.created == 0 {
		s.created = created
	}
	popUnix(data, activeKey)
	popMeta(data)
	s.data, s.base = s.mergeInto(data), stored
	return m.record(s, now)
}

func (m *Manager) djangoMode() bool {
	_, ok := m.codec().(*DjangoCodec)
	return ok
}

// djangoActivity is when a Django app last saved the session, in unix
// seconds (0: unknown), for the idle timeout in Django mode: Django never
// updates sessionkit's activity marker, but every save of its sets the
// expiry to the time of the save plus the session's expiry age.
func (m *Manager) djangoActivity(data *pyjson.Object, expiry time.Time) int64 {
	if m.IdleTimeout <= 0 || expiry.IsZero() || !m.djangoMode() {
		return 0
	}
	secs, _, isDate, ok := expiryValue(data)
	if isDate {
		return 0 // Django's expiry is that date, whenever it saved
	}
	age := m.cookieAge()
	if ok && secs != 0 {
		age = time.Duration(secs) * time.Second
	}
	return expiry.Add(-age).Unix()
}

func (m *Manager) timedOut(s *Session, data *pyjson.Object, now time.Time) bool {
	unix := now.Unix()
	if m.Lifetime > 0 && s.created != 0 && unix-s.created >= int64(m.Lifetime/time.Second) {
		return true
	}
	if m.IdleTimeout > 0 && s.active != 0 && unix-s.active >= int64(m.IdleTimeout/time.Second) {
		return true
	}
	// A date in _session_expiry that has passed: the store should not have
	// returned the record, but not every store can read the date.
	if _, at, isDate, ok := expiryValue(data); ok && isDate && !at.After(now) {
		return true
	}
	return false
}

// idleRefreshDue reports whether the last recorded activity is old enough
// to be written again.
func (m *Manager) idleRefreshDue(s *Session, now time.Time) bool {
	// Only a session the request used counts as activity: refreshing an
	// untouched one would cost a load on every request.
	if m.IdleTimeout <= 0 || s.key == "" || s.data == nil {
		return false
	}
	every := max(m.IdleTimeout/10, time.Second)
	return now.Unix()-s.active >= int64(every/time.Second)
}

func popUnix(d *pyjson.Object, key string) int64 {
	v, ok := d.Get(key)
	if !ok {
		return 0
	}
	d.Delete(key)
	n, _ := toInt64(v)
	return n
}

// record encodes s for the store. s.mu must be held and s.data set.
func (m *Manager) record(s *Session, now time.Time) (Record, error) {
	d := s.data
	uid := userID(s.data.Get(m.userKey()))
	withUser := uid != "" && (m.TrackSessions || m.Revocations != nil)
	withMeta := m.Lifetime > 0 || m.IdleTimeout > 0 || withUser
	if withMeta {
		d = d.Clone()
		if m.Lifetime > 0 {
			d.Set(createdKey, s.created)
		}
		if m.IdleTimeout > 0 {
			d.Set(activeKey, s.active)
		}
		if withUser {
			m.setMeta(d, s, uid, now)
		}
	}
	if len(uid) > MaxUserIDSize {
		return Record{}, fmt.Errorf("sessionkit: the user id under %q is %d bytes; the per-user index holds at most %d (MaxUserIDSize)", m.userKey(), len(uid), MaxUserIDSize)
	}
	b, err := m.codec().Encode(d)
	if err != nil && !errors.Is(err, ErrTooLarge) {
		return Record{}, fmt.Errorf("%w: %w", ErrEncoding, err)
	}
	if err != nil {
		return Record{}, err
	}
	if len(b) > m.maxSize() {
		return Record{}, fmt.Errorf("%w: %d bytes encoded, more than Manager.MaxSize (%d); keep large data elsewhere and a reference to it in the session", ErrTooLarge, len(b), m.maxSize())
	}
	return Record{
		Data:   b,
		Expiry: m.recordExpiry(s, now),
		UserID: uid,
	}, nil
}

// recordExpiry is when the store may forget the session: Django's
// get_expiry_date, brought forward by the idle timeout and the lifetime.
func (m *Manager) recordExpiry(s *Session, now time.Time) time.Time {
	exp := m.expiryDate(s.data, now)
	// In Django mode a Django app shares the record and keeps it alive by
	// its own rules: the idle timeout is checked on load here (see
	// djangoActivity), never by shortening what Django would set.
	if m.IdleTimeout > 0 && !m.djangoMode() {
		exp = minTime(exp, now.Add(m.IdleTimeout))
	}
	if m.Lifetime > 0 && s.created != 0 {
		exp = minTime(exp, time.Unix(s.created, 0).Add(m.Lifetime))
	}
	return exp
}

// cookieMaxAge is what the cookie's Max-Age says: Django's
// get_expiry_age(), shortened like recordExpiry.
func (m *Manager) cookieMaxAge(s *Session, now time.Time) time.Duration {
	age := m.expiryAge(s.data, now)
	if m.IdleTimeout > 0 || m.Lifetime > 0 {
		age = min(age, m.recordExpiry(s, now).Sub(now).Truncate(time.Second))
	}
	return age
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func (m *Manager) expiryAge(d *pyjson.Object, now time.Time) time.Duration {
	secs, at, isDate, ok := expiryValue(d)
	switch {
	case !ok || (!isDate && secs == 0):
		return m.cookieAge()
	case isDate:
		// Django floors to whole seconds (toward −∞).
		delta := min(max(at.Sub(now), -MaxExpiry), MaxExpiry)
		floored := delta.Truncate(time.Second)
		if floored > delta {
			floored -= time.Second
		}
		return floored
	default:
		return time.Duration(secs) * time.Second
	}
}

func (m *Manager) expiryDate(d *pyjson.Object, now time.Time) time.Time {
	secs, at, isDate, ok := expiryValue(d)
	switch {
	case isDate:
		return minTime(at, now.Add(MaxExpiry))
	case !ok || secs == 0:
		return now.Add(m.cookieAge())
	default:
		return now.Add(time.Duration(secs) * time.Second)
	}
}

func (m *Manager) expireAtBrowserClose(d *pyjson.Object) bool {
	secs, _, isDate, ok := expiryValue(d)
	if !ok {
		return m.ExpireAtBrowserClose
	}
	return !isDate && secs == 0
}

// userID renders the value under the user key as Django's str(user.pk).
func userID(v any, ok bool) string {
	if !ok {
		return ""
	}
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		b, err := pyjson.Marshal(x)
		if err != nil {
			return ""
		}
		return string(b)
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
