package sessionkit

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/sessionkit/sessionkit/pyjson"
)

// Well-known keys inside session data, as Django names them.
const (
	// ExpiryKey holds the value of SetExpiry: int seconds, 0 for "at
	// browser close", or an ISO-8601 date (Django ≥ 4.2).
	ExpiryKey = "_session_expiry"
	// UserIDKey is where Django's auth.login keeps the user's id.
	UserIDKey = "_auth_user_id"
	// TestCookieKey and TestCookieValue are Django's test cookie.
	TestCookieKey   = "testcookie"
	TestCookieValue = "worked"
)

// Keys sessionkit adds to the stored data (never to what the handler sees)
// when the Manager has an idle timeout or an absolute lifetime.
const (
	createdKey = "_sessionkit_created"
	activeKey  = "_sessionkit_active"
)

// maxCreateAttempts bounds the retries of Create on key collisions; with
// 165-bit keys a second attempt means the store is misbehaving.
const maxCreateAttempts = 10

// Errors a Session reports.
var (
	// ErrInterrupted: the session was deleted (by a logout in a concurrent
	// request, for example) between loading and saving it. The Middleware
	// answers 400, as Django's SessionInterrupted does. It wraps ErrNotFound.
	ErrInterrupted = fmt.Errorf("sessionkit: the request's session was deleted before the request completed; the user may have logged out in a concurrent request: %w", ErrNotFound)
	// ErrNoSession: FromContext was called for a request that did not pass
	// through Manager.Middleware.
	ErrNoSession = errors.New("sessionkit: no session in this context; wrap the handler with Manager.Middleware")
	// ErrInvalidExpiry: a value set under ExpiryKey that is not an int
	// number of seconds, nil or an ISO-8601 date, or that lies more than
	// MaxExpiry away. Set stores nothing then and the request fails with it
	// (500 from DefaultErrorHandler): a bug in the handler, or input that
	// should have been checked.
	ErrInvalidExpiry = errors.New("sessionkit: invalid session expiry")
	// ErrEncoding: the session holds a value its Codec cannot encode (a
	// channel, a func, a cycle). Nothing is saved; DefaultErrorHandler
	// answers 500. Store only what JSON can carry.
	ErrEncoding = errors.New("sessionkit: the session cannot be encoded")
)

// MaxExpiry bounds _session_expiry: Set refuses ages and dates further
// from now, and a stored value beyond it (written by another program) is
// read as MaxExpiry, so the arithmetic never overflows.
const MaxExpiry = 100 * 365 * 24 * time.Hour

// Session is one request's view of one session: Django's request.session.
// It behaves like a dict (Get, Set, Pop, Keys, ...) and tracks, exactly as
// Django does, whether it was accessed and whether it was modified.
//
// Nothing is loaded until the data is first touched, so a request that
// never uses its session costs no store call. A Session is safe for use by
// several goroutines of one request.
type Session struct {
	m     *Manager
	ctx   context.Context
	outer *Session // the session of an enclosing Manager's Middleware

	mu       sync.Mutex
	key      string
	data     *pyjson.Object // nil until loaded or created
	accessed bool
	modified bool
	mods     uint64 // counts modifications, to notice writes after the response was committed
	saved    uint64 // 1 + mods when this request last wrote the session; 0 before

	preloaded *loaded // what the Middleware read before the handler ran

	// What this request changed, for merging with concurrent saves: the
	// keys set or deleted since the last write, and whether it cleared the
	// session. base is the stored Data those changes apply to (nil: not
	// read yet).
	changed map[string]struct{}
	cleared bool
	base    []byte
	err     error // the first store failure

	created int64       // unix seconds the session began (absolute lifetime); 0 unknown
	active  int64       // unix seconds of the last recorded activity (idle timeout); 0 unknown
	meta    sessionMeta // device metadata (Manager.TrackSessions)
	client  sessionMeta // this request's user agent and address, when tracked
}

