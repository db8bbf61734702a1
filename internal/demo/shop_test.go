package demo

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit/store/memstore"
)

func login(t *testing.T, c *client, name, password string, remember bool) *response {
	t.Helper()
	form := url.Values{"username": {name}, "password": {password}}
	if remember {
		form.Set("remember", "1")
	}
	post, _ := c.follow("/shop/login", form)
	return post
}

func TestShopRecentlyViewedAndCart(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	for _, id := range []string{"mug", "kettle", "tea", "mug", "grinder", "filters"} {
		wantStatus(t, c.get("/shop/products/"+id), http.StatusOK)
	}
	r := c.get("/api/session")
	if !strings.Contains(r.body, `"recently_viewed":["filters","grinder","mug","tea"]`) {
		t.Errorf("recently viewed, most recent first, four at most: %s", r.body)
	}
	page := c.get("/shop")
	recent := page.body[strings.Index(page.body, `id="recent"`):]
	if i, j := strings.Index(recent, "Paper filters"), strings.Index(recent, "Green tea sampler"); i < 0 || j < 0 || i > j {
		t.Error("the shop does not list the recently viewed products in order")
	}

	post, page := c.follow("/shop/cart/add", url.Values{"product": {"mug"}, "from": {"mug"}})
	if loc := post.Header.Get("Location"); !strings.HasPrefix(loc, "/shop/products/mug?") {
		t.Errorf("adding from a product page goes back to it: %q", loc)
	}
	c.follow("/shop/cart/add", url.Values{"product": {"mug"}})
	_, page = c.follow("/shop/cart/add", url.Values{"product": {"kettle"}})
	wantContains(t, page, `id="cart-count">3<`, `id="cart-total">$75.00<`, "× 2")
	if !strings.Contains(c.get("/api/session").body, `"cart":{"kettle":1,"mug":2}`) {
		t.Error("the cart is not in the session")
	}

	_, page = c.follow("/shop/cart/remove", url.Values{"product": {"mug"}})
	wantContains(t, page, `id="cart-total">$39.00<`)
	_, page = c.follow("/shop/cart/remove", url.Values{"product": {"kettle"}})
	wantContains(t, page, "The cart is empty.")
	if strings.Contains(c.get("/api/session").body, `"cart"`) {
		t.Error("an empty cart stays in the session")
	}

	for _, bad := range []url.Values{{"product": {"nothing"}}, {}} {
		_, page = c.follow("/shop/cart/add", bad)
		if !strings.Contains(lastPanel(t, page), "no such product") {
			t.Errorf("adding %v: %s", bad, lastPanel(t, page))
		}
	}
	_, page = c.follow("/shop/cart/remove", url.Values{"product": {"mug"}})
	if !strings.Contains(lastPanel(t, page), "not in the cart") {
		t.Errorf("removing what is not there: %s", lastPanel(t, page))
	}
}

func TestShopLoginLogout(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	c.follow("/shop/cart/add", url.Values{"product": {"tea"}})
	anonymous := c.cookies["sessionid"]

	_, page := c.follow("/shop/login", url.Values{"username": {"alice"}, "password": {"wrong"}})
	if !strings.Contains(lastPanel(t, page), "Wrong username or password") || c.cookies["sessionid"] != anonymous {
		t.Error("a wrong password logged in or changed the session")
	}
	_, page = c.follow("/shop/login", url.Values{"username": {"mallory"}, "password": {"x"}})
	if !strings.Contains(lastPanel(t, page), "Wrong username or password") {
		t.Error("an unknown user is not refused")
	}

	post := login(t, c, "alice", "wonderland", false)
	ck := post.setCookie("sessionid")
	if ck == nil || ck.Value == anonymous {
		t.Fatalf("login did not cycle the key: %v", post.Header.Values("Set-Cookie"))
	}
	if ck.MaxAge != 0 || !ck.Expires.IsZero() {
		t.Errorf("without remember me the cookie must end with the browser: %q", post.Header.Get("Set-Cookie"))
	}
	page = c.get("/shop")
	wantContains(t, page, `id="username">alice<`, "until the browser closes", "Green tea sampler")
	// The key from before the login no longer works.
	fixation := newClient(t, s)
	fixation.cookies["sessionid"] = anonymous
	if strings.Contains(fixation.get("/shop").body, `id="username"`) {
		t.Error("the pre-login key is logged in")
	}

	loggedIn := c.cookies["sessionid"]
	post, page = c.follow("/shop/logout", nil)
	if ck := post.setCookie("sessionid"); ck == nil || ck.MaxAge >= 0 {
		t.Errorf("logout did not delete the cookie: %v", post.Header.Values("Set-Cookie"))
	}
	wantContains(t, page, `id="login-form"`, "The cart is empty.")
	old := newClient(t, s)
	old.cookies["sessionid"] = loggedIn
	if r := old.get("/api/session"); r.json(t)["session_key"] != nil {
		t.Errorf("the logged-out key still works: %s", r.body)
	}
}

