package demo

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/sessionkittest"
	"github.com/sessionkit/sessionkit/store/cookiestore"
	"github.com/sessionkit/sessionkit/store/memstore"
)

func TestAPISessionNew(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	r := c.get("/api/session")
	wantStatus(t, r, http.StatusOK)
	v := r.json(t)
	if len(v) != 5 {
		t.Errorf("want exactly the five documented fields, got %s", r.body)
	}
	if v["session_key"] != nil {
		t.Errorf("session_key = %v, want null for a new session", v["session_key"])
	}
	if d, ok := v["data"].(map[string]any); !ok || len(d) != 0 {
		t.Errorf("data = %v, want {}", v["data"])
	}
	if v["expiry_age"] != json.Number("1209600") {
		t.Errorf("expiry_age = %v, want 1209600", v["expiry_age"])
	}
	date, err := time.Parse(time.RFC3339, v["expiry_date"].(string))
	if err != nil || date.Sub(time.Now().Add(sessionkit.DefaultCookieAge)).Abs() > 5*time.Second {
		t.Errorf("expiry_date = %v, want about two weeks from now in RFC 3339", v["expiry_date"])
	}
	if v["expire_at_browser_close"] != false {
		t.Errorf("expire_at_browser_close = %v, want false", v["expire_at_browser_close"])
	}
	if r.setCookie("sessionid") != nil {
		t.Error("reading a new session set a cookie")
	}
	if got := r.Header.Get("Vary"); got != "Cookie" {
		t.Errorf("Vary = %q, want Cookie (the session was accessed)", got)
	}
	if got := r.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
}

func TestAPISessionUpdate(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	r := c.postJSON("/api/session", `{"zeta": 1, "alpha": "x", "big": 12345678901234567890, "f": 1.0, "nested": {"b": [true, null]}, "é": "ü"}`)
	wantStatus(t, r, http.StatusOK)
	v := r.json(t)
	key, _ := v["session_key"].(string)
	ck := r.setCookie("sessionid")
	if key == "" || ck == nil || ck.Value != key {
		t.Fatalf("session_key %q and cookie %v: want the new key in both", key, ck)
	}
	// The data keeps the body's order and its numbers exactly.
	if !strings.Contains(r.body, `"data":{"zeta":1,"alpha":"x","big":12345678901234567890,"f":1.0,"nested":{"b":[true,null]},"\u00e9":"\u00fc"}`) {
		t.Errorf("data not kept in order and exactly:\n%s", r.body)
	}
	// A later request sees the same session.
	r2 := c.get("/api/session")
	if got := r2.json(t)["session_key"]; got != key {
		t.Errorf("GET after POST: session_key %v, want %v", got, key)
	}
	if !strings.Contains(r2.body, `"zeta":1,"alpha":"x"`) {
		t.Errorf("GET after POST lost the data: %s", r2.body)
	}
	// Updating again changes one key and keeps the others.
	r3 := c.postJSON("/api/session", `{"alpha": "y"}`)
	if !strings.Contains(r3.body, `"zeta":1,"alpha":"y"`) {
		t.Errorf("second update: %s", r3.body)
	}
}

func TestAPISessionUpdateEmptyObject(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	r := c.postJSON("/api/session", `{}`)
	wantStatus(t, r, http.StatusOK)
	if r.json(t)["session_key"] != nil || r.setCookie("sessionid") != nil {
		t.Errorf("an empty update of a new session saved it: %s", r.body)
	}
}