// Key returns the session key, or "" when the session has none yet. For the
// signed-cookie store the key is the cookie value.
func (s *Session) Key() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.key
}

// Accessed reports whether the data was read or written (Django's accessed).
func (s *Session) Accessed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accessed
}

// Modified reports whether the data was changed (Django's modified).
func (s *Session) Modified() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.modified
}

// Err returns the first failure of the store while loading or saving this
// session, if any. The Middleware turns it into the ErrorHandler's response.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// loadLocked makes s.data available, loading it from the store on first
// use, and marks the session accessed. s.mu must be held.
func (s *Session) loadLocked() *pyjson.Object {
	s.accessed = true
	if s.data != nil {
		return s.data
	}
	if s.key == "" {
		s.data = new(pyjson.Object)
		return s.data
	}
	s.data = s.m.load(s.ctx, s)
	return s.data
}

// loaded is the outcome of a Store.Load: a record or ErrNotFound.
type loaded struct {
	rec Record
	err error
}

func (s *Session) touchLocked() {
	s.modified = true
	s.mods++
}

// Get returns the value stored under key, or nil.
func (s *Session) Get(key string) any {
	v, _ := s.Lookup(key)
	return v
}

// Lookup returns the value stored under key and whether it was there.
func (s *Session) Lookup(key string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loadLocked().Get(key)
}

// Has reports whether key is in the session (Django's `key in session`).
func (s *Session) Has(key string) bool {
	_, ok := s.Lookup(key)
	return ok
}

// Set stores v under key. v must be something JSON can carry: strings,
// numbers, bools, nil, slices, maps with string keys, *pyjson.Object,
// time.Time, or a type encoding/json can marshal.
func (s *Session) Set(key string, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setLocked(s.loadLocked(), key, v)
}

// setLocked stores v under key, checking values of ExpiryKey first.
func (s *Session) setLocked(d *pyjson.Object, key string, v any) {
	if key == ExpiryKey {
		if err := checkExpiry(v, s.m.now()); err != nil {
			s.setErrLocked(err)
			return
		}
	}
	d.Set(key, v)
	s.changedLocked(key)
}

// changedLocked records that key was set or deleted.
func (s *Session) changedLocked(key string) {
	if s.changed == nil {
		s.changed = make(map[string]struct{})
	}
	s.changed[key] = struct{}{}
	s.touchLocked()
}

// Update sets every key of values, in sorted key order, and marks the
// session modified even when values is empty, as Django's update does.
func (s *Session) Update(values map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.loadLocked()
	for _, k := range sortedKeys(values) {
		s.setLocked(d, k, values[k])
	}
	s.touchLocked()
}

// Pop removes key and returns its value and true, or nil and false when it
// was absent — in which case the session is accessed but not modified.
func (s *Session) Pop(key string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.loadLocked()
	v, ok := d.Get(key)
	if ok {
		d.Delete(key)
		s.changedLocked(key)
	}
	return v, ok
}

// Delete removes key and reports whether it was there (Django's del,
// which raises KeyError for a missing key and then modifies nothing).
func (s *Session) Delete(key string) bool {
	_, ok := s.Pop(key)
	return ok
}

// SetDefault returns the value under key; if there is none it stores v and
// returns it, and only then is the session modified.
func (s *Session) SetDefault(key string, v any) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.loadLocked()
	if old, ok := d.Get(key); ok {
		return old
	}
	s.setLocked(d, key, v)
	return v
}

// Keys returns the keys in insertion order.
func (s *Session) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loadLocked().Keys()
}

// Values returns the values in key insertion order.
func (s *Session) Values() []any {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.loadLocked()
	out := make([]any, 0, d.Len())
	for _, v := range d.All() {
		out = append(out, v)
	}
	return out
}

// All returns an iterator over a snapshot of the key/value pairs, in
// insertion order (Django's items()).
func (s *Session) All() iter.Seq2[string, any] {
	s.mu.Lock()
	snap := s.loadLocked().Clone()
	s.mu.Unlock()
	return snap.All()
}

