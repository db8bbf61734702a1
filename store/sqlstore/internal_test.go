package sqlstore

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/sessionkit/sessionkit"
)

func TestDjangoIndexName(t *testing.T) {
	for _, tc := range []struct {
		d                     Dialect
		table, column, suffix string
		want                  string
	}{
		// From Django 3.2's sqlmigrate sessions 0001 (SPEC §6.1).
		{SQLite, "django_session", "expire_date", "", "django_session_expire_date_a5c62663"},
		{Postgres, "django_session", "expire_date", "", "django_session_expire_date_a5c62663"},
		{Postgres, "django_session", "session_key", "_like", "django_session_session_key_c0390e0f_like"},
		// Too long for PostgreSQL's 63 characters: Django's shortening.
		// Expected names printed by Django 3.2's _create_index_name.
		{Postgres, "a_very_long_session_table_name_for_testing", "expire_date", "", "a_very_long_session_table_name_for_testing_expire_date_93a10410"},
		{Postgres, "a_very_long_session_table_name_for_testing_purposes", "expire_date", "", "a_very_long_session_table__expire_date_dc85c764"},
		{Postgres, "a_very_long_session_table_name_for_testing_purposes", "session_key", "_like", "a_very_long_session_tabl_session_key_a2e4aa06_like"},
		{Postgres, "_" + strings.Repeat("x", 70), "expire_date", "", "D_xxxxxxxxxxxxxxxxxxxxxxxxx_expire_date_1b002a5"},
		{SQLite, "a_very_long_session_table_name_for_testing_purposes", "expire_date", "", "a_very_long_session_table_name_for_testing_purposes_expire_date_dc85c764"},
	} {
		if got := tc.d.djangoIndexName(tc.table, tc.column, tc.suffix); got != tc.want {
			t.Errorf("%s index name of %s.%s%s = %q, want %q", tc.d, tc.table, tc.column, tc.suffix, got, tc.want)
		}
	}
}

