package e2e

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/sessionkit/sessionkit/internal/testenv"
)

// engines are the settings of each engine whose sessions outlive the
// server process.
func engines(t *testing.T) []struct {
	name     string
	settings func(t *testing.T) map[string]string
} {
	return []struct {
		name     string
		settings func(t *testing.T) map[string]string
	}{
		{"db", func(t *testing.T) map[string]string {
			return map[string]string{"SESSION_ENGINE": "db"} // sqlite:///sessionkit.db in the server's directory
		}},
		{"db_django", func(t *testing.T) map[string]string {
			return map[string]string{"SESSION_ENGINE": "django.contrib.sessions.backends.db", "SESSIONKIT_DJANGO": "true", "SECRET_KEY": "e2e-django-secret"}
		}},
		{"file", func(t *testing.T) map[string]string {
			return map[string]string{"SESSION_ENGINE": "file", "SESSION_FILE_PATH": t.TempDir()}
		}},
		{"cache_redis", func(t *testing.T) map[string]string {
			return map[string]string{"SESSION_ENGINE": "cache", "CACHE_URL": "redis://" + testenv.RedisAddr(t) + "/0"}
		}},
		{"cache_memcached", func(t *testing.T) map[string]string {
			return map[string]string{"SESSION_ENGINE": "cache", "CACHE_URL": "memcached://" + strings.Join(testenv.MemcachedAddrs(t), ",")}
		}},
		{"cached_db", func(t *testing.T) map[string]string {
			return map[string]string{"SESSION_ENGINE": "cached_db", "CACHE_URL": "redis://" + testenv.RedisAddr(t) + "/0",
				"DATABASE_URL": "sqlite:///" + filepath.Join(t.TempDir(), "sessions.db")}
		}},
		{"signed_cookies", func(t *testing.T) map[string]string {
			return map[string]string{"SESSION_ENGINE": "signed_cookies"} // the generated key is kept on disk
		}},
	}
}

// TestCartSurvivesRestart logs in, views a product, adds it to the cart,
// restarts the server — a new process on the same store — and finds the
// login, the cart and "recently viewed" still there.
func TestCartSurvivesRestart(t *testing.T) {
	for _, e := range engines(t) {
		t.Run(e.name, func(t *testing.T) {
			settings := e.settings(t)
			// The server first, so that the browser, cleaned up first,
			// closes its connections before the server shuts down.
			srv := startServer(t, settings)
			b := newBrowser(t)

			b.login(srv.URL, "alice", "wonderland", true)
			b.open(srv.URL + "/shop/products/kettle")
			if !strings.Contains(b.text("recent"), "Pour-over kettle") {
				t.Fatal("the product page is not in recently viewed")
			}
			b.submit(chromedp.Click(chromedp.ID("add-to-cart")))
			b.submit(chromedp.Click(chromedp.ID("add-to-cart")))
			b.open(srv.URL + "/shop/products/mug")
			b.submit(chromedp.Click(chromedp.ID("add-to-cart")))
			b.open(srv.URL + "/shop")
			if got := b.text("cart-total"); got != "$96.00" {
				t.Fatalf("cart total %q before the restart, want $96.00", got)
			}

			srv.restart()

			b.open(srv.URL + "/shop")
			if got := b.text("username"); got != "alice" {
				t.Errorf("after the restart the shop shows user %q, want alice", got)
			}
			if got := b.text("cart-total"); got != "$96.00" {
				t.Errorf("after the restart the cart total is %q, want $96.00", got)
			}
			cart := b.text("cart")
			if !strings.Contains(cart, "Pour-over kettle") || !strings.Contains(cart, "× 2") || !strings.Contains(cart, "Stoneware mug") {
				t.Errorf("after the restart the cart shows %q", cart)
			}
			if recent := b.text("recent"); !strings.Contains(recent, "Stoneware mug") || !strings.Contains(recent, "Pour-over kettle") {
				t.Errorf("after the restart recently viewed shows %q", recent)
			}
			if errs := b.consoleErrors(); len(errs) > 0 {
				t.Errorf("console errors: %q", errs)
			}
		})
	}
}

