// Package demo is the sessionkit playground that `sessionkit serve` runs: a
// page for every cookie and session operation of Django's documentation, a
// small shop that keeps its cart, its "recently viewed" list and its login
// in the session, and a JSON API that mirrors the pages.
//
// Pages (server-rendered with html/template, assets embedded):
//
//	/                     what cookies and sessions are, the engine and settings in use
//	/cookies              set_cookie with every parameter, delete_cookie, request.COOKIES
//	                      beside document.cookie, signed cookies with a salt
//	/session              get, set, pop, keys, items, clear, flush, set_expiry, cycle_key,
//	                      clear_expired; the session's key, data and expiry; the
//	                      Set-Cookie and Vary headers of the last response
//	/shop                 products, recently viewed, a cart, log in / log out,
//	                      remember me, "your sessions" and "log out the others"
//
// The JSON API (bad input is a 400 with {"error": "…"}, never a 500):
//
//	GET  /api/session             {"session_key", "data", "expiry_age", "expiry_date", "expire_at_browser_close"}
//	POST /api/session             a JSON object: sets each key (Django's update); answers as GET
//	POST /api/session/pop         {"key": "k"} → {"value": v}, 404 if absent
//	POST /api/session/clear       answers as GET (also /flush and /cycle)
//	POST /api/session/expiry      {"seconds": N|0|null} or {"at": RFC 3339}; answers as GET
//	GET  /api/cookies             request.COOKIES as a JSON object
//	POST /api/cookies             {"key","value","max_age","expires","path","domain","secure","httponly","samesite"}
//	POST /api/cookies/delete      {"key","path","domain","samesite"}
//	POST /api/clearsessions       {"deleted": N}, or 501 for engines that cannot clear
//	POST /api/login               {"username", "password"} → {"user": {"id", "username"}}, 401 if wrong
//	GET  /api/user/sessions       → {"sessions": [{"id", "created", "last_seen", "expiry", "user_agent", "ip", "current"}]}
//	POST /api/user/sessions/revoke {"id"} | {"others": true} | {"all": true} → {"revoked": N}; 501 if the engine cannot
//	GET  /api/user                {"user": {"id", "username"} | null} (Django's get_user)
//	POST /api/logout              flushes the session; {"user": null}
//	POST /api/messages            {"level", "message", "extra_tags"?} → {"added": bool} (django.contrib.messages)
//	GET  /api/messages            {"messages": [{"level", "message", "extra_tags", "tags"}]}, which are then gone
//
// For operators, outside the session Middleware:
//
//	GET  /metrics                 the store's counters and latency histogram, Prometheus' text format
//	GET  /healthz                 200 {"status": "ok"} when the store answers, 503 when it fails
//	                              or has not answered within 2 s
//
// State-changing requests from other sites are refused
// (http.CrossOriginProtection), and every response carries a strict
// Content-Security-Policy (no inline scripts or styles), nosniff, a
// same-origin Referrer-Policy and frame-ancestors 'none'.
package demo

import (
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/auth"
	"github.com/sessionkit/sessionkit/cookies"
)

//go:embed templates static
var assets embed.FS

// Config configures the playground. Manager is required.
type Config struct {
	// Manager provides the sessions. Required. New sets its ErrorHandler,
	// if it has none, to one that answers in JSON under /api/ and explains
	// a session that outgrew its cookie as the user's mistake (400).
	Manager *sessionkit.Manager

	// SecretKey is Django's SECRET_KEY; it signs the cookies of the
	// signed-cookie form. Required.
	SecretKey string
	// FallbackKeys are SECRET_KEY_FALLBACKS: older keys that still verify
	// signed cookies.
	FallbackKeys []string

	// Engine says which engine and store the Manager uses, for the pages
	// ("db engine, SQLite file sessionkit.db, native formats").
	Engine string
	// Settings are the settings in use, shown on the overview page as
	// name/value pairs in this order.
	Settings []Setting

	// Metrics receives the Manager's store calls (New adds it to the
	// Manager's Observer) and serves /metrics. nil means NewMetrics("").
	Metrics *Metrics
	// HealthTimeout bounds /healthz; 0 means DefaultHealthTimeout.
	HealthTimeout time.Duration
	// UsersDB is the database that holds Django's auth_user table (the
	// db engine's DATABASE_URL in Django mode): logins check its users and
	// passwords, and a Django app on it shares them. nil means the demo
	// accounts (alice / wonderland, bob / builder).
	UsersDB *sql.DB

	// Logger receives request errors. nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock. nil means time.Now. For tests.
	Now func() time.Time
}

// Setting is one name/value pair shown on the overview page.
type Setting struct {
	Name, Value string
}

// Server is the playground: an http.Handler. Create it with New.
type Server struct {
	m        *sessionkit.Manager
	signer   *cookies.Signer
	engine   string
	settings []Setting
	log      *slog.Logger
	now      func() time.Time

	pages    map[string]*template.Template
	static   http.Handler
	handler  http.Handler
	recorder *recorder
	cop      *http.CrossOriginProtection

	metrics       *Metrics
	healthTimeout time.Duration
	auth          *auth.Auth
	accounts      bool // the login form shows the demo accounts
}

