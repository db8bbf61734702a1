package demo

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/store/memstore"
)

func TestPages(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/", []string{"Cookies and sessions", "memory engine, for the tests", "SESSION_COOKIE_AGE", "/api/session/expiry"}},
		{"/cookies", []string{"response.set_cookie()", `name="max_age"`, `name="expires"`, `name="path"`, `name="domain"`, `name="secure"`, `name="httponly"`, `name="samesite"`, "delete_cookie", "request.COOKIES", "document.cookie", "set_signed_cookie", "get_signed_cookie", `name="salt"`}},
		{"/session", []string{"session_key", "get_expiry_age()", "get_expiry_date()", `value="get"`, `value="keys"`, `value="items"`, "/session/set", "/session/pop", "clear()", "flush()", "cycle_key()", "clear_expired()", `value="seconds"`, `value="browser-close"`, `value="default"`, `value="date"`}},
		{"/shop", []string{"Espresso beans", "Add to cart", "The cart is empty", "Recently viewed", "remember me", "alice"}},
		{"/shop/products/kettle", []string{"Pour-over kettle", "$39.00", "add-to-cart"}},
	} {
		r := c.get(tc.path)
		wantStatus(t, r, http.StatusOK)
		if ct := r.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", tc.path, ct)
		}
		wantContains(t, r, tc.want...)
		// No inline script or style: the CSP would block them.
		if strings.Contains(r.body, "<script>") || strings.Contains(r.body, "style=") || strings.Contains(r.body, " onclick=") {
			t.Errorf("%s: the page has inline script or style", tc.path)
		}
	}
	wantStatus(t, c.get("/shop/products/nothing"), http.StatusNotFound)
	wantStatus(t, c.get("/no/such/page"), http.StatusNotFound)
}

func TestStatic(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	for path, ct := range map[string]string{
		"/static/style.css":   "text/css; charset=utf-8",
		"/static/app.js":      "text/javascript; charset=utf-8",
		"/static/favicon.svg": "image/svg+xml",
	} {
		r := c.get(path)
		wantStatus(t, r, http.StatusOK)
		if got := r.Header.Get("Content-Type"); got != ct {
			t.Errorf("%s: Content-Type %q, want %q", path, got, ct)
		}
		if r.Header.Get("Vary") != "" || r.Header.Get("Set-Cookie") != "" {
			t.Errorf("%s: a static file touched the session", path)
		}
	}
	wantStatus(t, c.get("/static/nothing.js"), http.StatusNotFound)
}

// lastResponse reads the "Last response" panel of a page.
func lastPanel(t *testing.T, r *response) string {
	t.Helper()
	i := strings.Index(r.body, `id="last-response"`)
	if i < 0 {
		t.Fatalf("%s: no Last response panel", r.Request.URL)
	}
	j := strings.Index(r.body[i:], "</section>")
	return html.UnescapeString(r.body[i : i+j])
}

func TestLastResponseShowsTheRedirectsHeaders(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	post, page := c.follow("/session/set", url.Values{"key": {"color"}, "value": {"blue"}})
	if loc := post.Header.Get("Location"); !strings.HasPrefix(loc, "/session?last=") {
		t.Fatalf("Location %q, want /session?last=…", loc)
	}
	panel := lastPanel(t, page)
	setCookie := post.Header.Get("Set-Cookie")
	if setCookie == "" || !strings.Contains(panel, setCookie) {
		t.Errorf("the panel does not show the 303's Set-Cookie %q:\n%s", setCookie, panel)
	}
	for _, want := range []string{"POST /session/set → 303 See Other", "Vary", "Cookie", `request.session["color"] = "blue"`} {
		if !strings.Contains(panel, want) {
			t.Errorf("the panel lacks %q:\n%s", want, panel)
		}
	}
	// Another browser with the same link sees nothing: the record is bound
	// to the session cookie of the browser that received it.
	other := newClient(t, s)
	if r := other.get(post.Header.Get("Location")); strings.Contains(r.body, `id="last-response"`) {
		t.Error("another browser saw the last response, session cookie included")
	}
	// Logging out deletes the cookie; the panel says so.
	post, page = c.follow("/session/flush", nil)
	panel = lastPanel(t, page)
	if !strings.Contains(panel, "Max-Age=0") || !strings.Contains(panel, "flush()") {
		t.Errorf("after flush the panel shows:\n%s", panel)
	}
}

