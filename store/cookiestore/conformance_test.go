package cookiestore_test

import (
	"log/slog"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/cookiestore"
	"github.com/sessionkit/sessionkit/storetest"
)

func TestConformance(t *testing.T) {
	for _, django := range []bool{false, true} {
		name := "Native"
		// The cookie keeps the session: nothing to delete, no
		// concurrent logout to detect (Django's suite skips those
		// tests for signed_cookies). The Manager uses the JSON codec.
		opts := storetest.Options{ClientSide: true}
		if django {
			name = "Django"
			// As in Django, a cookie expires SESSION_COOKIE_AGE after
			// it was issued, whatever expiry the session set
			// (test_actual_expiry is an expected failure there).
			opts.IgnoresExpiry = true
		}
		t.Run(name, func(t *testing.T) {
			clock := storetest.NewClock()
			opts.Clock = clock
			storetest.Run(t, func(t *testing.T) sessionkit.Store {
				s, err := cookiestore.New(cookiestore.Config{SecretKey: djangoSecret, Django: django, Now: clock.Now, Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					t.Fatal(err)
				}
				return s
			}, opts)
		})
	}
}
