package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

// backend is one database the tests run against.
type backend struct {
	name string
	// open returns a *sql.DB for raw queries and a function that makes a
	// store on the same database.
	open func(t *testing.T) (db *sql.DB, newStore func(t *testing.T, cfg sqlstore.Config) *sqlstore.Store)
}

// backends lists every database: SQLite in a file and in memory (both
// through Open), PostgreSQL through Open, MariaDB through New with a DSN
// that lacks clientFoundRows (so the fallback path of Update runs too).
func backends() []backend {
	return []backend{
		{"SQLiteFile", func(t *testing.T) (*sql.DB, func(*testing.T, sqlstore.Config) *sqlstore.Store) {
			u := "sqlite:///" + filepath.Join(t.TempDir(), "sessions.db")
			return rawDB(t, u), openURL(u)
		}},
		{"SQLiteMemory", func(t *testing.T) (*sql.DB, func(*testing.T, sqlstore.Config) *sqlstore.Store) {
			// One store per database: the raw handle is the store's own.
			src, err := sqlstore.ParseURL("sqlite://:memory:")
			if err != nil {
				t.Fatal(err)
			}
			db := openDB(t, src.Driver, src.DSN)
			pin, err := db.Conn(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { pin.Close() })
			return db, newOn(db)
		}},
		{"Postgres", func(t *testing.T) (*sql.DB, func(*testing.T, sqlstore.Config) *sqlstore.Store) {
			u := testenv.PostgresURL(t)
			return rawDB(t, u), openURL(u)
		}},
		{"MariaDB", func(t *testing.T) (*sql.DB, func(*testing.T, sqlstore.Config) *sqlstore.Store) {
			db := openDB(t, "mysql", testenv.MySQLDSN(t))
			return db, newOn(db)
		}},
	}
}

// rawDB opens the database of a URL for the test's own queries.
func rawDB(t *testing.T, rawURL string) *sql.DB {
	t.Helper()
	src, err := sqlstore.ParseURL(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return openDB(t, src.Driver, src.DSN)
}

func openDB(t *testing.T, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.PingContext(context.Background()); err != nil {
		t.Fatalf("connect: %v", err)
	}
	return db
}

// openURL makes stores with Open; they are closed when the test ends.
func openURL(rawURL string) func(*testing.T, sqlstore.Config) *sqlstore.Store {
	return func(t *testing.T, cfg sqlstore.Config) *sqlstore.Store {
		t.Helper()
		s, err := sqlstore.Open(context.Background(), rawURL, cfg)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
}

// newOn makes stores with New on db.
func newOn(db *sql.DB) func(*testing.T, sqlstore.Config) *sqlstore.Store {
	return func(t *testing.T, cfg sqlstore.Config) *sqlstore.Store {
		t.Helper()
		s, err := sqlstore.New(db, cfg)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
}

// uniqueTable returns a table name no other test uses (packages run in
// parallel against the same PostgreSQL and MariaDB databases) and drops the
// table when the test ends.
func uniqueTable(t *testing.T, db *sql.DB) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := fmt.Sprintf("sqlstore_test_%x", b)
	t.Cleanup(func() {
		db.Exec("DROP TABLE IF EXISTS " + name)
		db.Exec("DROP TABLE IF EXISTS " + name + "_lock") // the store's lease table
	})
	return name
}

// eachBackend runs f against every database, native and Django layout,
// with a fresh table each time.
func eachBackend(t *testing.T, f func(t *testing.T, env *env)) {
	for _, b := range backends() {
		for _, django := range []bool{false, true} {
			mode := "Native"
			if django {
				mode = "Django"
			}
			t.Run(b.name+"/"+mode, func(t *testing.T) {
				db, newStore := b.open(t)
				e := &env{db: db, django: django, backend: b.name, table: uniqueTable(t, db)}
				e.newStore = func(t *testing.T, cfg sqlstore.Config) *sqlstore.Store {
					if cfg.Table == "" {
						cfg.Table = e.table
					}
					cfg.Django = django
					return newStore(t, cfg)
				}
				e.store = e.newStore(t, sqlstore.Config{CreateTable: true})
				if err := e.store.Migrate(context.Background()); err != nil {
					t.Fatalf("Migrate: %v", err)
				}
				f(t, e)
			})
		}
	}
}

// env is one database and table under test.
type env struct {
	db       *sql.DB
	django   bool
	backend  string
	table    string
	store    *sqlstore.Store
	newStore func(t *testing.T, cfg sqlstore.Config) *sqlstore.Store
}

// stored is t as the store keeps it: to the microsecond in Django's layout,
// to the second in the native one.
func (e *env) stored(t time.Time) time.Time {
	if e.django {
		return t.Truncate(time.Microsecond)
	}
	return t.Truncate(time.Second)
}

func (e *env) dialect() sqlstore.Dialect {
	switch {
	case strings.HasPrefix(e.backend, "SQLite"):
		return sqlstore.SQLite
	case e.backend == "Postgres":
		return sqlstore.Postgres
	}
	return sqlstore.MySQL
}

// q rewrites ? placeholders as $n for PostgreSQL.
func (e *env) q(query string) string {
	if e.dialect() != sqlstore.Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// count returns the number of rows in the table.
func (e *env) count(t *testing.T) int {
	t.Helper()
	var n int
	if err := e.db.QueryRow("SELECT count(*) FROM " + e.table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// keyCol and dataCol are the layout's column names.
func (e *env) keyCol() string {
	if e.django {
		return "session_key"
	}
	return "key_hash"
}

func (e *env) dataCol() string {
	if e.django {
		return "session_data"
	}
	return "data"
}

func (e *env) expiryCol() string {
	if e.django {
		return "expire_date"
	}
	return "expiry"
}

// pgURLWithSearchPath returns the PostgreSQL URL with search_path set.
func pgURLWithSearchPath(t *testing.T, schema string) string {
	u, err := url.Parse(testenv.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// uniqueSchema creates a PostgreSQL schema for one test and drops it after.
func uniqueSchema(t *testing.T, db *sql.DB) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := fmt.Sprintf("sqlstore_test_%x", b)
	if _, err := db.Exec("CREATE SCHEMA " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec("DROP SCHEMA " + name + " CASCADE") })
	return name
}
