package sqlstore

import (
	"testing"
	"time"
)

// TestNaiveTimesInLocation: with a Location, naive date-times are written
// and read as that zone's wall clock (Django's USE_TZ = False); RFC 3339
// text keeps its own offset and PostgreSQL's instants are untouched.
func TestNaiveTimesInLocation(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	instant := time.Date(2030, 1, 15, 17, 30, 0, 250000000, time.UTC) // 12:30:00.25 EST
	sqlite := &Store{dialect: SQLite, django: true, loc: ny}
	if got := sqlite.encodeTime(instant); got != "2030-01-15 12:30:00.250000" {
		t.Errorf("SQLite encodeTime = %v, want New York's wall clock", got)
	}
	mysql := &Store{dialect: MySQL, django: true, loc: ny}
	if got := mysql.encodeTime(instant); got != "2030-01-15 12:30:00.250000" {
		t.Errorf("MySQL encodeTime = %v", got)
	}
	pg := &Store{dialect: Postgres, django: true, loc: ny}
	if got, ok := pg.encodeTime(instant).(time.Time); !ok || !got.Equal(instant) {
		t.Errorf("Postgres encodeTime = %v, want the instant", got)
	}
	for _, src := range []any{
		"2030-01-15 12:30:00.25",
		[]byte("2030-01-15 12:30:00.250000"),
		"2030-01-15T17:30:00.25Z",
		time.Date(2030, 1, 15, 12, 30, 0, 250000000, time.UTC), // a driver's naive value
	} {
		e := expiryScanner{dialect: SQLite, loc: ny}
		if err := e.Scan(src); err != nil || !e.t.Equal(instant) {
			t.Errorf("Scan(%v) in New York = %v, %v; want %v", src, e.t, err, instant)
		}
	}
	e := expiryScanner{dialect: Postgres, loc: ny}
	if err := e.Scan(instant.In(ny)); err != nil || !e.t.Equal(instant) {
		t.Errorf("Postgres Scan = %v, %v", e.t, err)
	}
	// The range clamp applies to the wall clock, so the year stays four
	// digits east of UTC.
	tokyo := &Store{dialect: SQLite, django: true, loc: time.FixedZone("JST", 9*3600)}
	if got := tokyo.encodeTime(time.Date(9999, 12, 31, 23, 0, 0, 0, time.UTC)); got != "9999-12-31 23:59:59.999999" {
		t.Errorf("far future east of UTC = %v", got)
	}
}
