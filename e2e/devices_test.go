package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestLogOutAnotherDevice: alice logs in from two browsers (two profiles,
// so two cookie jars); the first lists both devices with the browser's
// user agent and a last-seen time, logs the second out from the list, and
// the second finds itself logged out while the first stays in.
func TestLogOutAnotherDevice(t *testing.T) {
	srv := startServer(t, map[string]string{"SESSION_ENGINE": "db"})
	laptop, phone := newBrowser(t), newBrowser(t)
	laptop.login(srv.URL, "alice", "wonderland", false)
	phone.login(srv.URL, "alice", "wonderland", false)

	laptop.open(srv.URL + "/shop")
	rows := run(laptop, chromedp.Evaluate[int](`document.querySelectorAll("#sessions .session-row").length`))
	if rows != 2 {
		t.Fatalf("the laptop lists %d sessions, want 2", rows)
	}
	devices := run(laptop, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("#sessions .device")).map(e => e.textContent).join("|")`))
	if strings.Count(devices, "Chrome") != 2 {
		t.Errorf("the devices column shows %q, want the browser's user agent twice", devices)
	}
	if !laptop.has("#sessions .tag") || laptop.has("#sessions .session-row .tag ~ .logout-one") {
		t.Error("the current session is not marked")
	}
	laptop.submit(chromedp.Click(chromedp.CSS("#sessions .logout-one")))
	if got := run(laptop, chromedp.Evaluate[int](`document.querySelectorAll("#sessions .session-row").length`)); got != 1 {
		t.Errorf("after logging the phone out the laptop lists %d sessions, want 1", got)
	}

	phone.open(srv.URL + "/shop")
	if !phone.has("#login-form") || phone.has("#username") {
		t.Error("the phone is still logged in after the laptop logged it out")
	}
	laptop.open(srv.URL + "/shop")
	if got := laptop.text("username"); got != "alice" {
		t.Errorf("the laptop shows user %q after logging the phone out, want alice", got)
	}
}