func TestAPIBadInput(t *testing.T) {
	s, _ := newTestServer(t, nil)
	big := `{"k": "` + strings.Repeat("x", maxBody) + `"}`
	for _, tc := range []struct {
		path, body string
		status     int
		mentions   string
	}{
		{"/api/session", `not json`, 400, "not valid JSON"},
		{"/api/session", ``, 400, "empty"},
		{"/api/session", `[1, 2]`, 400, "must be a JSON object, not an array"},
		{"/api/session", `"text"`, 400, "not a string"},
		{"/api/session", `{"a": NaN}`, 400, "NaN"},
		{"/api/session", `{"a": 1} trailing`, 400, "not valid JSON"},
		{"/api/session", `{"a": 1`, 400, "not valid JSON"},
		{"/api/session", big, 413, "over"},
		{"/api/session/pop", `{}`, 400, `"key" is required`},
		{"/api/session/pop", `{"key": 1}`, 400, `"key" must be a string, not a number`},
		{"/api/session/pop", `{"key": "a", "x": 1}`, 400, `unknown field "x"`},
		{"/api/session/pop", `null`, 400, "must be a JSON object"},
		{"/api/session/pop", `{"key": "a"} {}`, 400, "after its JSON object"},
		{"/api/session/clear", `{"a": 1}`, 400, "takes no arguments"},
		{"/api/session/flush", `[]`, 400, "takes no arguments"},
		{"/api/session/cycle", `x`, 400, "takes no arguments"},
		{"/api/session/expiry", `{}`, 400, "exactly one"},
		{"/api/session/expiry", `{"seconds": 1, "at": "2030-01-01T00:00:00Z"}`, 400, "exactly one"},
		{"/api/session/expiry", `{"seconds": 1.5}`, 400, "whole number"},
		{"/api/session/expiry", `{"seconds": "60"}`, 400, "not a string"},
		{"/api/session/expiry", `{"seconds": true}`, 400, "not a boolean"},
		{"/api/session/expiry", `{"seconds": 99999999999999999999999}`, 400, "within"},
		{"/api/session/expiry", `{"at": "tomorrow"}`, 400, "RFC 3339"},
		{"/api/session/expiry", `{"at": 5}`, 400, "RFC 3339"},
		{"/api/session/expiry", `{"at": "9999-01-01T00:00:00Z"}`, 400, "100 years"},
		{"/api/session/expiry", `{"days": 1}`, 400, `unknown field "days"`},
		{"/api/cookies", `{}`, 400, `"key" is required`},
		{"/api/cookies", `{"key": "a b"}`, 400, "Illegal key"},
		{"/api/cookies", `{"key": "expires"}`, 400, "reserved key"},
		{"/api/cookies", `{"key": "a", "samesite": "sometimes"}`, 400, "samesite"},
		{"/api/cookies", `{"key": "a", "secure": "yes"}`, 400, `"secure" must be true or false, not a string`},
		{"/api/cookies", `{"key": "a", "max_age": "60"}`, 400, `"max_age" must be a number`},
		{"/api/cookies", `{"key": "a", "max_age": 1e30}`, 400, "within 100 years"},
		{"/api/cookies", `{"key": "a", "expires": "soon"}`, 400, "RFC 3339"},
		{"/api/cookies", `{"key": "a", "path": "/; Domain=evil"}`, 400, "cannot hold ';'"},
		{"/api/cookies", `{"key": "a", "value": "` + strings.Repeat("v", 5000) + `"}`, 400, "too large"},
		{"/api/cookies", `{"key": "a", "colour": "red"}`, 400, `unknown field "colour"`},
		{"/api/cookies/delete", `{"path": "/"}`, 400, `"key" is required`},
		{"/api/cookies/delete", `{"key": "a", "samesite": "x"}`, 400, "samesite"},
		{"/api/cookies/delete", `{"key": "a", "max_age": 1}`, 400, `unknown field "max_age"`},
		{"/api/clearsessions", `{"now": 1}`, 400, "takes no arguments"},
	} {
		t.Run(tc.path+" "+tc.body[:min(len(tc.body), 40)], func(t *testing.T) {
			c := newClient(t, s)
			wantError(t, c.postJSON(tc.path, tc.body), tc.status, tc.mentions)
		})
	}
}