func TestSessionPageOperations(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	_, page := c.follow("/session/set", url.Values{"key": {"n"}, "value": {"42"}})
	wantContains(t, page, "<code>n</code>", "<code class=\"value\">42</code>")
	c.follow("/session/set", url.Values{"key": {"color"}, "value": {"light blue"}})
	c.follow("/session/set", url.Values{"key": {"list"}, "value": {"[1, 2]"}})
	key := c.cookies["sessionid"]
	if key == "" {
		t.Fatal("set did not create a session cookie")
	}

	r := c.get("/session?op=get&key=color")
	wantContains(t, r, "request.session.get(&#34;color&#34;)", "&#34;light blue&#34;")
	r = c.get("/session?op=get&key=missing")
	wantContains(t, r, "None — there is no such key")
	r = c.get("/session?op=keys")
	wantContains(t, r, "[&#34;n&#34;,&#34;color&#34;,&#34;list&#34;]")
	r = c.get("/session?op=items")
	wantContains(t, r, "[[&#34;n&#34;,42],[&#34;color&#34;,&#34;light blue&#34;],[&#34;list&#34;,[1,2]]]")

	_, page = c.follow("/session/pop", url.Values{"key": {"n"}})
	if !strings.Contains(lastPanel(t, page), `request.session.pop("n") returned 42`) {
		t.Error("pop's result is not shown")
	}
	_, page = c.follow("/session/pop", url.Values{"key": {"n"}})
	if !strings.Contains(lastPanel(t, page), "KeyError") {
		t.Error("pop of a missing key is not reported")
	}

	_, page = c.follow("/session/expiry", url.Values{"mode": {"seconds"}, "seconds": {"300"}})
	wantContains(t, page, `<code id="expiry-age">300</code>`)
	_, page = c.follow("/session/expiry", url.Values{"mode": {"browser-close"}})
	wantContains(t, page, `<code id="browser-close">True</code>`)
	_, page = c.follow("/session/expiry", url.Values{"mode": {"default"}})
	wantContains(t, page, `<code id="expiry-age">1209600</code>`, `<code id="browser-close">False</code>`)
	at := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Minute)
	_, page = c.follow("/session/expiry", url.Values{"mode": {"date"}, "date": {at.Format("2006-01-02T15:04")}, "tz": {"0"}})
	wantContains(t, page, `<code id="expiry-date">`+at.Format(time.RFC3339)+`</code>`)
	// The browser's time zone: 60 minutes west of UTC.
	_, page = c.follow("/session/expiry", url.Values{"mode": {"date"}, "date": {at.Format("2006-01-02T15:04")}, "tz": {"60"}})
	wantContains(t, page, `<code id="expiry-date">`+at.Add(time.Hour).Format(time.RFC3339)+`</code>`)
	for _, bad := range []url.Values{
		{"mode": {"seconds"}, "seconds": {"soon"}},
		{"mode": {"date"}, "date": {"tomorrow"}},
		{"mode": {"weekly"}},
	} {
		_, page = c.follow("/session/expiry", bad)
		if p := lastPanel(t, page); !strings.Contains(p, "set_expiry: ") || !strings.Contains(page.body, `class="card last failed"`) {
			t.Errorf("bad expiry %v not reported as an error:\n%s", bad, p)
		}
	}

	_, page = c.follow("/session/cycle", nil)
	if nk := c.cookies["sessionid"]; nk == "" || nk == key {
		t.Errorf("cycle_key kept the key %q", nk)
	}
	wantContains(t, page, "<code>color</code>")

	_, page = c.follow("/session/clear", nil)
	wantContains(t, page, "The session is empty.")
	if c.cookies["sessionid"] == "" {
		t.Error("clear dropped the cookie; it must keep the key")
	}

	_, page = c.follow("/session/clear-expired", nil)
	if !strings.Contains(lastPanel(t, page), "deleted 0 expired session(s)") {
		t.Errorf("clear_expired: %s", lastPanel(t, page))
	}

	_, page = c.follow("/session/flush", nil)
	if _, ok := c.cookies["sessionid"]; ok {
		t.Error("flush kept the cookie")
	}
	wantContains(t, page, `<code id="session-key">None</code>`)
}

func TestSessionPageClearExpiredNotSupported(t *testing.T) {
	ms := memstore.New(0)
	defer ms.Close()
	s, _ := newTestServer(t, plainStore{ms})
	_, page := newClient(t, s).follow("/session/clear-expired", nil)
	if !strings.Contains(lastPanel(t, page), "does not clear expired sessions") {
		t.Errorf("got %s", lastPanel(t, page))
	}
}

