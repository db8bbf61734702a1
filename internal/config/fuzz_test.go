package config

import (
	"strings"
	"testing"
)

// FuzzSettings gives every setting an arbitrary value from the environment:
// the settings resolve or fail with one line that names the setting, and
// never panic.
func FuzzSettings(f *testing.F) {
	for _, seed := range []string{"", "db", "1209600", "true", "Lax", "-1", "9223372036854775807", "\x00", "a,b,,c", "django.contrib.sessions.backends.file", "sqlite:///x.db"} {
		f.Add(seed, uint8(0))
	}
	f.Fuzz(func(t *testing.T, value string, which uint8) {
		st := settings[int(which)%len(settings)]
		s, err := resolve(t, nil, map[string]string{st.env: value})
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, st.env+"=") || strings.Contains(msg, "\n") {
				t.Fatalf("%s=%q: error %q does not name the setting in one line", st.env, value, msg)
			}
			return
		}
		if s.CookieAge <= 0 || s.IdleTimeout < 0 || s.Lifetime < 0 || s.Engine == "" || s.CookieName == "" {
			t.Fatalf("%s=%q resolved to impossible settings %+v", st.env, value, s)
		}
	})
}