func TestDjangoSQLiteTime(t *testing.T) {
	for _, tc := range []struct {
		in   time.Time
		want string
	}{
		// Python's str(datetime): the fraction only when microseconds ≠ 0.
		{time.Date(2023, 11, 28, 22, 13, 20, 500000000, time.UTC), "2023-11-28 22:13:20.500000"},
		{time.Date(2023, 11, 28, 22, 13, 20, 0, time.UTC), "2023-11-28 22:13:20"},
		{time.Date(2023, 11, 28, 22, 13, 20, 999, time.UTC), "2023-11-28 22:13:20"}, // below a microsecond
		{time.Date(2030, 1, 2, 3, 4, 5, 678901000, time.UTC), "2030-01-02 03:04:05.678901"},
		{time.Date(2030, 1, 2, 3, 4, 5, 1000, time.UTC), "2030-01-02 03:04:05.000001"},
		{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), "1000-01-01 00:00:00"}, // clamped to four digits
	} {
		s := &Store{dialect: SQLite, django: true}
		if got := s.encodeTime(tc.in); got != tc.want {
			t.Errorf("encodeTime(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Another zone is converted to UTC, as Django does with USE_TZ.
	paris := time.FixedZone("CET", 3600)
	s := &Store{dialect: SQLite, django: true}
	if got := s.encodeTime(time.Date(2024, 1, 1, 1, 0, 0, 0, paris)); got != "2024-01-01 00:00:00" {
		t.Errorf("encodeTime in CET = %q", got)
	}
}

func TestExpiryScanner(t *testing.T) {
	want := time.Date(2030, 1, 2, 3, 4, 5, 678901000, time.UTC)
	local := time.FixedZone("X", -5*3600)
	for _, tc := range []struct {
		d   Dialect
		src any
	}{
		{SQLite, "2030-01-02 03:04:05.678901"},
		{SQLite, []byte("2030-01-02 03:04:05.678901")},
		{SQLite, want.UnixMicro()},
		{SQLite, time.Date(2030, 1, 2, 3, 4, 5, 678901000, local)}, // naive text parsed in a driver's zone
		{MySQL, []byte("2030-01-02 03:04:05.678901")},
		{MySQL, time.Date(2030, 1, 2, 3, 4, 5, 678901000, local)}, // DSN with loc=Local
		{Postgres, want.In(local)},
		{Postgres, "2030-01-02T03:04:05.678901Z"},
	} {
		e := expiryScanner{dialect: tc.d}
		if err := e.Scan(tc.src); err != nil || !e.t.Equal(want) || e.t.Location() != time.UTC {
			t.Errorf("%s Scan(%#v) = %v, %v; want %v", tc.d, tc.src, e.t, err, want)
		}
	}
	for _, src := range []any{nil, 3.5, "yesterday", []byte("2030-13-45 99:00:00")} {
		e := expiryScanner{dialect: SQLite}
		if err := e.Scan(src); err == nil {
			t.Errorf("Scan(%#v) succeeded with %v", src, e.t)
		}
	}
	if e := (expiryScanner{dialect: SQLite}); e.Scan("2023-11-28 22:13:20") != nil || !e.t.Equal(time.Date(2023, 11, 28, 22, 13, 20, 0, time.UTC)) {
		t.Errorf("a time without fraction: %v", e.t)
	}
}

// Lookalikes of drivers' error types, for the drivers the tests do not
// produce a duplicate with (the real ones are exercised in store_test.go).
type mysqlError struct {
	Number   uint16
	SQLState [5]byte
	Message  string
}

func (e *mysqlError) Error() string { return e.Message }

type mattnError struct {
	Code         int
	ExtendedCode int
}

func (e mattnError) Error() string { return "sqlite3 error" }

type pqError struct{ code string }

func (e *pqError) Error() string    { return "pq: " + e.code }
func (e *pqError) SQLState() string { return e.code }

func TestIsDuplicateKey(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&mysqlError{Number: 1062, Message: "Duplicate entry"}, true},
		{fmt.Errorf("wrapped: %w", &mysqlError{Number: 1062}), true},
		{&mysqlError{Number: 1586}, true},
		{&mysqlError{Number: 1048, Message: "Duplicate entry (but not the code)"}, false},
		{mattnError{Code: 19, ExtendedCode: 1555}, true},
		{mattnError{Code: 19, ExtendedCode: 1299}, false}, // NOT NULL
		{&pqError{"23505"}, true},
		{&pqError{"23502"}, false},
		{errors.New("UNIQUE constraint failed"), false}, // no code: never guess from text
		{nil, false},
	} {
		if got := isDuplicateKey(tc.err); got != tc.want {
			t.Errorf("isDuplicateKey(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestMemoryDatabaseSurvivesPoolChurn(t *testing.T) {
	s, err := Open(t.Context(), "sqlite://:memory:", Config{CreateTable: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	key := sessionkit.NewKey()
	if _, err := s.Create(t.Context(), key, sessionkit.Record{Data: []byte("x"), Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// Close every idle connection: only the store's pinned one remains.
	s.db.SetMaxIdleConns(0)
	s.db.SetMaxIdleConns(2)
	if _, err := s.Load(t.Context(), key); err != nil {
		t.Errorf("after the pool closed its idle connections, Load = %v", err)
	}
}

func TestNoDriverError(t *testing.T) {
	_, err := open(t.Context(), "postgres://u@localhost/db", Config{}, nil)
	if !errors.Is(err, ErrNoDriver) || !strings.Contains(err.Error(), `import _ "github.com/jackc/pgx/v5/stdlib"`) {
		t.Errorf("Open without the driver = %v; want ErrNoDriver naming the import", err)
	}
	_, err = open(t.Context(), "mysql://u@localhost/db", Config{}, []string{"sqlite"})
	if !errors.Is(err, ErrNoDriver) || !strings.Contains(err.Error(), `import _ "github.com/go-sql-driver/mysql"`) {
		t.Errorf("Open without the driver = %v; want ErrNoDriver naming the import", err)
	}
}

func TestIsDeadlock(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&mysqlError{Number: 1213, Message: "Deadlock found when trying to get lock"}, true},
		{fmt.Errorf("wrapped: %w", &mysqlError{Number: 1213}), true},
		{&mysqlError{Number: 1205, Message: "Lock wait timeout exceeded"}, false},
		{&mysqlError{Number: 1062}, false},
		{&pqError{"40P01"}, true},
		{&pqError{"40001"}, true},
		{&pqError{"23505"}, false},
		{mattnError{Code: 5, ExtendedCode: 5}, false},
		{errors.New("Deadlock found"), false}, // no code: never guess from text
		{nil, false},
	} {
		if got := isDeadlock(tc.err); got != tc.want {
			t.Errorf("isDeadlock(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