// New returns the playground for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Manager == nil || cfg.Manager.Store == nil {
		return nil, errors.New("demo: Config.Manager with a Store is required")
	}
	if cfg.SecretKey == "" {
		return nil, errors.New("demo: Config.SecretKey is empty; it signs the playground's signed cookies")
	}
	s := &Server{
		m:        cfg.Manager,
		signer:   &cookies.Signer{SecretKey: cfg.SecretKey, FallbackKeys: cfg.FallbackKeys, LegacyFallback: true, Now: cfg.Now},
		engine:   cfg.Engine,
		settings: cfg.Settings,
		log:      cfg.Logger,
		now:      cfg.Now,
		cop:      http.NewCrossOriginProtection(),
		auth:     newAuth(cfg),
		accounts: cfg.UsersDB == nil,
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.m.ErrorHandler == nil {
		s.m.ErrorHandler = s.sessionError
	}
	s.metrics, s.healthTimeout = cfg.Metrics, cfg.HealthTimeout
	if s.metrics == nil {
		s.metrics = NewMetrics("")
	}
	if s.healthTimeout <= 0 {
		s.healthTimeout = DefaultHealthTimeout
	}
	switch s.m.Observer {
	case nil:
		s.m.Observer = s.metrics
	case s.metrics:
	default:
		s.m.Observer = observers{s.m.Observer, s.metrics}
	}
	pages, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	s.pages = pages
	static, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, err
	}
	s.static = http.StripPrefix("/static/", staticHandler(http.FileServerFS(static)))
	s.recorder = newRecorder(s.m.CookieName, s.now)
	s.handler = s.routes()
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header())
	if strings.HasPrefix(r.URL.Path, "/static/") {
		s.static.ServeHTTP(w, r)
		return
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		switch r.URL.Path {
		case "/metrics":
			s.metrics.ServeHTTP(w, r)
			return
		case "/healthz":
			s.healthz(w, r)
			return
		}
	}
	if err := s.cop.Check(r); err != nil {
		s.refuseCrossOrigin(w, r, err)
		return
	}
	s.handler.ServeHTTP(w, r)
}

// routes builds the handler chain: the recorder (outermost, so that it sees
// the session cookie the Middleware sets), the session Middleware, the mux.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.overviewPage)
	mux.HandleFunc("GET /cookies", s.cookiesPage)
	mux.HandleFunc("POST /cookies/set", s.cookiesSet)
	mux.HandleFunc("POST /cookies/delete", s.cookiesDelete)
	mux.HandleFunc("POST /cookies/signed", s.cookiesSetSigned)
	mux.HandleFunc("GET /session", s.sessionPage)
	mux.HandleFunc("POST /session/set", s.sessionSet)
	mux.HandleFunc("POST /session/pop", s.sessionPop)
	mux.HandleFunc("POST /session/clear", s.sessionClear)
	mux.HandleFunc("POST /session/flush", s.sessionFlush)
	mux.HandleFunc("POST /session/cycle", s.sessionCycle)
	mux.HandleFunc("POST /session/expiry", s.sessionExpiry)
	mux.HandleFunc("POST /session/clear-expired", s.sessionClearExpired)
	mux.HandleFunc("GET /shop", s.shopPage)
	mux.HandleFunc("GET /shop/products/{id}", s.productPage)
	mux.HandleFunc("POST /shop/cart/add", s.cartAdd)
	mux.HandleFunc("POST /shop/cart/remove", s.cartRemove)
	mux.HandleFunc("POST /shop/login", s.login)
	mux.HandleFunc("POST /shop/logout", s.logout)
	mux.HandleFunc("POST /shop/sessions/logout-others", s.logoutOthers)
	mux.HandleFunc("POST /shop/sessions/logout", s.logoutSession)
	mux.HandleFunc("/", s.notFoundPage)

	for _, e := range apiRoutes {
		mux.HandleFunc(e.method+" "+e.path, e.handler(s))
	}
	mux.HandleFunc("/api/", s.apiNotFound)
	return s.recorder.wrap(s.m.Middleware(mux))
}

// setSecurityHeaders sets the headers every response carries. The policy
// allows this site's own scripts, styles and images only: the pages have
// no inline script or style.
func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
}

// staticHandler lets browsers cache the embedded assets for an hour.
func staticHandler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// refuseCrossOrigin answers a state-changing request that another site's
// page sent: 403, in JSON under /api/.
func (s *Server) refuseCrossOrigin(w http.ResponseWriter, r *http.Request, err error) {
	msg := "cross-origin request refused: this request came from another site's page (" + err.Error() + ")"
	if isAPI(r) {
		writeError(w, http.StatusForbidden, msg)
		return
	}
	http.Error(w, msg, http.StatusForbidden)
}

// sessionError is the Manager's ErrorHandler: a session too large for its
// cookie, or deleted by a concurrent request, is a 400; anything else is the
// store's failure (500).
func (s *Server) sessionError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "the session store failed: "+err.Error()
	switch {
	case errors.Is(err, cookies.ErrTooLarge):
		status = http.StatusBadRequest
		msg = fmt.Sprintf("the session no longer fits in its cookie (%d bytes at most); store less in it", cookies.MaxSize)
	case errors.Is(err, sessionkit.ErrInterrupted):
		status = http.StatusBadRequest
		msg = "the session was deleted before the request completed (logged out in another tab?); reload and try again"
	case errors.Is(err, sessionkit.ErrTooLarge):
		status = http.StatusRequestEntityTooLarge
		msg = "the session is too large: " + err.Error()
	case errors.Is(err, sessionkit.ErrLocked), errors.Is(err, sessionkit.ErrConflict):
		status = http.StatusServiceUnavailable
		msg = "the session is busy with other requests; try again: " + err.Error()
		w.Header().Set("Retry-After", "1")
	case errors.Is(err, sessionkit.ErrInvalidExpiry):
		msg = err.Error()
	}
	if isAPI(r) {
		writeError(w, status, msg)
		return
	}
	http.Error(w, msg, status)
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }
