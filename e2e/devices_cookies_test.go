package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestSignedCookiesLogOutOthers: signed cookies cannot be listed, but one
// browser logs the other out through the revocation time serve keeps in
// DATABASE_URL's database, and stays logged in itself.
func TestSignedCookiesLogOutOthers(t *testing.T) {
	srv := startServer(t, map[string]string{"SESSION_ENGINE": "signed_cookies"})
	laptop, phone := newBrowser(t), newBrowser(t)
	laptop.login(srv.URL, "bob", "builder", false)
	phone.login(srv.URL, "bob", "builder", false)
	laptop.open(srv.URL + "/shop")
	if !laptop.has("#sessions-note") || !laptop.has("#logout-others") {
		t.Fatal("the shop on signed cookies offers no way to log out the other sessions")
	}
	laptop.submit(chromedp.Click(chromedp.ID("logout-others")))
	phone.open(srv.URL + "/shop")
	if !phone.has("#login-form") || phone.has("#username") {
		t.Error("the phone's cookie still logs in after the laptop logged the others out")
	}
	laptop.open(srv.URL + "/shop")
	if got := laptop.text("username"); got != "bob" {
		t.Errorf("the laptop shows user %q, want bob", got)
	}
}
