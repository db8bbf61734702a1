package sqlstore_test

import (
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

// TestUserIndexDjangoReads: with the per-user index table next to
// django_session (Config.UserIndex), a session the Manager saved with its
// device metadata loads in real Django, which ignores the unknown keys and
// the extra table; Django's save over it and its clear_expired work, and
// the user's sessions are still listed and revoked from Go.
func TestUserIndexDjangoReads(t *testing.T) {
	testenv.Python(t)
	for _, version := range testenv.DjangoVersions() {
		t.Run("Django"+version, func(t *testing.T) {
			for _, dd := range djangoDBs() {
				if dd.name != "SQLite" {
					continue
				}
				d := dd.open(t, sqlstore.Config{UserIndex: true})
				m := &sessionkit.Manager{Store: d.store, Codec: &sessionkit.DjangoCodec{SecretKey: djangoSecret}, TrackSessions: true}
				s := m.Open(t.Context(), "")
				s.Set(sessionkit.UserIDKey, "42")
				s.Set("cart", []string{"tee"})
				if err := s.Save(t.Context()); err != nil {
					t.Fatal(err)
				}
				res := runDjango(t, version, d, []map[string]any{
					{"op": "read", "key": s.Key()},
					{"op": "modify", "key": s.Key(), "data": map[string]any{"django": "was here"}},
					{"op": "clear_expired"},
				})
				if !res[0].Found || !res[0].Live || !strings.Contains(string(res[0].Data), `"_auth_user_id": "42"`) && !strings.Contains(string(res[0].Data), `"_auth_user_id":"42"`) {
					t.Fatalf("Django read found=%v live=%v data %s error %v", res[0].Found, res[0].Live, res[0].Data, res[0].Error)
				}
				if res[1].Error != nil || res[1].Key != s.Key() {
					t.Errorf("Django's save over the session: error %v, key %q", res[1].Error, res[1].Key)
				}
				infos, err := m.UserSessions(t.Context(), "42")
				if err != nil || len(infos) != 1 || infos[0].ID != sessionkit.KeyHash(s.Key()) || infos[0].Created.IsZero() {
					t.Fatalf("after Django's save, UserSessions = %+v, %v; want the one session with its metadata", infos, err)
				}
				if got := m.Open(t.Context(), s.Key()).Get("django"); got != "was here" {
					t.Errorf("Go reads Django's change as %v", got)
				}
				if n, err := m.DeleteUserSessions(t.Context(), "42"); err != nil || n != 1 {
					t.Errorf("DeleteUserSessions = %d, %v; want 1", n, err)
				}
				if res := runDjango(t, version, d, []map[string]any{{"op": "read", "key": s.Key()}}); res[0].Found {
					t.Error("Django still finds the revoked session")
				}
			}
		})
	}
}