func TestAPISessionPop(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	c.postJSON("/api/session", `{"color": "blue", "n": [1, 2]}`)
	r := c.postJSON("/api/session/pop", `{"key": "n"}`)
	wantStatus(t, r, http.StatusOK)
	if r.body != `{"value":[1,2]}`+"\n" {
		t.Errorf("pop answered %s, want {\"value\":[1,2]}", r.body)
	}
	if !strings.Contains(c.get("/api/session").body, `"data":{"color":"blue"}`) {
		t.Error("the popped key is still in the session")
	}
	wantError(t, c.postJSON("/api/session/pop", `{"key": "n"}`), http.StatusNotFound, `no key "n"`)
}

func TestAPISessionClear(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	key := c.postJSON("/api/session", `{"a": 1}`).json(t)["session_key"]
	r := c.do("POST", "/api/session/clear", "")
	wantStatus(t, r, http.StatusOK)
	v := r.json(t)
	if v["session_key"] != key {
		t.Errorf("clear changed the key: %v, want %v", v["session_key"], key)
	}
	if d := v["data"].(map[string]any); len(d) != 0 {
		t.Errorf("clear left data: %v", d)
	}
	if d := c.get("/api/session").json(t)["data"].(map[string]any); len(d) != 0 {
		t.Errorf("the cleared data came back: %v", d)
	}
}

func TestAPISessionFlushRefusesTheOldKey(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	old := c.postJSON("/api/session", `{"user": "alice"}`).json(t)["session_key"].(string)
	r := c.postJSON("/api/session/flush", `{}`)
	wantStatus(t, r, http.StatusOK)
	v := r.json(t)
	if v["session_key"] != nil || len(v["data"].(map[string]any)) != 0 {
		t.Errorf("after flush: %s", r.body)
	}
	if ck := r.setCookie("sessionid"); ck == nil || ck.MaxAge >= 0 || ck.Value != "" {
		t.Errorf("flush did not delete the cookie: %v", r.Header.Values("Set-Cookie"))
	}
	// Someone who kept the old cookie gets an empty session, not alice's.
	thief := newClient(t, s)
	thief.cookies["sessionid"] = old
	r2 := thief.get("/api/session")
	if v := r2.json(t); v["session_key"] != nil || len(v["data"].(map[string]any)) != 0 {
		t.Errorf("the flushed key still works: %s", r2.body)
	}
}

func TestAPISessionCycle(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	old := c.postJSON("/api/session", `{"cart": ["mug"]}`).json(t)["session_key"].(string)
	r := c.do("POST", "/api/session/cycle", "")
	wantStatus(t, r, http.StatusOK)
	v := r.json(t)
	key, _ := v["session_key"].(string)
	if key == "" || key == old {
		t.Fatalf("cycle gave key %q (old %q)", key, old)
	}
	if ck := r.setCookie("sessionid"); ck == nil || ck.Value != key {
		t.Errorf("the cookie does not carry the new key: %v", r.Header.Values("Set-Cookie"))
	}
	if !strings.Contains(r.body, `"data":{"cart":["mug"]}`) {
		t.Errorf("cycle lost the data: %s", r.body)
	}
	thief := newClient(t, s)
	thief.cookies["sessionid"] = old
	if got := thief.get("/api/session").json(t)["session_key"]; got != nil {
		t.Errorf("the old key still works after cycle: %v", got)
	}
}

