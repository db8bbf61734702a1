package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/sqlite3store"
	_ "github.com/go-sql-driver/mysql" // sessionkit's MariaDB rows
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/mattn/go-sqlite3" // scs's sqlite3store is written for it (cgo)
	_ "modernc.org/sqlite"          // sessionkit's SQLite (pure Go)

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

// table returns a table name no other benchmark uses.
func table(prefix string) string {
	return fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano())
}

// The ways a sessionkit Manager can save concurrent requests: merged
// through Swap (the default), last write wins (Update, as scs and Django
// do), or one request at a time per session (TryLock and Unlock around the
// request, merged saves).
const (
	merged = iota
	lastWriteWins
	exclusive
)

func sessionkitSQL(b *testing.B, url string, mode int) (func(http.Handler) http.Handler, access) {
	st, err := sqlstore.Open(context.Background(), url, sqlstore.Config{Table: table("bench_sk"), CreateTable: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	m := sessionkit.New(st)
	m.LastWriteWins = mode == lastWriteWins
	m.Exclusive = mode == exclusive
	return m.Middleware, skAccess{}
}

// sessionkitSQLModes lists a sessionkit row for each way of saving, on the
// database of url.
func sessionkitSQLModes(name string, url func(b *testing.B, dir string) string) []lib {
	var out []lib
	for _, m := range []struct {
		suffix string
		mode   int
	}{{"", merged}, {"-lastwritewins", lastWriteWins}, {"-exclusive", exclusive}} {
		out = append(out, lib{name: name + m.suffix, open: func(b *testing.B, dir string) (func(http.Handler) http.Handler, access) {
			return sessionkitSQL(b, url(b, dir), m.mode)
		}})
	}
	return out
}

func sqlLibs() []lib {
	sqlite := func(b *testing.B, dir string) string { return "sqlite:///" + filepath.Join(dir, "bench.db") }
	postgres := func(b *testing.B, dir string) string { return testenv.PostgresURL(b) }
	mariadb := func(b *testing.B, dir string) string {
		// user[:password]@tcp(host:port)/db?params as a mysql:// URL.
		dsn := testenv.MySQLDSN(b)
		user, rest, _ := strings.Cut(dsn, "@tcp(")
		host, rest, _ := strings.Cut(rest, ")/")
		db, _, _ := strings.Cut(rest, "?")
		return "mysql://" + user + "@" + host + "/" + db
	}
	libs := append(sessionkitSQLModes("sessionkit-sqlite", sqlite), sessionkitSQLModes("sessionkit-postgres", postgres)...)
	libs = append(libs, sessionkitSQLModes("sessionkit-mariadb", mariadb)...)
	return append(libs, []lib{
		{name: "scs-sqlite3store", open: func(b *testing.B, dir string) (func(http.Handler) http.Handler, access) {
			db, err := sql.Open("sqlite3", filepath.Join(dir, "scs.db")+"?_journal_mode=WAL&_busy_timeout=5000&_synchronous=NORMAL")
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			if _, err := db.Exec(`CREATE TABLE sessions (token TEXT PRIMARY KEY, data BLOB NOT NULL, expiry REAL NOT NULL); CREATE INDEX sessions_expiry_idx ON sessions(expiry);`); err != nil {
				b.Fatal(err)
			}
			return newSCS(sqlite3store.NewWithCleanupInterval(db, 0))
		}},
		{name: "scs-pgxstore", open: func(b *testing.B, dir string) (func(http.Handler) http.Handler, access) {
			pool, err := pgxpool.New(context.Background(), testenv.PostgresURL(b))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(pool.Close)
			// scs's table name is fixed: recreate it for a clean run.
			if _, err := pool.Exec(context.Background(), `DROP TABLE IF EXISTS sessions; CREATE TABLE sessions (token TEXT PRIMARY KEY, data BYTEA NOT NULL, expiry TIMESTAMPTZ NOT NULL); CREATE INDEX sessions_expiry_idx ON sessions (expiry);`); err != nil {
				b.Fatal(err)
			}
			return newSCS(pgxstore.NewWithCleanupInterval(pool, 0))
		}},
		{name: "raw-pgx", open: func(b *testing.B, dir string) (func(http.Handler) http.Handler, access) {
			db, err := sql.Open("pgx", testenv.PostgresURL(b))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			t := table("bench_raw")
			if _, err := db.Exec(`CREATE TABLE ` + t + ` (k TEXT PRIMARY KEY, data BYTEA NOT NULL, expiry TIMESTAMPTZ NOT NULL)`); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Exec(`DROP TABLE ` + t) })
			return nil, rawSQL{db: db, table: t}
		}},
	}...)
}

// rawSQL is the floor: one SELECT to read, one UPSERT to write, by a key
// in a cookie, with no session library and no encoding beyond strconv.
type rawSQL struct {
	db    *sql.DB
	table string
}

const rawKey = "rawsessionkey000000000000000000a"

func (a rawSQL) getInt(_ http.ResponseWriter, r *http.Request, key string) int {
	var data []byte
	if err := a.db.QueryRowContext(r.Context(), `SELECT data FROM `+a.table+` WHERE k = $1 AND expiry > now()`, rawKey).Scan(&data); err != nil {
		return 0
	}
	n, _ := strconv.Atoi(string(data))
	return n
}

func (a rawSQL) setInt(w http.ResponseWriter, r *http.Request, key string, v int) {
	if _, err := a.db.ExecContext(r.Context(), `INSERT INTO `+a.table+` (k, data, expiry) VALUES ($1, $2, now() + interval '14 days') ON CONFLICT (k) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`, rawKey, strconv.AppendInt(nil, int64(v), 10)); err != nil {
		panic(err)
	}
	if _, err := r.Cookie("raw"); err != nil {
		http.SetCookie(w, &http.Cookie{Name: "raw", Value: rawKey})
	}
}

func (a rawSQL) setThree(w http.ResponseWriter, r *http.Request) { a.setInt(w, r, "n", 42) }
func (a rawSQL) seed(w http.ResponseWriter, r *http.Request)     { a.setInt(w, r, "n", 1) }
func (a rawSQL) addItem(w http.ResponseWriter, r *http.Request, n int) {
	a.setInt(w, r, "n", a.getInt(w, r, "n")+n)
}
