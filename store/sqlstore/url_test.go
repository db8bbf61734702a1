package sqlstore_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

func TestParseURL(t *testing.T) {
	const sqlitePragmas = "_pragma=busy_timeout%285000%29&_pragma=journal_mode%28WAL%29&_pragma=synchronous%28NORMAL%29"
	for _, tc := range []struct {
		url     string
		driver  string
		dsn     string
		dialect sqlstore.Dialect
	}{
		{"sqlite:///relative.db", "sqlite", "file:relative.db?" + sqlitePragmas, sqlstore.SQLite},
		{"sqlite:///dir/sub/relative.db", "sqlite", "file:dir/sub/relative.db?" + sqlitePragmas, sqlstore.SQLite},
		{"sqlite:////abs/path.db", "sqlite", "file:/abs/path.db?" + sqlitePragmas, sqlstore.SQLite},
		{"SQLite:////abs/path.db", "sqlite", "file:/abs/path.db?" + sqlitePragmas, sqlstore.SQLite},
		{"sqlite:////abs/my%20file%3F.db", "sqlite", "file:/abs/my file%3f.db?" + sqlitePragmas, sqlstore.SQLite},
		// The URL's own pragmas win over the defaults.
		{"sqlite:///x.db?_pragma=journal_mode(DELETE)&_txlock=immediate", "sqlite",
			"file:x.db?_pragma=journal_mode%28DELETE%29&_pragma=busy_timeout%285000%29&_pragma=synchronous%28NORMAL%29&_txlock=immediate", sqlstore.SQLite},
		{"postgres://user:pw@db.internal:5432/app?sslmode=disable", "pgx", "postgres://user:pw@db.internal:5432/app?connect_timeout=5&sslmode=disable", sqlstore.Postgres},
		{"postgresql://user@localhost/app", "pgx", "postgres://user@localhost/app?connect_timeout=5", sqlstore.Postgres},
		{"pgsql://user@localhost/app", "pgx", "postgres://user@localhost/app?connect_timeout=5", sqlstore.Postgres},
		{"mysql://user:p%40ss@db.internal:3307/app", "mysql", "user:p@ss@tcp(db.internal:3307)/app?clientFoundRows=true&interpolateParams=true&parseTime=true&timeout=5s", sqlstore.MySQL},
		{"mariadb://root@localhost/test?parseTime=false&charset=utf8", "mysql", "root@tcp(localhost:3306)/test?charset=utf8&clientFoundRows=true&interpolateParams=true&parseTime=false&timeout=5s", sqlstore.MySQL},
		// The URL's connect timeout wins; max_conns is the pool's, not the driver's.
		{"postgres://u@h/app?connect_timeout=2&max_conns=20", "pgx", "postgres://u@h/app?connect_timeout=2", sqlstore.Postgres},
		{"mysql://u@h/app?max_conns=3&timeout=1s", "mysql", "u@tcp(h:3306)/app?clientFoundRows=true&interpolateParams=true&parseTime=true&timeout=1s", sqlstore.MySQL},
		{"sqlite:///x.db?max_conns=4", "sqlite", "file:x.db?" + sqlitePragmas, sqlstore.SQLite},
		{"mysql://root@%2Frun%2Fmysqld%2Fmysqld.sock/test", "mysql", "root@unix(/run/mysqld/mysqld.sock)/test?clientFoundRows=true&interpolateParams=true&parseTime=true&timeout=5s", sqlstore.MySQL},
	} {
		src, err := sqlstore.ParseURL(tc.url)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.url, err)
			continue
		}
		if src.Driver != tc.driver || src.DSN != tc.dsn || src.Dialect != tc.dialect || src.Memory {
			t.Errorf("ParseURL(%q) =\n  %+v\nwant driver %q dsn %q dialect %q", tc.url, src, tc.driver, tc.dsn, tc.dialect)
		}
	}
	for _, u := range []string{"sqlite://:memory:", "sqlite://", "sqlite:///:memory:"} {
		src, err := sqlstore.ParseURL(u)
		if err != nil || !src.Memory || !strings.Contains(src.DSN, "vfs=memdb") || !strings.HasPrefix(src.DSN, "file:/sessionkit-") {
			t.Errorf("ParseURL(%q) = %+v, %v; want a shared memdb database", u, src, err)
		}
		again, _ := sqlstore.ParseURL(u)
		if again.DSN == src.DSN {
			t.Errorf("two :memory: URLs share the database %q", src.DSN)
		}
	}
	for _, u := range []string{
		"", "sessions.db", "/abs/path.db", "redis://localhost:6379", "oracle://x",
		"sqlite://relative.db", "sqlite:///", "postgres://%zz", "mysql://%zz",
		"postgres://u@h/db?max_conns=0", "mysql://u@h/db?max_conns=many",
	} {
		if src, err := sqlstore.ParseURL(u); err == nil {
			t.Errorf("ParseURL(%q) = %+v, want an error", u, src)
		}
	}
	if src, err := sqlstore.ParseURL("postgres://u@h/db?max_conns=20"); err != nil || src.MaxConns != 20 {
		t.Errorf("max_conns=20: MaxConns %d, err %v; want 20", src.MaxConns, err)
	}
	if src, err := sqlstore.ParseURL("sqlite:////abs/s.db"); err != nil || src.MaxConns != 0 || src.Path != "/abs/s.db" {
		t.Errorf("sqlite:////abs/s.db: %+v, %v; want Path /abs/s.db and MaxConns 0", src, err)
	}
	// Errors never show a password.
	if _, err := sqlstore.ParseURL("postgres://user:hunter2@%zz/db"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %v shows the password", err)
	}
}