func TestAPISessionExpiry(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	c.postJSON("/api/session", `{"a": 1}`)

	r := c.postJSON("/api/session/expiry", `{"seconds": 300}`)
	wantStatus(t, r, http.StatusOK)
	v := r.json(t)
	if v["expiry_age"] != json.Number("300") || v["expire_at_browser_close"] != false {
		t.Errorf("seconds 300: %s", r.body)
	}
	if ck := r.setCookie("sessionid"); ck == nil || ck.MaxAge != 300 {
		t.Errorf("seconds 300: cookie %v, want Max-Age=300", r.Header.Values("Set-Cookie"))
	}

	r = c.postJSON("/api/session/expiry", `{"seconds": 0}`)
	v = r.json(t)
	if v["expire_at_browser_close"] != true || v["expiry_age"] != json.Number("1209600") {
		t.Errorf("seconds 0: %s", r.body)
	}
	if ck := r.setCookie("sessionid"); ck == nil || ck.MaxAge != 0 || !ck.Expires.IsZero() {
		t.Errorf("seconds 0: cookie %v, want a browser-session cookie", r.Header.Values("Set-Cookie"))
	}

	r = c.postJSON("/api/session/expiry", `{"seconds": null}`)
	v = r.json(t)
	if v["expire_at_browser_close"] != false || v["expiry_age"] != json.Number("1209600") {
		t.Errorf("seconds null: %s", r.body)
	}
	if strings.Contains(r.body, "_session_expiry") {
		t.Errorf("seconds null left _session_expiry: %s", r.body)
	}

	at := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	r = c.postJSON("/api/session/expiry", `{"at": "`+at.Format(time.RFC3339)+`"}`)
	v = r.json(t)
	if v["expiry_date"] != at.Format(time.RFC3339) {
		t.Errorf("at: expiry_date %v, want %v", v["expiry_date"], at.Format(time.RFC3339))
	}
	if age, _ := v["expiry_age"].(json.Number).Int64(); age < 3590 || age > 3600 {
		t.Errorf("at: expiry_age %d, want about 3600", age)
	}
}

func TestAPICookies(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	r := c.get("/api/cookies")
	wantStatus(t, r, http.StatusOK)
	if r.body != "{}\n" {
		t.Errorf("no cookies: %q, want {}", r.body)
	}
	c.cookies["flavor"] = "chocolate"
	c.cookies["quoted"] = `"a\054b"`
	if v := c.get("/api/cookies").json(t); v["flavor"] != "chocolate" || v["quoted"] != "a,b" || len(v) != 2 {
		t.Errorf("request.COOKIES = %v", v)
	}
}

