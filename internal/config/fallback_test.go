package config

import (
	"context"
	"path/filepath"
	"testing"
)

// Django's fallback-key tests (signing's test_default_keys_verification,
// reached through the settings as SECRET_KEY_FALLBACKS): data signed with
// an old SECRET_KEY still loads once that key is a fallback, both the
// session_data of the Django codec and the signed-cookie store's cookie,
// and no longer loads when the fallback goes.
func TestSecretKeyFallbacks(t *testing.T) {
	ctx := context.Background()
	for _, engine := range []string{EngineDB, EngineSignedCookies} {
		t.Run(engine, func(t *testing.T) {
			db := "sqlite:///" + filepath.Join(t.TempDir(), "sessions.db")
			open := func(key string, fallbacks ...string) *Settings {
				s := Defaults()
				s.Engine, s.Django, s.DatabaseURL = engine, true, db
				s.SecretKey, s.SecretKeyFallbacks = key, fallbacks
				return &s
			}
			// A session written under the old key.
			m, closeStore, err := open("old-secret-key-0123456789").Open(ctx, quiet)
			if err != nil {
				t.Fatal(err)
			}
			s := m.Open(ctx, "")
			s.Set("user", "alice")
			if err := s.Save(ctx); err != nil {
				t.Fatal(err)
			}
			key := s.Key()
			closeStore()

			for _, tc := range []struct {
				settings *Settings
				want     any
			}{
				{open("new-secret-key-0123456789", "other-old-key-0123456789", "old-secret-key-0123456789"), "alice"},
				{open("new-secret-key-0123456789"), nil},
			} {
				m, closeStore, err := tc.settings.Open(ctx, quiet)
				if err != nil {
					t.Fatal(err)
				}
				if got := m.Open(ctx, key).Get("user"); got != tc.want {
					t.Errorf("SECRET_KEY_FALLBACKS=%q: user = %v, want %v", tc.settings.SecretKeyFallbacks, got, tc.want)
				}
				closeStore()
			}
		})
	}
}
