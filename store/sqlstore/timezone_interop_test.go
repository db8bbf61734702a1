package sqlstore_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

// TestDjangoLocalTimeZone: a Django project with USE_TZ = False and
// TIME_ZONE = "America/New_York" writes expire_date as naive New York
// date-times (SQLite, MariaDB). With Config.Location set to that zone the
// Go store reads a one-hour session Django wrote as one hour away, keeps it
// through ClearExpired, and writes expiry dates Django reads back exactly;
// on PostgreSQL the same settings work because the column holds instants.
// Without Location the store would read the session as expired four or
// five hours ago and delete it.
func TestDjangoLocalTimeZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	eachDjango(t, sqlstore.Config{Location: ny}, func(t *testing.T, version string, d *djangoDB) {
		goKey := sessionkit.NewKey()
		goExpiry := time.Now().Add(time.Hour).Truncate(time.Second).Add(654321 * time.Microsecond)
		signer := sessionSigner(t)
		token := signer.SignPayload([]byte(`{"who":"go"}`), true)
		if _, err := d.store.Create(t.Context(), goKey, sessionkit.Record{Data: []byte(token), Expiry: goExpiry}); err != nil {
			t.Fatal(err)
		}
		if d.name != "Postgres" {
			var raw string
			if err := d.db.QueryRow(`SELECT CAST(expire_date AS CHAR) FROM ` + djangoTable(d) + ` WHERE session_key = '` + goKey + `'`).Scan(&raw); err != nil {
				t.Fatal(err)
			}
			if want := goExpiry.In(ny).Format("2006-01-02 15:04:05.000000"); raw != want {
				t.Errorf("Go wrote expire_date %q, want New York's wall clock %q", raw, want)
			}
		}
		start := time.Now()
		res := runDjango(t, version, d, []map[string]any{
			{"op": "read", "key": goKey},
			{"op": "write", "data": map[string]any{"who": "django"}, "expiry": 3600},
			{"op": "write", "data": map[string]any{"who": "expired"}, "expiry": -600},
		})
		end := time.Now()

		// Go wrote, Django reads the right expiry and sees it live.
		if !res[0].Found || !res[0].Live {
			t.Errorf("Django found=%v live=%v for the Go session that expires in an hour", res[0].Found, res[0].Live)
		} else if got := parseDjangoTime(t, res[0].ExpireDate, ny); !got.Equal(goExpiry) {
			t.Errorf("Django read expire_date %s (%v), want %v", res[0].ExpireDate, got, goExpiry)
		}

		// Django wrote, Go reads an hour ahead and keeps it.
		djKey := res[1].Key
		rec, err := d.store.Load(t.Context(), djKey)
		if err != nil {
			t.Fatalf("Load of Django's one-hour session: %v", err)
		}
		if lo, hi := start.Add(time.Hour-time.Second), end.Add(time.Hour+time.Second); rec.Expiry.Before(lo) || rec.Expiry.After(hi) {
			t.Errorf("Expiry of Django's one-hour session = %v, want between %v and %v", rec.Expiry, lo, hi)
		}
		if want := parseDjangoTime(t, res[1].ExpireDate, ny); !rec.Expiry.Equal(want) {
			t.Errorf("Expiry = %v, want Django's expire_date %s", rec.Expiry, res[1].ExpireDate)
		}
		if _, err := d.store.Load(t.Context(), res[2].Key); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("Load of the session Django expired ten minutes ago = %v, want ErrNotFound", err)
		}
		if n, err := d.store.ClearExpired(t.Context()); err != nil || n != 1 {
			t.Errorf("ClearExpired = %d, %v; want only the expired session removed", n, err)
		}
		for _, key := range []string{djKey, goKey} {
			if _, err := d.store.Load(t.Context(), key); err != nil {
				t.Errorf("after ClearExpired, Load(%s) = %v", key, err)
			}
		}
	})
}

// djangoTable is the django_session table of d, qualified on MariaDB.
func djangoTable(d *djangoDB) string {
	if name, ok := d.settings["NAME"].(string); ok && d.name == "MariaDB" {
		return name + ".django_session"
	}
	return "django_session"
}

// parseDjangoTime reads Django's expire_date.isoformat(): with an offset
// when Django knows it, naive (in loc) with USE_TZ = False.
func parseDjangoTime(t *testing.T, s string, loc *time.Location) time.Time {
	t.Helper()
	if strings.ContainsAny(s[len("2006-01-02T"):], "+-Z") {
		return parseISO(t, s)
	}
	v, err := time.ParseInLocation("2006-01-02T15:04:05.999999", s, loc)
	if err != nil {
		t.Fatalf("Django's expire_date %q: %v", s, err)
	}
	return v
}