// Len returns the number of keys.
func (s *Session) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loadLocked().Len()
}

// Clear removes every key without loading the data first; the session
// keeps its key (Django's clear). Use Flush to log out.
func (s *Session) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data = new(pyjson.Object)
	s.accessed = true
	s.changed, s.cleared = nil, true
	s.touchLocked()
}

// IsEmpty reports whether the session has neither a key nor data. It does
// not load the data: a session with a key is not empty.
func (s *Session) IsEmpty() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.isEmptyLocked()
}

func (s *Session) isEmptyLocked() bool {
	return s.key == "" && (s.data == nil || s.data.Len() == 0)
}

// Flush deletes the session from the store, empties it and drops its key,
// so the Middleware removes the cookie: what a logout does.
func (s *Session) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data = new(pyjson.Object)
	s.accessed = true
	s.touchLocked()
	s.created, s.active, s.meta = 0, 0, sessionMeta{}
	s.changed, s.cleared, s.base = nil, false, nil
	old := s.key
	s.key = ""
	if old == "" {
		return nil
	}
	s.m.event(s.ctx, "sessionkit: session flushed", old, "")
	if err := s.m.storeDelete(s.writeCtx(), old); err != nil {
		err = fmt.Errorf("sessionkit: flush: deleting the session: %w", err)
		s.setErrLocked(err)
		return err
	}
	return nil
}

// CycleKey moves the data to a new key and deletes the old record, which
// defeats session fixation: call it when a user logs in. An absolute
// lifetime keeps counting from the original session's start.
func (s *Session) CycleKey() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loadLocked()
	old := s.key
	s.key = ""
	if err := s.saveLocked(s.writeCtx(), s.m.now()); err != nil {
		s.key = old
		return err
	}
	s.touchLocked()
	s.saved = s.mods + 1 // the new record holds the data: no second write
	if old != "" && old != s.key {
		s.m.event(s.ctx, "sessionkit: session key cycled", old, s.key)
		if err := s.m.storeDelete(s.writeCtx(), old); err != nil {
			err = fmt.Errorf("sessionkit: cycle key: deleting the old session: %w", err)
			s.setErrLocked(err)
			return err
		}
	}
	return nil
}

// Save writes the session to the store now, creating it (with a fresh key)
// if it has no key yet. The Middleware calls it for you; call it yourself
// only for sessions opened with Manager.Open. It returns an error wrapping
// ErrInterrupted if the session was deleted since it was loaded.
func (s *Session) Save(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loadLocked()
	return s.saveLocked(WithClock(ctx, s.m.Now), s.m.now())
}

// writeCtx is the context of the request's writes: not cancelled when the
// client goes away, so that a save or a logout that started completes (each
// store bounds its own operations).
func (s *Session) writeCtx() context.Context {
	return context.WithoutCancel(s.ctx)
}

// writtenLocked reports whether this request already wrote the session
// as it is now (Save, or the new key of CycleKey).
func (s *Session) writtenLocked() bool {
	return s.key != "" && s.saved == s.mods+1
}

func (s *Session) setErrLocked(err error) {
	if s.err == nil {
		s.err = err
	}
}

// saveLocked encodes and writes the data as of now (the Manager's clock,
// read once by the caller, which uses it for the cookie too). s.mu must be
// held and s.data set.
func (s *Session) saveLocked(ctx context.Context, now time.Time) error {
	m := s.m
	if s.created == 0 {
		s.created = now.Unix()
	}
	s.active = now.Unix()
	s.meta.seen = now.Unix()
	rec, err := m.record(s, now)
	if err != nil {
		return err
	}
	if s.key != "" {
		key, err := m.update(ctx, s, rec, now)
		if errors.Is(err, ErrNotFound) {
			return ErrInterrupted
		}
		if err != nil {
			err = fmt.Errorf("sessionkit: saving the session: %w", err)
			s.setErrLocked(err)
			return err
		}
		s.key, s.saved = key, s.mods+1
		return nil
	}
	for range maxCreateAttempts {
		key, err := m.storeCreate(ctx, m.newKey(), rec)
		if errors.Is(err, ErrKeyExists) {
			continue
		}
		if err != nil {
			err = fmt.Errorf("sessionkit: creating the session: %w", err)
			s.setErrLocked(err)
			return err
		}
		s.key, s.saved = key, s.mods+1
		s.base, s.changed, s.cleared = rec.Data, nil, false
		m.event(ctx, "sessionkit: session created", key, "")
		return nil
	}
	err = fmt.Errorf("sessionkit: unable to create a new session key after %d attempts; the store reports every key as taken", maxCreateAttempts)
	s.setErrLocked(err)
	return err
}

// mergeInto applies this request's changes to latest, the version another
// request saved: a Clear first, then each key set (in this session's
// order) or deleted. s.mu must be held.
func (s *Session) mergeInto(latest *pyjson.Object) *pyjson.Object {
	if s.cleared {
		latest = new(pyjson.Object)
	}
	for _, k := range s.data.Keys() {
		if _, ok := s.changed[k]; ok {
			v, _ := s.data.Get(k)
			latest.Set(k, v)
		}
	}
	for k := range s.changed {
		if _, ok := s.data.Get(k); !ok {
			latest.Delete(k)
		}
	}
	return latest
}

// SetTestCookie stores Django's test cookie value.
func (s *Session) SetTestCookie() { s.Set(TestCookieKey, TestCookieValue) }

// TestCookieWorked reports whether the test cookie came back.
func (s *Session) TestCookieWorked() bool { return s.Get(TestCookieKey) == TestCookieValue }

// DeleteTestCookie removes the test cookie.
func (s *Session) DeleteTestCookie() { s.Delete(TestCookieKey) }

// SetExpiry sets the session to expire d after its last modification
// (Django's set_expiry(seconds); whole seconds). As in Django, 0 means "when
// the browser closes" and a negative d means already expired.
func (s *Session) SetExpiry(d time.Duration) {
	s.Set(ExpiryKey, int64(d/time.Second))
}

// SetExpiryAtBrowserClose makes the session cookie a browser-session
// cookie (Django's set_expiry(0), the same as SetExpiry(0)). The stored
// record still lives CookieAge. ExpiresAtBrowserClose reports it.
func (s *Session) SetExpiryAtBrowserClose() { s.Set(ExpiryKey, int64(0)) }

// SetExpiryAt sets the session to expire at t (Django's set_expiry(datetime),
// stored as an ISO-8601 string as Django ≥ 4.2 stores it; Django 3.2 cannot
// read that — use SetExpiry when 3.2 shares the sessions).
func (s *Session) SetExpiryAt(t time.Time) { s.Set(ExpiryKey, isoformat(t)) }

// ResetExpiry returns the session to the Manager's policy (Django's
// set_expiry(None)).
func (s *Session) ResetExpiry() {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.loadLocked()
	if _, ok := d.Get(ExpiryKey); ok {
		d.Delete(ExpiryKey)
	}
	s.changedLocked(ExpiryKey)
}

// ExpiryAge returns how long the session lives from now (Django's
// get_expiry_age): the SetExpiry value, the time left until SetExpiryAt's
// date (floored to whole seconds), or the Manager's CookieAge — shortened,
// as the cookie's Max-Age is, by an IdleTimeout or Lifetime that ends it
// sooner.
func (s *Session) ExpiryAge() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loadLocked()
	return s.m.cookieMaxAge(s, s.m.now())
}

// ExpiryDate returns when the session expires if it is saved now (Django's
// get_expiry_date), brought forward like ExpiryAge.
func (s *Session) ExpiryDate() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loadLocked()
	return s.m.recordExpiry(s, s.m.now())
}

