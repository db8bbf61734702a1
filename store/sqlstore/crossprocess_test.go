package sqlstore_test

import (
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/sqlstore"
	"github.com/sessionkit/sessionkit/storetest"
)

// TestCrossProcess: two processes (this one and the test binary run again)
// share one SQLite file, in both layouts, and lose no write
// (storetest.CrossProcess).
func TestCrossProcess(t *testing.T) {
	for _, django := range []bool{false, true} {
		mode := "Native"
		if django {
			mode = "Django"
		}
		t.Run(mode, func(t *testing.T) {
			u := "sqlite:///" + filepath.Join(t.TempDir(), "sessions.db")
			storetest.CrossProcess(t, u, func(t *testing.T, u string) *sessionkit.Manager {
				st, err := sqlstore.Open(t.Context(), u, sqlstore.Config{Django: django, CreateTable: true})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				m := sessionkit.New(st)
				m.Logger = slog.New(slog.DiscardHandler)
				if django {
					m.Codec = &sessionkit.DjangoCodec{SecretKey: djangoSecret}
				}
				return m
			})
		})
	}
}
