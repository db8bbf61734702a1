package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/sessionkit/sessionkit/internal/faultproxy"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

// incompatibleTable is an application's own table that happens to have the
// name of sessionkit's native one.
const incompatibleTable = "CREATE TABLE sessionkit_session (id integer NOT NULL PRIMARY KEY, title varchar(100) NOT NULL)"

// sqlDatabases returns, for each SQL dialect, a database URL in which
// sessionkit_session is an incompatible table, private to the test.
func sqlDatabases(t *testing.T) map[string]string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	name := "sessionkit_cmd_" + hex.EncodeToString(b[:])
	exec := func(db *sql.DB, stmts ...string) {
		t.Helper()
		for _, s := range stmts {
			if _, err := db.Exec(s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
	dbs := map[string]string{}

	sqlitePath := filepath.Join(t.TempDir(), "app.db")
	lite, err := sql.Open("sqlite", sqlitePath)
	if err != nil {
		t.Fatal(err)
	}
	exec(lite, incompatibleTable)
	lite.Close()
	dbs["SQLite"] = "sqlite:///" + sqlitePath

	// PostgreSQL: a schema of its own, found through search_path.
	pgURL := testenv.PostgresURL(t)
	pg, err := sql.Open("pgx", pgURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Exec("DROP SCHEMA " + name + " CASCADE"); pg.Close() })
	exec(pg, "CREATE SCHEMA "+name, "CREATE TABLE "+name+".sessionkit_session (id integer NOT NULL PRIMARY KEY, title varchar(100) NOT NULL)")
	u, err := url.Parse(pgURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	dbs["PostgreSQL"] = u.String()

	// MariaDB: a database of its own.
	cfg, err := mysql.ParseDSN(testenv.MySQLDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	my, err := sql.Open("mysql", testenv.MySQLDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { my.Exec("DROP DATABASE IF EXISTS " + name); my.Close() })
	exec(my, "CREATE DATABASE "+name, "CREATE TABLE "+name+".sessionkit_session (id integer NOT NULL PRIMARY KEY, title varchar(100) NOT NULL)")
	user := url.User(cfg.User)
	if cfg.Passwd != "" {
		user = url.UserPassword(cfg.User, cfg.Passwd)
	}
	dbs["MariaDB"] = (&url.URL{Scheme: "mysql", User: user, Host: cfg.Addr, Path: "/" + name}).String()
	return dbs
}

// TestMigrateRefusesIncompatibleTable: on every SQL dialect, migrate fails
// on a table of the same name with other columns, saying what is wrong and
// what to do.
func TestMigrateRefusesIncompatibleTable(t *testing.T) {
	for name, dbURL := range sqlDatabases(t) {
		t.Run(name, func(t *testing.T) {
			code, out := migrateCmd(t, "--db", dbURL)
			if code != exitFail {
				t.Fatalf("migrate on an incompatible table: exit %d, want %d\n%s", code, exitFail, out)
			}
			for _, want := range []string{"does not fit the native layout", "has no column key_hash", "title", "sessionkit migrate"} {
				if !strings.Contains(out, want) {
					t.Errorf("migrate's message does not say %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "is ready") {
				t.Errorf("migrate reports success:\n%s", out)
			}
		})
	}
}

// TestServeRefusesIncompatibleTable: on every SQL dialect, serve checks the
// table at start and exits with what to run, instead of answering 500 to
// every write.
func TestServeRefusesIncompatibleTable(t *testing.T) {
	t.Setenv("SECRET_KEY", "serve-startup-test-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG")
	t.Chdir(t.TempDir())
	for name, dbURL := range sqlDatabases(t) {
		t.Run(name, func(t *testing.T) {
			r := runCLI(t, "", "serve", "--addr", "127.0.0.1:0", "--engine", "db", "--db", dbURL)
			if r.code != exitUsage {
				t.Fatalf("serve on an incompatible table: exit %d, want %d\n%s%s", r.code, exitUsage, r.stdout, r.stderr)
			}
			if !oneLine(r.stderr) || !strings.Contains(r.stderr, "sessionkit migrate") || !strings.Contains(r.stderr, "has no column key_hash") {
				t.Errorf("serve's message is not one line saying what is wrong and to run sessionkit migrate:\n%s", r.stderr)
			}
			if strings.Contains(r.stdout, "http://") {
				t.Errorf("serve started:\n%s", r.stdout)
			}
		})
	}
}

// TestServeDatabaseFilesArePrivate: the SQLite database serve creates, and
// its -wal and -shm files, are readable by their owner only, whatever the
// umask: in Django mode they hold raw session keys.
func TestServeDatabaseFilesArePrivate(t *testing.T) {
	t.Setenv("SECRET_KEY", "serve-startup-test-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG")
	dir := t.TempDir()
	t.Chdir(dir)
	db := filepath.Join(dir, "sessionkit.db")
	base, _, _, stop := startServe(t, "--engine", "db", "--django")
	// A write, so that the WAL is in use.
	resp, err := http.Post(base+"/api/session", "application/json", strings.NewReader(`{"key":"k","value":"v"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, name := range []string{db, db + "-wal", db + "-shm"} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s has mode %v; want no access for group and others (0600)", filepath.Base(name), perm)
		}
	}
	if code := stop(); code != exitOK {
		t.Errorf("serve exited with %d", code)
	}
	// An existing file keeps its mode: it is the owner's to choose.
	if err := os.Chmod(db, 0o640); err != nil {
		t.Fatal(err)
	}
	s, err := sqlstore.Open(t.Context(), "sqlite:///"+db, sqlstore.Config{Django: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if fi, err := os.Stat(db); err != nil || fi.Mode().Perm() != fs.FileMode(0o640) {
		t.Errorf("the existing file's mode changed: %v, %v", fi.Mode(), err)
	}
}

// TestClearSessionsStalledDatabase: clearsessions against a database that
// does not answer fails within the store timeout, saying so, instead of
// hanging.
func TestClearSessionsStalledDatabase(t *testing.T) {
	u, err := url.Parse(testenv.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	p, err := faultproxy.Start(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	u.Host = p.Addr()
	p.Stall()
	const timeout = time.Second
	var stdout, stderr lockedBuffer
	start := time.Now()
	code := run(context.Background(), []string{"clearsessions", "--engine", "db", "--db", u.String(), "--store-timeout", "1"}, nil, &stdout, &stderr)
	took := time.Since(start)
	if code == exitOK {
		t.Fatalf("clearsessions succeeded with a stalled database:\n%s", stdout.String())
	}
	// A bound on a hang (deadline + 10 % + slack), not a speed measurement.
	if limit := timeout + timeout/10 + 250*time.Millisecond; took > limit {
		t.Errorf("clearsessions took %v with a stalled database; want at most %v", took, limit)
	}
	if !strings.Contains(stderr.String(), "did not answer within 1s") {
		t.Errorf("clearsessions does not say the database did not answer:\n%s", stderr.String())
	}
}
