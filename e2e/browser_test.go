package e2e

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/sessionkit/sessionkit/internal/testenv"
)

// stepTimeout bounds one browser step. The browser itself lives as long
// as the test: a timeout on the context of the first Run would kill it.
const stepTimeout = 30 * time.Second

// browser is a headless Chromium with a profile of its own (so, cookies of
// its own) and one tab.
type browser struct {
	t   *testing.T
	ctx context.Context

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

func chromiumPath(t testing.TB) string {
	p := os.Getenv("SESSIONKIT_CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if fi, err := os.Stat(p); err != nil || fi.IsDir() {
		testenv.Missing(t, "Chromium at "+p+" (Debian package chromium)")
	}
	return p
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, // Chromium refuses to run as root with its sandbox
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting Chromium: %v", err)
	}
	b := &browser{t: t, ctx: ctx}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m)
			b.mu.Unlock()
		}
	}()
	return b
}

// do runs steps with a timeout.
func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// submit runs steps that submit a form, waits for the page the form leads
// to, and checks that it loaded with 200.
func (b *browser) submit(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		b.t.Fatalf("browser: submitting a form: %v", err)
	}
	if res.Status != 200 {
		b.t.Fatalf("browser: the form led to %s with status %d", res.URL, res.Status)
	}
}

// open loads url and checks that it answered 200.
func (b *browser) open(url string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.Run(ctx, chromedp.NavigateResponse(url))
	if err != nil {
		b.t.Fatalf("browser: opening %s: %v", url, err)
	}
	if res.Status != 200 {
		b.t.Fatalf("browser: %s answered %d", url, res.Status)
	}
}

func run[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("browser: %v", err)
	}
	return v
}

// text returns the visible text of the element with the given id.
func (b *browser) text(id string) string {
	b.t.Helper()
	return run(b, chromedp.Text(chromedp.ID(id)))
}

// has reports whether an element matches the CSS selector.
func (b *browser) has(css string) bool {
	b.t.Helper()
	return run(b, chromedp.Evaluate[bool]("document.querySelector("+jsString(css)+") !== null"))
}

// shown reports whether an element matching the CSS selector is rendered
// (not display:none, itself or through an ancestor).
func (b *browser) shown(css string) bool {
	b.t.Helper()
	return run(b, chromedp.Evaluate[bool]("(e => e !== null && e.getClientRects().length > 0)(document.querySelector("+jsString(css)+"))"))
}

// cookies returns the browser's cookies for url, with every attribute.
func (b *browser) cookies(url string) map[string]*network.Cookie {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{url}})
	if err != nil {
		b.t.Fatalf("browser: Network.getCookies: %v", err)
	}
	m := make(map[string]*network.Cookie)
	for _, c := range res.Cookies {
		m[c.Name] = c
	}
	return m
}

// consoleErrors returns the errors and exceptions the pages logged, such
// as a script or style the Content-Security-Policy refused.
func (b *browser) consoleErrors() []string {
	time.Sleep(100 * time.Millisecond) // let the last messages arrive
	b.mu.Lock()
	defer b.mu.Unlock()
	var errs []string
	for _, m := range b.console {
		if m.Type == "error" || m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
			errs = append(errs, m.String())
		}
	}
	return errs
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// login fills in the shop's login form and submits it.
func (b *browser) login(base, user, password string, remember bool) {
	b.t.Helper()
	b.open(base + "/shop")
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.SendKeys(chromedp.ID("username-input"), user),
		chromedp.SendKeys(chromedp.ID("password-input"), password),
	}
	if remember {
		steps = append(steps, chromedp.Click(chromedp.ID("remember")))
	}
	b.do(steps...)
	b.submit(chromedp.Click(chromedp.ID("login")))
	if got := b.text("username"); got != user {
		b.t.Fatalf("after logging in the shop shows user %q, want %q", got, user)
	}
}