func TestAPICookiesSet(t *testing.T) {
	s, _ := newTestServer(t, nil)
	for _, tc := range []struct {
		body string
		want []string // substrings of the Set-Cookie header
		not  []string
	}{
		{`{"key": "a", "value": "1"}`, []string{"a=1", "Path=/"}, []string{"HttpOnly", "Max-Age", "Secure", "SameSite"}},
		{`{"key": "a", "value": "x y", "max_age": 60, "path": "/shop", "domain": "example.com", "secure": true, "httponly": true, "samesite": "Strict"}`,
			[]string{`a="x y"`, "Max-Age=60", "expires=", "Path=/shop", "Domain=example.com", "Secure", "HttpOnly", "SameSite=Strict"}, nil},
		{`{"key": "a", "max_age": 0}`, []string{"Max-Age=0"}, nil},
		{`{"key": "a", "max_age": 1.5}`, []string{"Max-Age=1"}, nil},
		{`{"key": "a", "expires": "Wed, 21 Oct 2037 07:28:00 GMT"}`, []string{"expires=Wed, 21 Oct 2037 07:28:00 GMT"}, []string{"Max-Age"}},
		{`{"key": "a", "expires": "` + time.Now().Add(time.Hour).UTC().Format(time.RFC3339) + `", "max_age": 5}`, []string{"Max-Age=3600"}, []string{"Max-Age=5"}},
		{`{"key": "a", "value": null, "path": null, "samesite": null}`, []string{"a=", "Path=/"}, []string{"SameSite"}},
	} {
		c := newClient(t, s)
		r := c.postJSON("/api/cookies", tc.body)
		wantStatus(t, r, http.StatusOK)
		line := r.json(t)["set_cookie"].(string)
		if got := r.Header.Values("Set-Cookie"); len(got) != 1 || got[0] != line {
			t.Errorf("%s: set_cookie %q, header %q", tc.body, line, got)
		}
		for _, w := range tc.want {
			if !strings.Contains(line, w) {
				t.Errorf("%s: %q lacks %q", tc.body, line, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(line, w) {
				t.Errorf("%s: %q has %q", tc.body, line, w)
			}
		}
	}
}

func TestAPICookiesDelete(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	c.cookies["flavor"] = "chocolate"
	r := c.postJSON("/api/cookies/delete", `{"key": "flavor", "path": "/shop", "samesite": "None"}`)
	wantStatus(t, r, http.StatusOK)
	want := `flavor=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/shop; SameSite=None; Secure`
	if line := r.json(t)["set_cookie"]; line != want {
		t.Errorf("delete_cookie sent %q, want %q", line, want)
	}
}

func TestAPIClearSessions(t *testing.T) {
	now := time.Now()
	ms := memstore.New(0)
	ms.Now = func() time.Time { return now }
	defer ms.Close()
	for _, k := range []string{"expiredkey00001", "expiredkey00002"} {
		if _, err := ms.Create(context.Background(), k, sessionkit.Record{Data: []byte("{}"), Expiry: now.Add(-time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ms.Create(context.Background(), "livekey0000001", sessionkit.Record{Data: []byte("{}"), Expiry: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	s, _ := newTestServer(t, ms)
	c := newClient(t, s)
	r := c.do("POST", "/api/clearsessions", "")
	wantStatus(t, r, http.StatusOK)
	if r.body != `{"deleted":2}`+"\n" {
		t.Errorf("clearsessions answered %s, want {\"deleted\":2}", r.body)
	}
	if _, err := ms.Load(context.Background(), "livekey0000001"); err != nil {
		t.Errorf("the live session was deleted: %v", err)
	}
	if r := c.do("POST", "/api/clearsessions", ""); r.body != `{"deleted":0}`+"\n" {
		t.Errorf("second clearsessions answered %s", r.body)
	}
}

func TestAPIClearSessionsNotSupported(t *testing.T) {
	ms := memstore.New(0)
	defer ms.Close()
	s, _ := newTestServer(t, plainStore{ms})
	wantError(t, newClient(t, s).do("POST", "/api/clearsessions", ""), http.StatusNotImplemented, "expire by themselves")
}

func TestAPIRouting(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	r := c.do("DELETE", "/api/session", "")
	wantError(t, r, http.StatusMethodNotAllowed, "DELETE is not allowed")
	if got := r.Header.Get("Allow"); got != "GET, POST, HEAD" {
		t.Errorf("Allow = %q", got)
	}
	r = c.get("/api/session/pop")
	wantError(t, r, http.StatusMethodNotAllowed, "use POST")
	wantError(t, c.get("/api/nothing"), http.StatusNotFound, "no API endpoint")
}

func TestAPIStoreFailureIs500(t *testing.T) {
	s, _ := newTestServer(t, failingStore{})
	c := newClient(t, s)
	c.cookies["sessionid"] = "abcdefghijklmnopqrstuvwxyz012345"
	wantError(t, c.get("/api/session"), http.StatusInternalServerError, "connection refused")
	wantError(t, newClient(t, s).postJSON("/api/session", `{"a": 1}`), http.StatusInternalServerError, "connection refused")
}

func TestCrossOriginRefused(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	c.header.Set("Sec-Fetch-Site", "cross-site")
	wantError(t, c.postJSON("/api/session", `{"a": 1}`), http.StatusForbidden, "cross-origin")
	if r := c.postForm("/shop/login", nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site form post: status %d, want 403", r.StatusCode)
	}
	if len(c.cookies) != 0 {
		t.Errorf("a refused request set cookies: %v", c.cookies)
	}
	// Reading is allowed from anywhere; so is a request from this site.
	wantStatus(t, c.get("/api/session"), http.StatusOK)
	same := newClient(t, s)
	same.header.Set("Sec-Fetch-Site", "same-origin")
	wantStatus(t, same.postJSON("/api/session", `{"a": 1}`), http.StatusOK)
	// Without Sec-Fetch-Site, an Origin that is not this host is refused.
	other := newClient(t, s)
	other.header.Set("Origin", "https://evil.example")
	wantError(t, other.postJSON("/api/cookies", `{"key": "a"}`), http.StatusForbidden, "cross-origin")
}

func TestSecurityHeaders(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	for _, path := range []string{"/", "/cookies", "/session", "/shop", "/api/session", "/static/style.css", "/nowhere"} {
		r := c.get(path)
		h := r.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP allows inline code", path)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: security headers missing: %v", path, h)
		}
	}
}

func TestAPISessionClearWithAStaleCookie(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	c.cookies["sessionid"] = "abcdefghijklmnopqrstuvwxyz012345" // a session the store does not have
	r := c.postJSON("/api/session/clear", "")
	wantStatus(t, r, http.StatusOK)
	if v := r.json(t); v["session_key"] != nil {
		t.Errorf("clear adopted the unknown key: %s", r.body)
	}
}

func TestAPISessionTooLargeForItsCookie(t *testing.T) {
	st, err := cookiestore.New(cookiestore.Config{SecretKey: testSecret, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := newTestServer(t, st)
	c := newClient(t, s)
	big := strings.Repeat("x", 5000)
	wantError(t, c.postJSON("/api/session", `{"notes": "`+big+`"}`), http.StatusBadRequest, "no longer fits in its cookie")
	if len(c.cookies) != 0 {
		t.Errorf("a cookie was set: %v", c.cookies)
	}
	// A session that fits works, and then outgrowing it is refused too.
	wantStatus(t, c.postJSON("/api/session", `{"notes": "short"}`), http.StatusOK)
	wantError(t, c.postJSON("/api/session", `{"more": "`+big+`"}`), http.StatusBadRequest, "no longer fits")
	if !strings.Contains(c.get("/api/session").body, `"data":{"notes":"short"}`) {
		t.Error("the refused update changed the session")
	}
}

// A session deleted by a concurrent request (a logout in another tab) comes
// back through the Manager's ErrorHandler as a JSON 400.
func TestAPIInterruptedSessionIsJSON400(t *testing.T) {
	store := memstore.New(0)
	t.Cleanup(func() { store.Close() })
	srv, _ := newTestServer(t, store)
	c := newClient(t, srv)
	wantStatus(t, c.postJSON("/api/session", `{"a":1}`), http.StatusOK)
	key := c.cookies["sessionid"]
	// The handler loads the session, then another request logs out before
	// this one saves.
	deleting := &deleteOnLoad{Store: store, key: key}
	srv2, _ := newTestServer(t, deleting)
	c.h = srv2
	wantError(t, c.postJSON("/api/session", `{"b":2}`), http.StatusBadRequest, "deleted")
}

// deleteOnLoad deletes the record right after loading it, as a concurrent
// logout would.
type deleteOnLoad struct {
	*memstore.Store
	key string
}

func (d *deleteOnLoad) Load(ctx context.Context, key string) (sessionkit.Record, error) {
	r, err := d.Store.Load(ctx, key)
	if key == d.key {
		d.Store.Delete(ctx, key)
	}
	return r, err
}

// writeCounter counts the writes that reach the store.
type writeCounter struct {
	sessionkit.Store
	writes int
}

func (c *writeCounter) Create(ctx context.Context, k string, r sessionkit.Record) (string, error) {
	c.writes++
	return c.Store.Create(ctx, k, r)
}

func (c *writeCounter) Update(ctx context.Context, k string, r sessionkit.Record) (string, error) {
	c.writes++
	return c.Store.Update(ctx, k, r)
}

// TestAPIRefusesReservedKeys: a page cannot make itself another user, or
// set an expiry that was never checked, through the JSON API; and input
// too deep for the session is refused before anything is written.
func TestAPIRefusesReservedKeys(t *testing.T) {
	store := &writeCounter{Store: &memstore.Store{}}
	s, _ := newTestServer(t, store)
	c := newClient(t, s)
	for _, body := range []string{
		`{"_auth_user_id": "1"}`,
		`{"_auth_user_backend": "x"}`,
		`{"_session_expiry": 99999999999999}`,
		`{"_session_expiry": "0001-01-01"}`,
		`{"_sessionkit_created": 1}`,
		`{"deep": ` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`,
	} {
		r := c.postJSON("/api/session", body)
		wantStatus(t, r, http.StatusBadRequest)
	}
	r := c.postJSON("/api/session/pop", `{"key": "_auth_user_id"}`)
	wantStatus(t, r, http.StatusBadRequest)
	if store.writes != 0 {
		t.Errorf("refused requests wrote %d sessions", store.writes)
	}
}

// TestAPIOneWritePerNewSession: the request that creates a session writes
// it once, although the answer needs its key before the Middleware saves.
func TestAPIOneWritePerNewSession(t *testing.T) {
	store := &writeCounter{Store: &memstore.Store{}}
	s, _ := newTestServer(t, store)
	c := newClient(t, s)
	r := c.postJSON("/api/session", `{"color": "blue"}`)
	wantStatus(t, r, http.StatusOK)
	if store.writes != 1 {
		t.Errorf("creating a session cost %d store writes, want 1", store.writes)
	}
	if k, _ := r.json(t)["session_key"].(string); k == "" {
		t.Error("the answer has no session_key")
	}
}

func TestAPISessionIncr(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	r := c.postJSON("/api/session/incr", `{"key": "n"}`)
	wantStatus(t, r, http.StatusOK)
	r = c.postJSON("/api/session/incr", `{"key": "n", "by": 41}`)
	wantStatus(t, r, http.StatusOK)
	if d, _ := r.json(t)["data"].(map[string]any); d["n"] != json.Number("42") {
		t.Errorf("after incr by 1 and 41: %s", r.body)
	}
	c.postJSON("/api/session", `{"s": "text"}`)
	wantError(t, c.postJSON("/api/session/incr", `{"key": "s"}`), http.StatusBadRequest, "not an integer")
	wantError(t, c.postJSON("/api/session/incr", `{"by": 1}`), http.StatusBadRequest, "key")
	wantError(t, c.postJSON("/api/session/incr", `{"key": "_auth_user_id"}`), http.StatusBadRequest, "reserved")
	c.postJSON("/api/session", `{"big": 9223372036854775807}`)
	wantError(t, c.postJSON("/api/session/incr", `{"key": "big"}`), http.StatusBadRequest, "overflows")
}

// TestAPISessionIncrExclusive: with SESSIONKIT_LOCK's Manager.Exclusive,
// concurrent increments of one session are exact.
func TestAPISessionIncrExclusive(t *testing.T) {
	store := memstore.New(0)
	t.Cleanup(func() { store.Close() })
	log := slog.New(slog.DiscardHandler)
	m := &sessionkit.Manager{Store: store, Logger: log, Exclusive: true}
	s, err := New(Config{Manager: m, SecretKey: testSecret, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ck := sessionkittest.Seed(t, m, map[string]any{"n": 0})
	const workers, each = 8, 10
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			// Each worker is a client holding the one session's cookie.
			c := sessionkittest.NewClient(t, s)
			c.SetCookie(ck)
			for range each {
				if r := c.Post("/api/session/incr", "application/json", `{"key": "n"}`); r.StatusCode != http.StatusOK {
					t.Errorf("status %d: %s", r.StatusCode, r.Text)
				}
			}
		})
	}
	wg.Wait()
	got, ok := sessionkit.Get[int](m.Open(context.Background(), ck.Value), "n")
	if !ok || got != workers*each {
		t.Errorf("%d × %d exclusive increments: n = %v", workers, each, got)
	}
}
