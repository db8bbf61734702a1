// Package sessionkittest helps test handlers that use sessionkit sessions,
// as net/http/httptest helps test handlers.
//
//   - Client is a browser in miniature: an http.Client with a cookie jar
//     that sends its requests straight to an http.Handler (no network), or
//     to an httptest.Server.
//   - Seed creates a session in a Manager's store with the values given,
//     so that a test starts logged in, with a cart, … without driving the
//     login form; SeedRequest and Client.Seed attach it to a request or a
//     client.
//   - ResponseSession and Client.Session read back the session a response
//     left, from the store, by the session cookie.
//   - Clock is a clock the test moves (Manager.Now = clock.Now); it
//     reaches the stores too.
package sessionkittest

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/sessionkit/sessionkit"
)

// TB is what the package needs of a test: *testing.T and *testing.B
// (any TB) have it. A failure calls Fatalf.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// DefaultURL is where a Client made by NewClient sends its requests: the
// handler sees this host, and the jar keeps cookies for it.
const DefaultURL = "http://example.com"

// Client is an http.Client with a cookie jar, for tests: requests go to a
// handler or an httptest.Server, cookies the responses set come back on
// later requests, and any failure to send a request fails the test. Its
// methods take paths ("/cart") relative to the base URL, or full URLs.
type Client struct {
	// HTTP is the client; its Jar holds the cookies. Use it for requests
	// the methods below do not cover.
	HTTP *http.Client
	// Header is added to every request the methods below send (Origin,
	// Accept, …).
	Header http.Header

	t    TB
	base *url.URL
}

// NewClient returns a Client that serves its requests with h, in process:
// each request goes through h.ServeHTTP with a ResponseRecorder, as if h
// were a server at DefaultURL. Redirects are not followed, so a test sees
// the 303 after a login form.
func NewClient(t TB, h http.Handler) *Client {
	t.Helper()
	return newClient(t, DefaultURL, handlerTransport{h})
}

// NewServerClient returns a Client for srv: its requests go over the
// network to srv.URL, through srv.Client()'s transport (TLS included).
// Redirects are not followed.
func NewServerClient(t TB, srv *httptest.Server) *Client {
	t.Helper()
	return newClient(t, srv.URL, srv.Client().Transport)
}

func newClient(t TB, base string, rt http.RoundTripper) *Client {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("sessionkittest: the base URL %q: %v", base, err)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatalf("sessionkittest: a cookie jar: %v", err)
	}
	return &Client{
		HTTP: &http.Client{
			Transport: rt,
			Jar:       jar,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		Header: http.Header{},
		t:      t,
		base:   u,
	}
}

// handlerTransport answers requests with a handler, in process.
type handlerTransport struct{ h http.Handler }

func (ht handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	// The server side of a request has no URL host and a RequestURI; the
	// handler gets its own copy, as a server would give it.
	sr := r.Clone(r.Context())
	sr.RequestURI = r.URL.RequestURI()
	sr.RemoteAddr = "192.0.2.1:1234"
	if sr.Body == nil {
		sr.Body = http.NoBody
	}
	w := httptest.NewRecorder()
	ht.h.ServeHTTP(w, sr)
	resp := w.Result()
	resp.Request = r
	return resp, nil
}

// Response is a response whose body has been read into Text.
type Response struct {
	*http.Response
	// Text is the whole body.
	Text string
}

// URL resolves path against the client's base URL.
func (c *Client) URL(path string) *url.URL {
	u, err := c.base.Parse(path)
	if err != nil {
		c.t.Fatalf("sessionkittest: the path %q: %v", path, err)
	}
	return u
}

// Do sends r (a relative URL is resolved against the base URL), reads the
// whole response and returns it; a failure to send fails the test.
func (c *Client) Do(r *http.Request) *Response {
	c.t.Helper()
	if !r.URL.IsAbs() {
		r.URL = c.base.ResolveReference(r.URL)
		r.Host = r.URL.Host
	}
	for k, vs := range c.Header {
		if _, set := r.Header[k]; !set {
			r.Header[k] = vs
		}
	}
	resp, err := c.HTTP.Do(r)
	if err != nil {
		c.t.Fatalf("sessionkittest: %s %s: %v", r.Method, r.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("sessionkittest: %s %s: reading the body: %v", r.Method, r.URL, err)
	}
	return &Response{Response: resp, Text: string(body)}
}

// Get sends a GET request for path.
func (c *Client) Get(path string) *Response {
	c.t.Helper()
	return c.Do(c.newRequest(http.MethodGet, path, "", nil))
}

// PostForm sends form, URL-encoded, in a POST request to path.
func (c *Client) PostForm(path string, form url.Values) *Response {
	c.t.Helper()
	return c.Do(c.newRequest(http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode())))
}

// Post sends body in a POST request to path with the given Content-Type.
func (c *Client) Post(path, contentType, body string) *Response {
	c.t.Helper()
	return c.Do(c.newRequest(http.MethodPost, path, contentType, strings.NewReader(body)))
}