func TestShopRememberMe(t *testing.T) {
	s, _ := newTestServer(t, nil)
	c := newClient(t, s)
	post := login(t, c, "bob", "builder", true)
	ck := post.setCookie("sessionid")
	if ck == nil || ck.MaxAge != int(rememberFor.Seconds()) || ck.Expires.IsZero() {
		t.Errorf("remember me: cookie %q, want Max-Age=%d and expires", post.Header.Get("Set-Cookie"), int(rememberFor.Seconds()))
	}
	wantContains(t, c.get("/shop"), `id="username">bob<`, "remembered until")
}

func TestShopYourSessions(t *testing.T) {
	s, _ := newTestServer(t, nil)
	laptop, phone, other := newClient(t, s), newClient(t, s), newClient(t, s)
	login(t, laptop, "alice", "wonderland", true)
	login(t, phone, "alice", "wonderland", false)
	login(t, other, "bob", "builder", false)

	page := laptop.get("/shop")
	table := page.body[strings.Index(page.body, `id="sessions"`):]
	table = table[:strings.Index(table, "</table>")]
	if n := strings.Count(table, `class="session-row"`); n != 2 {
		t.Errorf("alice has %d sessions listed, want 2:\n%s", n, table)
	}
	if strings.Count(table, "this one") != 1 {
		t.Error("the current session is not marked once")
	}

	_, page = laptop.follow("/shop/sessions/logout-others", nil)
	if !strings.Contains(lastPanel(t, page), "Logged out 1 other session(s).") {
		t.Errorf("log out the others: %s", lastPanel(t, page))
	}
	if strings.Contains(phone.get("/shop").body, `id="username"`) {
		t.Error("the phone is still logged in")
	}
	wantContains(t, other.get("/shop"), `id="username">bob<`)
	wantContains(t, laptop.get("/shop"), `id="username">alice<`)

	anon := newClient(t, s)
	if _, page := anon.follow("/shop/sessions/logout-others", nil); !strings.Contains(lastPanel(t, page), "Log in first") {
		t.Error("logging out others without a login is not refused")
	}
}

func TestShopSessionsNotListed(t *testing.T) {
	ms := memstore.New(0)
	defer ms.Close()
	s, _ := newTestServer(t, plainStore{ms})
	c := newClient(t, s)
	login(t, c, "alice", "wonderland", false)
	wantContains(t, c.get("/shop"), `id="sessions-note"`, "keeps no per-user index")
	if _, page := c.follow("/shop/sessions/logout-others", nil); !strings.Contains(lastPanel(t, page), "keeps no per-user index") {
		t.Error("log out the others on a store without an index is not explained")
	}
}

// TestShopLogOutOneDevice: the device list shows user agents and logs one
// other device out.
func TestShopLogOutOneDevice(t *testing.T) {
	s, _ := newTestServer(t, nil)
	laptop, phone := newClient(t, s), newClient(t, s)
	laptop.header.Set("User-Agent", "Laptop/1")
	phone.header.Set("User-Agent", "Phone/1")
	login(t, laptop, "alice", "wonderland", false)
	login(t, phone, "alice", "wonderland", false)
	page := laptop.get("/shop")
	wantContains(t, page, `<td class="device">Laptop/1</td>`, `<td class="device">Phone/1</td>`)
	row := page.body[strings.Index(page.body, `<td class="device">Phone/1</td>`)-100:]
	id := row[strings.Index(row, `data-id="`)+len(`data-id="`):]
	id = id[:strings.Index(id, `"`)]
	_, page = laptop.follow("/shop/sessions/logout", url.Values{"id": {id}})
	if !strings.Contains(lastPanel(t, page), "Logged out that session.") {
		t.Errorf("log out the phone: %s", lastPanel(t, page))
	}
	if strings.Contains(phone.get("/shop").body, `id="username"`) {
		t.Error("the phone is still logged in")
	}
	wantContains(t, laptop.get("/shop"), `id="username">alice<`)
}