func TestOpenURLs(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	pg, err := url.Parse(testenv.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	testenv.MySQLDSN(t)
	for _, u := range []string{
		"sqlite:///relative.db",
		"sqlite:///" + filepath.Join(dir, "absolute.db"),
		"sqlite://:memory:",
		pg.String(),
		"postgresql://" + strings.TrimPrefix(pg.String(), "postgres://"),
		"mysql://root@127.0.0.1:3306/test",
		"mariadb://root@127.0.0.1/test",
	} {
		t.Run(u, func(t *testing.T) {
			for _, django := range []bool{false, true} {
				s, err := sqlstore.Open(t.Context(), u, sqlstore.Config{Django: django, CreateTable: true})
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				db := rawDB(t, u)
				table := uniqueTable(t, db)
				s.Close()
				s, err = sqlstore.Open(t.Context(), u, sqlstore.Config{Django: django, Table: table, CreateTable: true})
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				key := sessionkit.NewKey()
				if _, err := s.Create(t.Context(), key, sessionkit.Record{Data: []byte("é"), Expiry: time.Now().Add(time.Hour)}); err != nil {
					t.Fatalf("Create: %v", err)
				}
				// The same bytes are identical values: found, not gone.
				if _, err := s.Update(t.Context(), key, sessionkit.Record{Data: []byte("é"), Expiry: time.Now().Add(time.Hour)}); err != nil {
					t.Fatalf("Update: %v", err)
				}
				if r, err := s.Load(t.Context(), key); err != nil || string(r.Data) != "é" {
					t.Errorf("Load = %q, %v", r.Data, err)
				}
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "relative.db")); err != nil {
		t.Errorf("sqlite:///relative.db did not create relative.db in the working directory: %v", err)
	}
}

func TestOpenEnv(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	if _, err := sqlstore.OpenEnv(t.Context(), sqlstore.Config{}); err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Errorf("OpenEnv without DATABASE_URL = %v, want an error naming it", err)
	}
	t.Setenv("DATABASE_URL", "sqlite://:memory:")
	s, err := sqlstore.OpenEnv(t.Context(), sqlstore.Config{CreateTable: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Dialect() != sqlstore.SQLite {
		t.Errorf("dialect %q", s.Dialect())
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := sqlstore.Open(ctx, "sqlite://:memory:", sqlstore.Config{Dialect: sqlstore.Postgres}); err == nil {
		t.Error("Open with a dialect that contradicts the URL succeeded")
	}
	if _, err := sqlstore.Open(ctx, "sqlite://:memory:", sqlstore.Config{Table: "no good"}); err == nil {
		t.Error("Open with a bad table name succeeded")
	}
	if _, err := sqlstore.Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "missing-dir", "x.db"), sqlstore.Config{}); err == nil {
		t.Error("Open of a file in a missing directory succeeded")
	}
	if _, err := sqlstore.Open(ctx, "bogus://x", sqlstore.Config{}); err == nil || errors.Is(err, sqlstore.ErrNoDriver) {
		t.Errorf("Open of an unknown scheme = %v", err)
	}
}

// TestMemoryDatabaseWithOneConnection: the connection that keeps an
// in-memory database alive does not count against max_conns.
func TestMemoryDatabaseWithOneConnection(t *testing.T) {
	s, err := sqlstore.Open(t.Context(), "sqlite://:memory:?max_conns=1", sqlstore.Config{CreateTable: true, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	key := sessionkit.NewKey()
	if _, err := s.Create(t.Context(), key, sessionkit.Record{Data: []byte("x"), Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatalf("Create with max_conns=1: %v", err)
	}
	if _, err := s.Load(t.Context(), key); err != nil {
		t.Fatalf("Load with max_conns=1: %v", err)
	}
}
