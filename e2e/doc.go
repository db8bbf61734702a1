// Package e2e holds the browser tests of the sessionkit playground. They
// build the sessionkit command, run `sessionkit serve` on each engine as a
// real process on 127.0.0.1, and drive Debian's Chromium, headless, with
// chromedp:
//
//   - log in, view products, add to the cart, restart the server: the login,
//     the cart and "recently viewed" are still there (db, file, cache,
//     cached_db and signed_cookies engines);
//   - the HttpOnly session cookie is not in document.cookie;
//   - logging out removes the cookie, and the old key is refused afterwards;
//   - "remember me" gives a two-week cookie, its absence a browser-session one;
//   - every page loads with no console error (so the Content-Security-Policy
//     blocks nothing the pages need), and is screenshotted. With
//     SESSIONKIT_SCREENSHOTS=1 the screenshots replace docs/screenshots/*.png.
//
// Run them with `cd e2e && go test ./...`. Without /usr/bin/chromium (or
// SESSIONKIT_CHROMIUM) or a service an engine needs, the tests skip; under
// CI=true they fail instead. It is a module of its own so that the library
// never depends on chromedp.
package e2e
