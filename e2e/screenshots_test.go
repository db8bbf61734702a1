package e2e

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// screenshots lists the images TestScreenshots writes, in the order the
// README shows them.
var screenshots = []string{"overview", "cookies", "session", "shop", "product", "shop-phone"}

// TestScreenshots walks through every page in the browser, with data in
// the session and cookies set, and screenshots each one. Every page must
// load without a console error. With SESSIONKIT_SCREENSHOTS=1 the images
// replace docs/screenshots/*.png; otherwise they go to the test's artifact
// directory (see go test -artifacts).
func TestScreenshots(t *testing.T) {
	srv := startServer(t, map[string]string{"SESSION_ENGINE": "db"})
	b := newBrowser(t)
	dir := t.ArtifactDir()
	if os.Getenv("SESSIONKIT_SCREENSHOTS") == "1" {
		dir = filepath.Join("..", "docs", "screenshots")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	shot := func(name string, width int) {
		t.Helper()
		img := run(b, chromedp.FullScreenshot(100)) // quality 100: PNG
		cfg, err := png.DecodeConfig(bytes.NewReader(img))
		if err != nil {
			t.Fatalf("%s: not a PNG: %v", name, err)
		}
		if cfg.Width != width || cfg.Height < 400 {
			t.Errorf("%s: %dx%d, want %d wide and a full page", name, cfg.Width, cfg.Height, width)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), img, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	b.open(srv.URL + "/")
	shot("overview", 1280)

	// The shop: logged in, two products viewed, three items in the cart.
	b.login(srv.URL, "alice", "wonderland", true)
	b.open(srv.URL + "/shop/products/grinder")
	b.submit(chromedp.Click(chromedp.ID("add-to-cart")))
	b.open(srv.URL + "/shop/products/espresso")
	b.submit(chromedp.Click(chromedp.ID("add-to-cart")))
	b.submit(chromedp.Click(chromedp.ID("add-to-cart")))
	shot("product", 1280)
	b.open(srv.URL + "/shop")
	shot("shop", 1280)

	// Cookies: one readable by scripts, one signed; the session cookie is
	// HttpOnly.
	b.open(srv.URL + "/cookies")
	b.do(
		chromedp.SendKeys(chromedp.CSS("#set-cookie-form input[name=key]"), "flavor"),
		chromedp.SendKeys(chromedp.CSS("#set-cookie-form input[name=value]"), "chocolate"),
		chromedp.SendKeys(chromedp.CSS("#set-cookie-form input[name=max_age]"), "3600"),
	)
	b.submit(chromedp.Click(chromedp.CSS("#set-cookie-form button[type=submit]")))
	b.do(
		chromedp.SendKeys(chromedp.CSS(`form[action="/cookies/signed"] input[name=key]`), "greeting"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/cookies/signed"] input[name=value]`), "hello"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/cookies/signed"] input[name=salt]`), "demo"),
	)
	b.submit(chromedp.Click(chromedp.CSS(`form[action="/cookies/signed"] button`)))
	shot("cookies", 1280)

	// The session page after session["color"] = "blue": its data, and the
	// Set-Cookie and Vary of that response.
	b.open(srv.URL + "/session")
	b.do(
		chromedp.SendKeys(chromedp.CSS("#set-form input[name=key]"), "color"),
		chromedp.SendKeys(chromedp.CSS("#set-form input[name=value]"), `"blue"`),
	)
	b.submit(chromedp.Click(chromedp.CSS("#set-form button")))
	shot("session", 1280)

	// The shop on a phone.
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait))
	b.open(srv.URL + "/shop")
	shot("shop-phone", 390)

	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}
}
