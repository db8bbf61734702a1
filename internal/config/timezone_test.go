package config

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
)

// TestTimeZoneSettings: USE_TZ and TIME_ZONE give the zone of Django's
// naive expiry dates; USE_TZ false without TIME_ZONE is refused rather
// than guessed.
func TestTimeZoneSettings(t *testing.T) {
	s, err := resolve(t, nil, map[string]string{"USE_TZ": "False", "TIME_ZONE": "America/New_York"})
	if err != nil {
		t.Fatal(err)
	}
	loc, err := s.Location()
	if err != nil || loc == nil || loc.String() != "America/New_York" {
		t.Errorf("Location() = %v, %v; want America/New_York", loc, err)
	}
	s, err = resolve(t, []string{"--use-tz=false"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Location(); err == nil || !strings.Contains(err.Error(), "TIME_ZONE") {
		t.Errorf("USE_TZ false without TIME_ZONE: Location() error = %v, want one naming TIME_ZONE", err)
	}
	s, err = resolve(t, nil, map[string]string{"TIME_ZONE": "America/New_York"})
	if err != nil {
		t.Fatal(err)
	}
	if loc, err := s.Location(); loc != nil || err != nil {
		t.Errorf("USE_TZ true: Location() = %v, %v; want nil (UTC)", loc, err)
	}
	if _, err := resolve(t, nil, map[string]string{"TIME_ZONE": "Mars/Olympus_Mons"}); err == nil || !strings.Contains(err.Error(), "TIME_ZONE") {
		t.Errorf("unknown TIME_ZONE: error = %v", err)
	}
	if _, err := resolve(t, nil, map[string]string{"DEFAULT_HASHING_ALGORITHM": "md5"}); err == nil || !strings.Contains(err.Error(), "DEFAULT_HASHING_ALGORITHM") {
		t.Errorf("DEFAULT_HASHING_ALGORITHM=md5: error = %v", err)
	}
}

// TestOpenWithDjangoTimeZone: the db engine opened with USE_TZ false and a
// TIME_ZONE writes expiry dates in that zone, as Django does, and refuses
// to open without the zone.
func TestOpenWithDjangoTimeZone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	env := map[string]string{
		"SESSIONKIT_DJANGO": "true", "SECRET_KEY": "a-long-django-secret-key-for-the-time-zone-test-0123456789",
		"DATABASE_URL": "sqlite:///" + path, "USE_TZ": "false",
	}
	s, err := resolve(t, nil, env)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Open(t.Context(), nil); err == nil || !strings.Contains(err.Error(), "TIME_ZONE") {
		t.Fatalf("Open with USE_TZ false and no TIME_ZONE: %v", err)
	}
	env["TIME_ZONE"] = "America/New_York"
	if s, err = resolve(t, nil, env); err != nil {
		t.Fatal(err)
	}
	m, closeStore, err := s.Open(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	exp := time.Date(2030, 7, 1, 12, 0, 0, 0, time.UTC)
	if _, err := m.Store.Create(t.Context(), "abcdefgh12345678abcdefgh12345678", sessionkit.Record{Data: []byte("x"), Expiry: exp}); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := openSQLite(t, path).QueryRow(`SELECT CAST(expire_date AS TEXT) FROM django_session`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "2030-07-01 08:00:00" { // EDT, UTC-4
		t.Errorf("expire_date = %q, want New York's wall clock 2030-07-01 08:00:00", got)
	}
}

func openSQLite(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