func TestCookiesPage(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	post, page := c.follow("/cookies/set", url.Values{
		"key": {"flavor"}, "value": {"chocolate chip"}, "max_age": {"3600"}, "path": {"/"},
		"httponly": {"1"}, "samesite": {"Strict"},
	})
	line := post.Header.Get("Set-Cookie")
	for _, want := range []string{`flavor="chocolate chip"`, "Max-Age=3600", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(line, want) {
			t.Errorf("Set-Cookie %q lacks %q", line, want)
		}
	}
	if !strings.Contains(lastPanel(t, page), line) {
		t.Error("the panel does not show the Set-Cookie header")
	}
	// request.COOKIES lists it, and the script is told its name.
	wantContains(t, page, `<code>flavor</code>`, `chocolate chip`, `data-names="[&#34;flavor&#34;]"`)

	// expires as the browser's datetime-local, in its time zone.
	at := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Minute)
	post, _ = c.follow("/cookies/set", url.Values{"key": {"e"}, "value": {"1"}, "expires": {at.Format("2006-01-02T15:04")}, "tz": {"0"}})
	if line := post.Header.Get("Set-Cookie"); !strings.Contains(line, "expires="+at.Format(http.TimeFormat)) {
		t.Errorf("expires: Set-Cookie %q", line)
	}

	post, page = c.follow("/cookies/delete", url.Values{"key": {"flavor"}, "path": {"/"}})
	if line := post.Header.Get("Set-Cookie"); !strings.HasPrefix(line, `flavor=""; expires=Thu, 01 Jan 1970`) {
		t.Errorf("delete_cookie sent %q", line)
	}
	if _, ok := c.cookies["flavor"]; ok {
		t.Error("the cookie was not deleted")
	}

	for _, bad := range []url.Values{
		{"key": {"a b"}},
		{"key": {""}},
		{"key": {"a"}, "samesite": {"Sometimes"}},
		{"key": {"a"}, "max_age": {"ten"}},
		{"key": {"a"}, "expires": {"next week"}},
	} {
		post, page := c.follow("/cookies/set", bad)
		if post.Header.Get("Set-Cookie") != "" || !strings.Contains(lastPanel(t, page), "set_cookie failed") {
			t.Errorf("bad set_cookie %v: %v\n%s", bad, post.Header.Values("Set-Cookie"), lastPanel(t, page))
		}
	}
	if _, page := c.follow("/cookies/delete", url.Values{"key": {""}}); !strings.Contains(lastPanel(t, page), "delete_cookie failed") {
		t.Error("delete_cookie without a key is not reported")
	}
}

func TestSignedCookies(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	post, page := c.follow("/cookies/signed", url.Values{"key": {"greeting"}, "value": {"hello"}, "salt": {"demo"}})
	if v := c.cookies["greeting"]; !strings.HasPrefix(v, "hello:") || strings.Count(v, ":") != 2 {
		t.Fatalf("signed cookie value %q, want hello:timestamp:signature", v)
	}
	if !strings.Contains(post.Header.Get("Location"), "signed_key=greeting") {
		t.Errorf("Location %q does not read the cookie back", post.Header.Get("Location"))
	}
	wantContains(t, page, `id="signed-result"`, "&#34;hello&#34;")

	// The wrong salt, a changed value, a missing cookie, an expired one.
	wantContains(t, c.get("/cookies?signed_key=greeting&signed_salt=other"), "BadSignature")
	good := c.cookies["greeting"]
	c.cookies["greeting"] = "HELLO" + good[5:]
	wantContains(t, c.get("/cookies?signed_key=greeting&signed_salt=demo"), "BadSignature")
	c.cookies["greeting"] = good
	wantContains(t, c.get("/cookies?signed_key=nothing"), "no cookie")
	wantContains(t, c.get("/cookies?signed_key=greeting&signed_salt=demo&signed_max_age=x"), "max_age must be")

	s.signer.Now = func() time.Time { return time.Now().Add(time.Hour) }
	wantContains(t, c.get("/cookies?signed_key=greeting&signed_salt=demo&signed_max_age=60"), "SignatureExpired")

	if _, page := c.follow("/cookies/signed", url.Values{"key": {"bad key"}}); !strings.Contains(lastPanel(t, page), "set_signed_cookie failed") {
		t.Error("a bad signed cookie name is not reported")
	}
}

func TestFormPostTooLarge(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	_, page := c.follow("/session/set", url.Values{"key": {"k"}, "value": {strings.Repeat("v", maxBody)}})
	if !strings.Contains(lastPanel(t, page), "the form could not be read") {
		t.Errorf("an oversized form: %s", lastPanel(t, page))
	}
}