func (c *Client) newRequest(method, path, contentType string, body io.Reader) *http.Request {
	c.t.Helper()
	r, err := http.NewRequestWithContext(context.Background(), method, c.URL(path).String(), body)
	if err != nil {
		c.t.Fatalf("sessionkittest: %s %s: %v", method, path, err)
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

// Cookie returns the value of the cookie the jar holds under name for the
// base URL, or "" when it holds none.
func (c *Client) Cookie(name string) string {
	for _, ck := range c.HTTP.Jar.Cookies(c.base) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// SetCookie puts a cookie in the jar for the base URL.
func (c *Client) SetCookie(ck *http.Cookie) {
	if ck.Path == "" {
		ck.Path = "/"
	}
	c.HTTP.Jar.SetCookies(c.base, []*http.Cookie{ck})
}

// Seed creates a session with values in m's store (Seed) and puts its
// cookie in the jar, so that the client's next request carries it. It
// returns the session key. For a Manager with a Header, add the header to
// c.Header instead (SeedRequest shows how).
func (c *Client) Seed(m *sessionkit.Manager, values map[string]any) string {
	c.t.Helper()
	ck := Seed(c.t, m, values)
	c.SetCookie(ck)
	return ck.Value
}

// SessionKey returns the session key the client holds for m: the value of
// its session cookie, or "".
func (c *Client) SessionKey(m *sessionkit.Manager) string {
	return c.Cookie(cookieName(m))
}

// Session returns the session the client holds for m, read from m's
// store, and false when the client holds no session cookie or the store
// has no live session under it. The Session is for reading; changes to it
// are not saved unless the test calls Save.
func (c *Client) Session(m *sessionkit.Manager) (*sessionkit.Session, bool) {
	c.t.Helper()
	return open(c.t, m, c.SessionKey(m))
}

// Seed creates a session with values in m's store, as a handler would
// have left it (the values are set in sorted key order), and returns the
// session cookie that names it. The session goes through m: its Codec,
// expiry, clock (Manager.Now) and limits apply. A failure fails the test.
func Seed(t TB, m *sessionkit.Manager, values map[string]any) *http.Cookie {
	t.Helper()
	ctx := context.Background()
	s := m.Open(ctx, "")
	s.Update(values)
	if err := s.Save(ctx); err != nil {
		t.Fatalf("sessionkittest: seeding a session: %v", err)
	}
	return &http.Cookie{Name: cookieName(m), Value: s.Key(), Path: "/"}
}

// SeedRequest creates a session with values in m's store (Seed) and
// attaches it to r: as the session cookie, or, for a Manager with a
// Header, in that header. It returns the session key.
func SeedRequest(t TB, m *sessionkit.Manager, r *http.Request, values map[string]any) string {
	t.Helper()
	ck := Seed(t, m, values)
	switch {
	case m.Header == "":
		r.AddCookie(ck)
	case strings.EqualFold(m.Header, "Authorization"):
		r.Header.Set(m.Header, "Bearer "+ck.Value)
	default:
		r.Header.Set(m.Header, ck.Value)
	}
	return ck.Value
}

// ResponseSession returns the session resp left: the one its Set-Cookie
// for m's session cookie (or m's Header) names, loaded from m's store. It
// returns false when the response set no session cookie, deleted it, or
// names a session the store does not hold. Use resp.Result() for an
// httptest.ResponseRecorder.
func ResponseSession(t TB, m *sessionkit.Manager, resp *http.Response) (*sessionkit.Session, bool) {
	t.Helper()
	return open(t, m, ResponseKey(m, resp))
}

// ResponseKey returns the session key resp sets for m: the value of its
// Set-Cookie for the session cookie (or of m's Header), or "" when it sets
// none or deletes it.
func ResponseKey(m *sessionkit.Manager, resp *http.Response) string {
	if m.Header != "" {
		v := resp.Header.Get(m.Header)
		if strings.EqualFold(m.Header, "Authorization") {
			v = strings.TrimPrefix(v, "Bearer ")
		}
		return v
	}
	name := cookieName(m)
	for _, ck := range resp.Cookies() {
		if ck.Name == name {
			if ck.MaxAge < 0 || ck.Value == "" {
				return ""
			}
			return ck.Value
		}
	}
	return ""
}

func open(t TB, m *sessionkit.Manager, key string) (*sessionkit.Session, bool) {
	t.Helper()
	if key == "" {
		return nil, false
	}
	ctx := context.Background()
	ok, err := m.Exists(ctx, key)
	if err != nil {
		t.Fatalf("sessionkittest: loading the session: %v", err)
	}
	if !ok {
		return nil, false
	}
	return m.Open(ctx, key), true
}

func cookieName(m *sessionkit.Manager) string {
	if m.CookieName != "" {
		return m.CookieName
	}
	return sessionkit.DefaultCookieName
}

// Clock is a clock that moves only when told: set Manager.Now to its Now,
// and the Manager's expiry arithmetic, idle timeout and lifetime — and,
// through the request's context, the stores' idea of the time — follow it.
// It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock that reads t until moved.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (backward for a negative d) and
// returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
