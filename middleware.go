package sessionkit

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sessionkit/sessionkit/cookies"
)

type contextKey struct{}

// FromContext returns the Session that Manager.Middleware attached to ctx,
// or ErrNoSession when the request did not pass through the Middleware.
// When several Managers' Middlewares wrap a handler, it returns the
// innermost one's; Manager.FromContext reaches each Manager's own.
func FromContext(ctx context.Context) (*Session, error) {
	if s, ok := ctx.Value(contextKey{}).(*Session); ok {
		return s, nil
	}
	return nil, ErrNoSession
}

// FromRequest is FromContext(r.Context()).
func FromRequest(r *http.Request) (*Session, error) { return FromContext(r.Context()) }

// FromContext returns the Session that this Manager's Middleware attached
// to ctx, even when other Managers' Middlewares wrap the handler too (an
// admin area with its own cookie inside the site's), or ErrNoSession.
func (m *Manager) FromContext(ctx context.Context) (*Session, error) {
	s, _ := ctx.Value(contextKey{}).(*Session)
	for ; s != nil; s = s.outer {
		if s.m == m {
			return s, nil
		}
	}
	return nil, ErrNoSession
}

// FromRequest is m.FromContext(r.Context()).
func (m *Manager) FromRequest(r *http.Request) (*Session, error) { return m.FromContext(r.Context()) }

// Middleware gives every request a Session (see FromContext) and, before the
// first byte of the response body, does what Django's SessionMiddleware
// does in process_response:
//
//   - If the request carried the session cookie and the session is now
//     empty (flushed, or the cookie was invalid), it deletes the cookie.
//   - Otherwise, if the session was modified (or SaveEveryRequest is set)
//     and is not empty, it saves it — not when the status is 5xx — and sets
//     the cookie: a browser-session cookie, or one with Max-Age and expires.
//   - It adds "Vary: Cookie" whenever the session was accessed or the
//     cookie is set, and "Cache-Control: no-store" when it sets the cookie
//     on a response without Cache-Control (see AllowCaching).
//
// A session deleted by a concurrent request is not resurrected: the request
// gets 400 Bad Request, as with Django's SessionInterrupted. A store failure
// goes to ErrorHandler (500 by default) instead of the handler's response.
//
// Middleware panics if m.Store is nil, as http.Handle does for a nil handler.
func (m *Manager) Middleware(next http.Handler) http.Handler {
	return m.middleware(next, m.Exclusive)
}

// ExclusiveMiddleware is Middleware for routes that read a value, compute
// and write it back (a counter, stock, a wizard's step): a request that
// carries a session holds it exclusively, from before its session is
// read until after it is saved, so concurrent requests on that session
// take turns there instead of merging. Wrap those routes with it instead
// of Middleware (or set Manager.Exclusive for every route). A request
// that waits longer than Manager.LockWait gets ErrLocked (503 with
// Retry-After from DefaultErrorHandler); a lock whose holder died ends
// after Manager.LockTTL.
//
// It panics if the Store is not a Locker.
func (m *Manager) ExclusiveMiddleware(next http.Handler) http.Handler {
	return m.middleware(next, true)
}

func (m *Manager) middleware(next http.Handler, exclusive bool) http.Handler {
	if m.Store == nil {
		panic("sessionkit: Manager.Store is nil; set it to a store such as memstore.New()")
	}
	if _, ok := m.Store.(Locker); exclusive && !ok {
		panic(fmt.Sprintf("sessionkit: %T cannot lock sessions (it is not a Locker), so it cannot serve exclusive requests", m.Store))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		value, hadCookie := m.requestKey(r)
		// One allocation for the session and the writer that commits it.
		st := &requestState{}
		s, sw := &st.session, &st.writer
		s.m = m
		s.outer, _ = r.Context().Value(contextKey{}).(*Session)
		if hadCookie && m.validKey(value) {
			s.key = value
		}
		ctx := context.WithValue(r.Context(), contextKey{}, s)
		s.ctx = WithClock(ctx, m.Now) // the stores read the Manager's clock
		r = r.WithContext(ctx)
		*sw = responseWriter{ResponseWriter: w, m: m, s: s, r: r, hadCookie: hadCookie}
		if m.TrackSessions {
			s.client = m.clientMeta(r)
		}
		if s.key != "" && exclusive {
			unlock, err := m.lock(s.ctx, s.key)
			if err != nil {
				sw.fail(err)
				return
			}
			defer unlock() // after finish: the save happens under the lock
		}
		if s.key != "" && !sw.preload() {
			return // the store failed: the handler must not act on an empty session
		}
		next.ServeHTTP(sw, r)
		sw.finish()
	})
}

type requestState struct {
	session Session
	writer  responseWriter
}

// responseWriter commits the session cookie before the first byte of the
// response goes out.
type responseWriter struct {
	http.ResponseWriter
	m         *Manager
	s         *Session
	r         *http.Request
	hadCookie bool

	mu        sync.Mutex
	committed bool
	discard   bool   // the response was replaced by an error response
	mods      uint64 // s.mods when committed
	hijacked  bool
}

func (w *responseWriter) WriteHeader(code int) {
	// 1xx responses (103 Early Hints) go out before the final header.
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	if w.commit(code) {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if !w.isCommitted() && !w.commit(http.StatusOK) {
		return len(b), nil
	}
	if w.isDiscarding() {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Flush commits the session and flushes, so streaming handlers work.
func (w *responseWriter) Flush() {
	if !w.isCommitted() {
		if w.commit(http.StatusOK) {
			w.ResponseWriter.WriteHeader(http.StatusOK)
		}
	}
	if w.isDiscarding() {
		return
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack hands the connection over; the session is not committed.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.mu.Lock()
		w.hijacked, w.committed = true, true
		w.mu.Unlock()
	}
	return c, rw, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *responseWriter) isCommitted() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.committed
}

func (w *responseWriter) isDiscarding() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.discard
}

// commit applies the session to the response headers for a response with
// status code. It reports whether the caller should go on writing its own
// response (false: it was already committed or replaced by an error).
func (w *responseWriter) commit(code int) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.committed {
		return !w.discard
	}
	w.committed = true
	err := w.applyLocked(code)
	if err == nil {
		return true
	}
	w.discard = true
	w.failLocked(err)
	return false
}

// preload reads the session of a request that carries a session cookie
// from the store before the handler runs. When the store
// fails, it answers with the ErrorHandler and reports false: a handler
// must never act on an empty session because the real one could not be
// read (Django raises from the first access; a Go handler cannot be
// unwound safely, so the load comes first).
func (w *responseWriter) preload() bool {
	s := w.s
	rec, err := w.m.storeLoad(s.ctx, s.key)
	if err == nil || errors.Is(err, ErrNotFound) {
		// Decoded on first use, as before: an untouched session stays
		// untouched (no Vary, no cookie deleted for an unknown key).
		s.preloaded = &loaded{rec, err}
		return true
	}
	w.fail(fmt.Errorf("sessionkit: loading the session: %w", err))
	return false
}

// fail answers with the ErrorHandler before the handler ran.
func (w *responseWriter) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.committed, w.discard = true, true
	w.failLocked(err)
}

// failLocked writes the error response in place of the handler's.
func (w *responseWriter) failLocked(err error) {
	h := w.ResponseWriter.Header()
	h.Del("Content-Length")
	h.Del("Content-Encoding")
	h.Del("ETag")
	switch {
	case errors.Is(err, ErrInterrupted):
		w.m.logger().Warn("sessionkit: session deleted before the request completed", "method", w.r.Method, "path", w.r.URL.Path)
	case errors.Is(err, ErrTooLarge):
		w.m.logger().Warn("sessionkit: session too large", "err", err, "session", LogKeyHash(w.s.Key()), "method", w.r.Method, "path", w.r.URL.Path)
	case errors.Is(err, ErrEncoding), errors.Is(err, ErrInvalidExpiry):
		w.m.logger().Error("sessionkit: the handler put a value in the session that cannot be saved", "err", err, "method", w.r.Method, "path", w.r.URL.Path)
	case errors.Is(err, ErrLocked), errors.Is(err, ErrConflict):
		w.m.logger().Warn("sessionkit: session busy", "err", err, "method", w.r.Method, "path", w.r.URL.Path)
	default:
		w.m.logger().Error("sessionkit: the session could not be loaded or saved", "err", err, "method", w.r.Method, "path", w.r.URL.Path)
	}
	if w.m.ErrorHandler != nil {
		w.m.ErrorHandler(w.ResponseWriter, w.r, err)
		return
	}
	DefaultErrorHandler(w.ResponseWriter, w.r, err)
}

// DefaultErrorHandler is what the Middleware answers when Manager.ErrorHandler
// is nil: 400 Bad Request for ErrInterrupted (Django's SessionInterrupted),
// 413 Content Too Large for ErrTooLarge, 503 Service Unavailable with
// Retry-After for ErrLocked and ErrConflict, 500 Internal Server Error for
// a store failure.
func DefaultErrorHandler(w http.ResponseWriter, _ *http.Request, err error) {
	switch {
	case errors.Is(err, ErrInterrupted):
		http.Error(w, "The request's session was deleted before the request completed. The user may have logged out in a concurrent request, for example.", http.StatusBadRequest)
		return
	case errors.Is(err, ErrTooLarge):
		http.Error(w, "The session is too large to be saved.", http.StatusRequestEntityTooLarge)
		return
	case errors.Is(err, ErrLocked), errors.Is(err, ErrConflict):
		w.Header().Set("Retry-After", "1")
		http.Error(w, "The session is busy with other requests; try again.", http.StatusServiceUnavailable)
		return
	}
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
}