// ExpiresAtBrowserClose reports whether the cookie is a browser-session
// cookie (Django's get_expire_at_browser_close).
func (s *Session) ExpiresAtBrowserClose() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.expireAtBrowserClose(s.loadLocked())
}

// expiryValue classifies _session_expiry: ok is false when it is absent or
// null; otherwise either at (an absolute date) or secs is set.
func expiryValue(d *pyjson.Object) (secs int64, at time.Time, isDate, ok bool) {
	v, present := d.Get(ExpiryKey)
	if !present || v == nil {
		return 0, time.Time{}, false, false
	}
	switch x := v.(type) {
	case string:
		t, err := parseISO(x)
		if err != nil {
			return 0, time.Time{}, false, false
		}
		return 0, t, true, true
	default:
		n, err := toInt64(v)
		if err != nil {
			return 0, time.Time{}, false, false
		}
		const most = int64(MaxExpiry / time.Second)
		return min(max(n, -most), most), time.Time{}, false, true
	}
}

// ExpiryAgeOf returns the age a session's data sets for itself — a
// positive number of seconds in ExpiryKey, as SetExpiry stores it — and
// whether it sets one. Stores whose entries carry no expiry of their own
// (Django's cache entries) read it.
func ExpiryAgeOf(data *pyjson.Object) (time.Duration, bool) {
	secs, _, isDate, ok := expiryValue(data)
	if !ok || isDate || secs <= 0 {
		return 0, false
	}
	return time.Duration(secs) * time.Second, true
}

// checkExpiry reports whether v can be stored under ExpiryKey: nil, a
// whole number of seconds or an ISO-8601 date, at most MaxExpiry from now.
func checkExpiry(v any, now time.Time) error {
	const most = float64(MaxExpiry / time.Second)
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		t, err := parseISO(x)
		if err != nil {
			return fmt.Errorf("%w: %q is not an ISO-8601 date; use SetExpiryAt", ErrInvalidExpiry, x)
		}
		if d := t.Sub(now); d > MaxExpiry || d < -MaxExpiry {
			return fmt.Errorf("%w: %s is more than %v from now", ErrInvalidExpiry, x, MaxExpiry)
		}
		return nil
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > most {
			return fmt.Errorf("%w: %v is not a whole number of seconds within ±%v", ErrInvalidExpiry, x, MaxExpiry)
		}
		return nil
	case bool:
		return fmt.Errorf("%w: a bool; use SetExpiry, SetExpiryAt or ResetExpiry", ErrInvalidExpiry)
	}
	n, err := toInt64(v)
	if err != nil {
		return fmt.Errorf("%w: %T; use SetExpiry, SetExpiryAt or ResetExpiry", ErrInvalidExpiry, v)
	}
	if math.Abs(float64(n)) > most {
		return fmt.Errorf("%w: %d seconds is more than %v", ErrInvalidExpiry, n, MaxExpiry)
	}
	return nil
}

// isoformat renders t as Python's datetime.isoformat() of the UTC instant.
func isoformat(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05") + "+00:00"
	}
	return t.Format("2006-01-02T15:04:05.000000") + "+00:00"
}

// parseISO reads what Python's datetime.fromisoformat reads for the forms
// Django writes; a date without an offset is taken as UTC (USE_TZ=True).
func parseISO(s string) (time.Time, error) {
	for _, layout := range [...]string{
		"2006-01-02T15:04:05.999999999Z07:00",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999",
		"2006-01-02",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("sessionkit: %q is not an ISO-8601 date", s)
}

func toInt64(v any) (int64, error) {
	switch x := v.(type) {
	case int:
		return int64(x), nil
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	case float64:
		// Saturate instead of overflowing (Go leaves that undefined).
		if x >= math.MaxInt64 {
			return math.MaxInt64, nil
		}
		if x <= math.MinInt64 {
			return math.MinInt64, nil
		}
		return int64(x), nil
	case string:
		return strconv.ParseInt(x, 10, 64)
	}
	return 0, fmt.Errorf("sessionkit: %T is not a number", v)
}
