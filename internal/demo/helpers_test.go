package demo

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/memstore"
)

const testSecret = "test-secret-key-for-the-playground"

// newTestServer returns a playground on store (a fresh memstore if nil).
func newTestServer(t testing.TB, store sessionkit.Store) (*Server, *sessionkit.Manager) {
	t.Helper()
	if store == nil {
		ms := memstore.New(0)
		t.Cleanup(func() { ms.Close() })
		store = ms
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := &sessionkit.Manager{Store: store, Logger: log, TrackSessions: true}
	s, err := New(Config{
		Manager:   m,
		SecretKey: testSecret,
		Engine:    "memory engine, for the tests",
		Settings:  []Setting{{"SESSION_ENGINE", "memory"}, {"SESSION_COOKIE_AGE", "1209600"}},
		Logger:    log,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, m
}

// client is a browser in miniature: it keeps the cookies the server sets
// and sends them back.
type client struct {
	t       *testing.T
	h       http.Handler
	cookies map[string]string
	header  http.Header // extra headers on every request
}

func newClient(t *testing.T, h http.Handler) *client {
	return &client{t: t, h: h, cookies: map[string]string{}, header: http.Header{}}
}

// response is a finished response with its body read.
type response struct {
	*http.Response
	body string
}

func (r *response) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	dec := json.NewDecoder(strings.NewReader(r.body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s %s: the body is not a JSON object: %v\n%s", r.Request.Method, r.Request.URL, err, r.body)
	}
	return v
}

// setCookie returns the Set-Cookie header for name, or nil.
func (r *response) setCookie(name string) *http.Cookie {
	for _, l := range r.Header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(l)
		if err == nil && c.Name == name {
			return c
		}
	}
	return nil
}

func (c *client) do(method, target, body string, header ...string) *response {
	c.t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, v := range c.header {
		req.Header[k] = v
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	var parts []string
	for k, v := range c.cookies {
		parts = append(parts, k+"="+v)
	}
	if len(parts) > 0 {
		req.Header.Set("Cookie", strings.Join(parts, "; "))
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	res := rec.Result()
	res.Request = req
	b, _ := io.ReadAll(res.Body)
	for _, l := range res.Header.Values("Set-Cookie") {
		ck, err := http.ParseSetCookie(l)
		if err != nil {
			c.t.Fatalf("bad Set-Cookie %q: %v", l, err)
		}
		if ck.MaxAge < 0 || (!ck.Expires.IsZero() && ck.Expires.Before(time.Now())) {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	return &response{Response: res, body: string(b)}
}

func (c *client) get(target string) *response { c.t.Helper(); return c.do("GET", target, "") }

func (c *client) postJSON(target, body string) *response {
	c.t.Helper()
	return c.do("POST", target, body, "Content-Type", "application/json")
}

func (c *client) postForm(target string, form url.Values) *response {
	c.t.Helper()
	return c.do("POST", target, form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
}

// follow posts a form and loads the page the 303 points to.
func (c *client) follow(target string, form url.Values) (post, page *response) {
	c.t.Helper()
	post = c.postForm(target, form)
	if post.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("POST %s: status %d, want 303\n%s", target, post.StatusCode, post.body)
	}
	return post, c.get(post.Header.Get("Location"))
}

func wantStatus(t *testing.T, r *response, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d\n%s", r.Request.Method, r.Request.URL, r.StatusCode, want, r.body)
	}
}

func wantContains(t *testing.T, r *response, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(r.body, s) {
			t.Errorf("%s %s: body does not contain %q", r.Request.Method, r.Request.URL, s)
		}
	}
}

// wantError checks a JSON error answer.
func wantError(t *testing.T, r *response, status int, mentions string) {
	t.Helper()
	wantStatus(t, r, status)
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	v := r.json(t)
	msg, ok := v["error"].(string)
	if !ok || msg == "" || len(v) != 1 {
		t.Fatalf("want {\"error\": \"…\"}, got %s", r.body)
	}
	if !strings.Contains(msg, mentions) {
		t.Errorf("error %q does not mention %q", msg, mentions)
	}
}

// failingStore is a store whose every call fails, the way a database that
// went away fails.
type failingStore struct{}

var errDown = errors.New("connection refused")

func (failingStore) Load(context.Context, string) (sessionkit.Record, error) {
	return sessionkit.Record{}, errDown
}
func (failingStore) Create(context.Context, string, sessionkit.Record) (string, error) {
	return "", errDown
}
func (failingStore) Update(context.Context, string, sessionkit.Record) (string, error) {
	return "", errDown
}
func (failingStore) Delete(context.Context, string) error { return errDown }

// plainStore hides every optional ability of the store it wraps, like a
// cache engine: no ClearExpired, no per-user index.
type plainStore struct{ s sessionkit.Store }

func (p plainStore) Load(ctx context.Context, k string) (sessionkit.Record, error) {
	return p.s.Load(ctx, k)
}
func (p plainStore) Create(ctx context.Context, k string, r sessionkit.Record) (string, error) {
	return p.s.Create(ctx, k, r)
}
func (p plainStore) Update(ctx context.Context, k string, r sessionkit.Record) (string, error) {
	return p.s.Update(ctx, k, r)
}
func (p plainStore) Delete(ctx context.Context, k string) error { return p.s.Delete(ctx, k) }