// applyLocked is Django's process_response. w.mu is held.
func (w *responseWriter) applyLocked(code int) error {
	m, s := w.m, w.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	h := w.ResponseWriter.Header()
	if w.hadCookie && s.isEmptyLocked() {
		addVary(h, m.varyOn())
		if m.Header != "" {
			h.Set(m.Header, "") // the client drops its token
			return nil
		}
		return cookies.Delete(w.ResponseWriter, m.cookieName(), cookies.DeleteOptions{
			Path: m.cookiePath(), Domain: m.CookieDomain, SameSite: m.sameSite(),
		})
	}
	if s.accessed {
		addVary(h, m.varyOn())
	}
	var now time.Time // read once, and only when needed: the clock is not free
	if m.IdleTimeout > 0 || m.TrackSessions {
		now = m.now()
	}
	save := s.modified || m.SaveEveryRequest || (m.IdleTimeout > 0 && m.idleRefreshDue(s, now)) ||
		(m.TrackSessions && m.seenRefreshDue(s, now))
	if !save || s.isEmptyLocked() || code >= 500 {
		w.mods = s.mods
		return nil
	}
	s.loadLocked()
	if s.err != nil {
		return s.err
	}
	if now.IsZero() {
		now = m.now()
	}
	// A session the handler already saved as it is (a new session saved to
	// learn its key, a cycled key) is not written twice.
	if !s.writtenLocked() || m.SaveEveryRequest {
		if err := s.saveLocked(s.writeCtx(), now); err != nil {
			return err
		}
	}
	w.mods = s.mods
	if m.Header != "" {
		token := s.key
		if isAuthorization(m.Header) {
			token = "Bearer " + token
		}
		h.Set(m.Header, token)
	} else if err := m.setCookie(w.ResponseWriter, s, now); err != nil {
		return err
	}
	addVary(h, m.varyOn())
	// Canonical keys, indexed directly: Get and Set would canonicalize
	// them again on every response.
	if !m.AllowCaching {
		if cc := h["Cache-Control"]; len(cc) == 0 || cc[0] == "" {
			h["Cache-Control"] = []string{"no-store"}
		}
	}
	return nil
}

// setCookie sets the session cookie for s as of now. s.mu is held.
func (m *Manager) setCookie(w http.ResponseWriter, s *Session, now time.Time) error {
	opts := cookies.Options{
		Path:        m.cookiePath(),
		Domain:      m.CookieDomain,
		Secure:      m.CookieSecure,
		HTTPOnly:    !m.CookieScriptAccessible,
		SameSite:    m.sameSite(),
		Partitioned: m.CookiePartitioned,
	}
	if !m.expireAtBrowserClose(s.data) {
		// expires from the Manager's clock, as Django's
		// http_date(time.time() + max_age).
		age := m.cookieMaxAge(s, now)
		opts.MaxAge = age
		if age <= 0 {
			opts.MaxAge = -1 // already expired: Max-Age=0
			opts.ExpiresRaw = cookies.HTTPDate(now.Add(age))
		}
	}
	return cookies.SetAt(w, m.cookieName(), s.key, opts, now)
}

// requestKey returns the session key the request carries, from the
// cookie, or from Manager.Header when that is set.
func (m *Manager) requestKey(r *http.Request) (string, bool) {
	if m.Header == "" {
		return cookies.Lookup(r, m.cookieName())
	}
	v := r.Header.Get(m.Header)
	if isAuthorization(m.Header) {
		scheme, token, ok := strings.Cut(v, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return "", false
		}
		v = strings.TrimSpace(token)
	}
	return v, v != ""
}

func isAuthorization(header string) bool { return strings.EqualFold(header, "Authorization") }

// varyOn is the request header that carries the session.
func (m *Manager) varyOn() string {
	if m.Header != "" {
		return http.CanonicalHeaderKey(m.Header)
	}
	return "Cookie"
}

// finish runs after the handler returned: it commits a response the handler
// never wrote, and saves modifications made after the commit when the
// session's key (and so the cookie already sent) stays the same.
func (w *responseWriter) finish() {
	if !w.isCommitted() {
		w.commit(http.StatusOK)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.hijacked || w.discard {
		return
	}
	s := w.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mods == w.mods || s.isEmptyLocked() {
		return
	}
	old := s.key
	if old == "" {
		w.m.logger().Error("sessionkit: session modified after the response was sent; a new session cannot be saved then (modify it before writing the body)", "path", w.r.URL.Path)
		return
	}
	if err := s.saveLocked(s.writeCtx(), w.m.now()); err != nil {
		w.m.logger().Error("sessionkit: saving a session modified after the response was sent", "err", err, "path", w.r.URL.Path)
		return
	}
	if s.key != old {
		w.m.logger().Error("sessionkit: session modified after the response was sent; its new cookie could not be sent (modify it before writing the body)", "path", w.r.URL.Path)
	}
}

func (m *Manager) sameSite() string {
	switch m.CookieSameSite {
	case 0, http.SameSiteLaxMode:
		return "Lax"
	case http.SameSiteStrictMode:
		return "Strict"
	case http.SameSiteNoneMode:
		return "None"
	}
	return ""
}

// addVary adds field to the Vary header unless it is there already
// (Django's patch_vary_headers).
func addVary(h http.Header, field string) {
	for _, v := range h["Vary"] {
		for f := range strings.SplitSeq(v, ",") {
			f = strings.TrimSpace(f)
			if f == "*" || strings.EqualFold(f, field) {
				return
			}
		}
	}
	h["Vary"] = append(h["Vary"], field)
}