// TestHttpOnlyCookieHiddenFromScript: the page's script cannot read the
// session cookie, which the server receives; it can read a cookie set
// without HttpOnly.
func TestHttpOnlyCookieHiddenFromScript(t *testing.T) {
	srv := startServer(t, map[string]string{"SESSION_ENGINE": "db"})
	b := newBrowser(t)
	b.login(srv.URL, "alice", "wonderland", false)

	// A script-readable cookie, set through the set_cookie form.
	b.open(srv.URL + "/cookies")
	b.do(
		chromedp.SendKeys(chromedp.CSS("#set-cookie-form input[name=key]"), "flavor"),
		chromedp.SendKeys(chromedp.CSS("#set-cookie-form input[name=value]"), "chocolate"),
	)
	b.submit(chromedp.Click(chromedp.CSS("#set-cookie-form button[type=submit]")))

	jar := b.cookies(srv.URL)
	sid := jar["sessionid"]
	if sid == nil || !sid.HTTPOnly || sid.SameSite != network.CookieSameSiteLax {
		t.Fatalf("the session cookie: %+v, want HttpOnly and SameSite=Lax", sid)
	}
	if f := jar["flavor"]; f == nil || f.HTTPOnly {
		t.Fatalf("the flavor cookie: %+v, want one without HttpOnly", f)
	}

	docCookie := run(b, chromedp.Evaluate[string]("document.cookie"))
	if strings.Contains(docCookie, "sessionid") || strings.Contains(docCookie, sid.Value) {
		t.Errorf("document.cookie = %q shows the HttpOnly session cookie", docCookie)
	}
	if !strings.Contains(docCookie, "flavor=chocolate") {
		t.Errorf("document.cookie = %q lacks flavor=chocolate", docCookie)
	}
	// The page shows the difference: the server's table has sessionid,
	// tagged HttpOnly by the script; the script's table does not.
	if server := b.text("server-cookies"); !strings.Contains(server, "sessionid") || !strings.Contains(server, "flavor") {
		t.Errorf("request.COOKIES table: %q", server)
	}
	if js := b.text("js-cookies"); strings.Contains(js, "sessionid") || !strings.Contains(js, "flavor") {
		t.Errorf("document.cookie table: %q", js)
	}
	if !b.shown(`#server-cookies tr[data-name="sessionid"] .tag.httponly`) {
		t.Error("the session cookie is not marked HttpOnly on the page")
	}
	if b.shown(`#server-cookies tr[data-name="flavor"] .tag.httponly`) {
		t.Error("the flavor cookie is marked HttpOnly on the page")
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}
}

// TestLogoutRemovesCookieAndRefusesOldKey: logging out deletes the cookie in
// the browser, and a request that still carries the old key gets a new,
// empty session.
func TestLogoutRemovesCookieAndRefusesOldKey(t *testing.T) {
	srv := startServer(t, map[string]string{"SESSION_ENGINE": "db"})
	b := newBrowser(t)
	b.login(srv.URL, "bob", "builder", true)
	old := b.cookies(srv.URL)["sessionid"]
	if old == nil {
		t.Fatal("no session cookie after logging in")
	}

	b.submit(chromedp.Click(chromedp.ID("logout")))
	if c := b.cookies(srv.URL)["sessionid"]; c != nil {
		t.Errorf("the session cookie is still in the browser after logout: %+v", c)
	}
	if !b.has("#login-form") {
		t.Error("the shop does not offer the login form after logout")
	}

	// The old key, sent again (a copied cookie), is refused.
	req, _ := http.NewRequest("GET", srv.URL+"/api/session", nil)
	req.AddCookie(&http.Cookie{Name: "sessionid", Value: old.Value})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	json.NewDecoder(res.Body).Decode(&v)
	res.Body.Close()
	if v["session_key"] != nil || len(v["data"].(map[string]any)) != 0 {
		t.Errorf("the logged-out key still opens a session: %v", v)
	}
	// And in the browser too.
	b.do(chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{
			Name: "sessionid", Value: old.Value, URL: srv.URL, HTTPOnly: new(true),
		})
		return chromedp.Void{}, err
	}))
	b.open(srv.URL + "/shop")
	if !b.has("#login-form") || b.has("#username") {
		t.Error("the browser given the old cookie back is logged in")
	}
}

// TestRememberMe: "remember me" makes a persistent cookie that lasts two
// weeks; without it the cookie is a browser-session cookie.
func TestRememberMe(t *testing.T) {
	srv := startServer(t, map[string]string{"SESSION_ENGINE": "db"})

	b := newBrowser(t)
	b.login(srv.URL, "alice", "wonderland", false)
	c := b.cookies(srv.URL)["sessionid"]
	if c == nil || !c.Session || c.Expires != -1 {
		t.Errorf("without remember me: %+v, want a session cookie (session=true, expires=-1)", c)
	}
	if !strings.Contains(b.text("account"), "until the browser closes") {
		t.Error("the shop does not say the login ends with the browser")
	}

	r := newBrowser(t)
	r.login(srv.URL, "alice", "wonderland", true)
	c = r.cookies(srv.URL)["sessionid"]
	want := float64(time.Now().Add(14 * 24 * time.Hour).Unix())
	if c == nil || c.Session || math.Abs(c.Expires-want) > 120 {
		t.Errorf("with remember me: %+v, want a persistent cookie expiring near %v", c, time.Unix(int64(want), 0))
	}
	if !strings.Contains(r.text("account"), "remembered until") {
		t.Error("the shop does not say the login is remembered")
	}

	// Both are alice's sessions: the per-user index lists them, and one
	// logs out the other.
	if rows := run(r, chromedp.Evaluate[int](`document.querySelectorAll("#sessions tbody tr").length`)); rows != 2 {
		t.Errorf("your sessions lists %d, want 2", rows)
	}
	r.submit(chromedp.Click(chromedp.ID("logout-others")))
	if !strings.Contains(r.text("message"), "Logged out 1 other session") {
		t.Errorf("log out the others: %q", r.text("message"))
	}
	b.open(srv.URL + "/shop")
	if !b.has("#login-form") {
		t.Error("the other browser is still logged in")
	}
}
