package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

// benchRows is how many sessions the table holds while Load and Update
// are measured; benchKeys of them are touched.
const benchRows, benchKeys = 10000, 1000

// benchData is a typical encoded session (about 300 bytes).
var benchData = []byte(`{"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend","_auth_user_hash":"8b1a9953c4611296a827abf8c47804d7e6c49c6b0a8f4e8e3e4b5d3c2b1a0f9e","cart":[{"sku":"A-1","qty":2},{"sku":"B-7","qty":1}],"recently_viewed":[101,205,333],"_session_expiry":1209600}`)

// benchDB is one database for the benchmarks.
type benchDB struct {
	name  string
	url   func(b *testing.B) string
	floor func(b *testing.B, table string) (load, update func(ctx context.Context, hash string, exp time.Time) error)
}

func benchDBs() []benchDB {
	return []benchDB{
		{"SQLite", func(b *testing.B) string { return "sqlite:///" + filepath.Join(b.TempDir(), "bench.db") }, nil},
		{"Postgres", func(b *testing.B) string { return testenv.PostgresURL(b) }, pgxFloor},
	}
}

// pgxFloor is the same SELECT and UPDATE through pgx's own pool, without
// database/sql: the floor the issue sets for PostgreSQL.
func pgxFloor(b *testing.B, table string) (load, update func(context.Context, string, time.Time) error) {
	pool, err := pgxpool.New(context.Background(), testenv.PostgresURL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	sel := "SELECT data, expiry FROM " + table + " WHERE key_hash = $1 AND expiry > $2"
	upd := "UPDATE " + table + " SET data = $1, expiry = $2, user_id = $3 WHERE key_hash = $4"
	load = func(ctx context.Context, hash string, now time.Time) error {
		var data []byte
		var exp time.Time
		return pool.QueryRow(ctx, sel, hash, now).Scan(&data, &exp)
	}
	update = func(ctx context.Context, hash string, exp time.Time) error {
		_, err := pool.Exec(ctx, upd, benchData, exp, nil, hash)
		return err
	}
	return load, update
}

// setupBench fills a fresh native table and returns the store, the raw
// pool, the table and the keys to touch.
func setupBench(b *testing.B, d benchDB, django bool) (*sqlstore.Store, *sql.DB, string, []string) {
	b.Helper()
	u := d.url(b)
	src, err := sqlstore.ParseURL(u)
	if err != nil {
		b.Fatal(err)
	}
	db, err := sql.Open(src.Driver, src.DSN)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	table := fmt.Sprintf("sqlstore_bench_%d", time.Now().UnixNano())
	b.Cleanup(func() { db.Exec("DROP TABLE IF EXISTS " + table) })
	s, err := sqlstore.Open(context.Background(), u, sqlstore.Config{Table: table, Django: django, CreateTable: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	ctx := context.Background()
	keys := make([]string, benchRows)
	for i := range keys {
		keys[i] = sessionkit.NewKey()
		if _, err := s.Create(ctx, keys[i], sessionkit.Record{Data: benchData, Expiry: time.Now().Add(time.Hour)}); err != nil {
			b.Fatal(err)
		}
	}
	if src.Dialect == sqlstore.Postgres {
		db.Exec("ANALYZE " + table)
	}
	return s, db, table, keys[:benchKeys]
}

func BenchmarkLoad(b *testing.B) {
	for _, d := range benchDBs() {
		b.Run(d.name, func(b *testing.B) {
			for _, django := range []bool{false, true} {
				name := "Native"
				if django {
					name = "Django"
				}
				b.Run(name, func(b *testing.B) {
					s, _, _, keys := setupBench(b, d, django)
					ctx := context.Background()
					b.ReportAllocs()
					i := 0
					for b.Loop() {
						if _, err := s.Load(ctx, keys[i%len(keys)]); err != nil {
							b.Fatal(err)
						}
						i++
					}
				})
			}
			b.Run("RawSQL", func(b *testing.B) {
				s, db, table, keys := setupBench(b, d, false)
				hashes := hashAll(keys)
				q := "SELECT data, expiry FROM " + table + " WHERE key_hash = ? AND expiry > ?"
				if s.Dialect() == sqlstore.Postgres {
					q = strings.NewReplacer("= ?", "= $1", "> ?", "> $2").Replace(q)
				}
				stmt, err := db.Prepare(q)
				if err != nil {
					b.Fatal(err)
				}
				defer stmt.Close()
				ctx := context.Background()
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					var data []byte
					var exp any
					var now any = time.Now()
					if s.Dialect() == sqlstore.SQLite {
						now = time.Now().UnixMicro()
					}
					if err := stmt.QueryRowContext(ctx, hashes[i%len(hashes)], now).Scan(&data, &exp); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			if d.floor != nil {
				b.Run("RawPgx", func(b *testing.B) {
					_, _, table, keys := setupBench(b, d, false)
					hashes := hashAll(keys)
					load, _ := d.floor(b, table)
					ctx := context.Background()
					b.ReportAllocs()
					i := 0
					for b.Loop() {
						if err := load(ctx, hashes[i%len(hashes)], time.Now()); err != nil {
							b.Fatal(err)
						}
						i++
					}
				})
			}
		})
	}
}

func BenchmarkUpdate(b *testing.B) {
	for _, d := range benchDBs() {
		b.Run(d.name, func(b *testing.B) {
			for _, django := range []bool{false, true} {
				name := "Native"
				if django {
					name = "Django"
				}
				b.Run(name, func(b *testing.B) {
					s, _, _, keys := setupBench(b, d, django)
					ctx := context.Background()
					b.ReportAllocs()
					i := 0
					for b.Loop() {
						rec := sessionkit.Record{Data: benchData, Expiry: time.Now().Add(time.Hour)}
						if _, err := s.Update(ctx, keys[i%len(keys)], rec); err != nil {
							b.Fatal(err)
						}
						i++
					}
				})
			}
			b.Run("RawSQL", func(b *testing.B) {
				s, db, table, keys := setupBench(b, d, false)
				hashes := hashAll(keys)
				q := "UPDATE " + table + " SET data = ?, expiry = ?, user_id = ? WHERE key_hash = ?"
				if s.Dialect() == sqlstore.Postgres {
					q = "UPDATE " + table + " SET data = $1, expiry = $2, user_id = $3 WHERE key_hash = $4"
				}
				stmt, err := db.Prepare(q)
				if err != nil {
					b.Fatal(err)
				}
				defer stmt.Close()
				ctx := context.Background()
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					var exp any = time.Now().Add(time.Hour)
					if s.Dialect() == sqlstore.SQLite {
						exp = time.Now().Add(time.Hour).UnixMicro()
					}
					if _, err := stmt.ExecContext(ctx, benchData, exp, nil, hashes[i%len(hashes)]); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			if d.floor != nil {
				b.Run("RawPgx", func(b *testing.B) {
					_, _, table, keys := setupBench(b, d, false)
					hashes := hashAll(keys)
					_, update := d.floor(b, table)
					ctx := context.Background()
					b.ReportAllocs()
					i := 0
					for b.Loop() {
						if err := update(ctx, hashes[i%len(hashes)], time.Now().Add(time.Hour)); err != nil {
							b.Fatal(err)
						}
						i++
					}
				})
			}
		})
	}
}

func hashAll(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = sessionkit.KeyHash(k)
	}
	return out
}

// BenchmarkClearExpired1M deletes 1,000,000 expired rows with ClearExpired
// and, on a second table of the same size, with one plain DELETE, and
// reports both times and the longest single batch statement. It is slow
// (minutes) and runs only with SESSIONKIT_BENCH_1M=1:
//
//	SESSIONKIT_BENCH_1M=1 go test -run '^$' -bench ClearExpired1M -benchtime 1x ./store/sqlstore/
//
// SESSIONKIT_BENCH_ROWS changes the number of rows, SESSIONKIT_BENCH_BATCH
// the batch size (Config.ClearBatchSize).
func BenchmarkClearExpired1M(b *testing.B) {
	if os.Getenv("SESSIONKIT_BENCH_1M") != "1" {
		b.Skip("set SESSIONKIT_BENCH_1M=1 to delete 1,000,000 rows")
	}
	rows, batch := 1_000_000, 0
	if v := os.Getenv("SESSIONKIT_BENCH_ROWS"); v != "" {
		fmt.Sscan(v, &rows)
	}
	if v := os.Getenv("SESSIONKIT_BENCH_BATCH"); v != "" {
		fmt.Sscan(v, &batch) // 0: the default batch size
	}
	for _, d := range benchDBs() {
		for _, django := range []bool{false, true} {
			name := d.name + "/Native"
			if django {
				name = d.name + "/Django"
			}
			b.Run(name, func(b *testing.B) {
				u := d.url(b)
				src, err := sqlstore.ParseURL(u)
				if err != nil {
					b.Fatal(err)
				}
				db, log := timingDB(b, src)
				// Each iteration deletes the whole table; run one (-benchtime 1x).
				for range b.N {
					b.StopTimer()
					table := fmt.Sprintf("sqlstore_bench_%d", time.Now().UnixNano())
					s, err := sqlstore.New(db, sqlstore.Config{Dialect: src.Dialect, Table: table, Django: django, CreateTable: true, ClearBatchSize: batch})
					if err != nil {
						b.Fatal(err)
					}
					fillExpired(b, db, s, django, rows)
					log.reset()
					b.StartTimer()
					start := time.Now()
					n, err := s.ClearExpired(context.Background())
					total := time.Since(start)
					b.StopTimer()
					if err != nil || n != int64(rows) {
						b.Fatalf("ClearExpired = %d, %v; want %d", n, err, rows)
					}
					durs := log.durations("DELETE")
					b.ReportMetric(total.Seconds(), "total-s")
					slices.Sort(durs)
					ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
					b.ReportMetric(ms(durs[len(durs)-1]), "max-stmt-ms")
					b.ReportMetric(ms(durs[len(durs)*99/100]), "p99-stmt-ms")
					b.ReportMetric(ms(durs[len(durs)/2]), "p50-stmt-ms")
					b.ReportMetric(float64(len(durs)), "statements")
					s.Close()

					// The same rows, deleted by one statement.
					fillExpired(b, db, storeOn(b, db, src.Dialect, table, django), django, rows)
					col := "expiry"
					var now any = time.Now().UTC()
					switch {
					case django:
						col = "expire_date"
						if src.Dialect == sqlstore.SQLite {
							now = time.Now().UTC().Format("2006-01-02 15:04:05.000000")
						}
					case src.Dialect == sqlstore.SQLite:
						now = time.Now().UnixMicro()
					}
					q := "DELETE FROM " + table + " WHERE " + col + " < ?"
					if src.Dialect == sqlstore.Postgres {
						q = strings.Replace(q, "?", "$1", 1)
					}
					start = time.Now()
					if _, err := db.Exec(q, now); err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(time.Since(start).Seconds(), "plain-delete-s")
					db.Exec("DROP TABLE " + table)
					b.StartTimer()
				}
			})
		}
	}
}

// storeOn is a store on an existing table, for fillExpired.
func storeOn(b *testing.B, db *sql.DB, d sqlstore.Dialect, table string, django bool) *sqlstore.Store {
	s, err := sqlstore.New(db, sqlstore.Config{Dialect: d, Table: table, Django: django})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// timingDB opens the database through the logging driver wrapper, which
// times each statement.
func timingDB(b *testing.B, src sqlstore.DataSource) (*sql.DB, *stmtLog) {
	var drv countingDriver
	log := &stmtLog{}
	switch src.Dialect {
	case sqlstore.Postgres:
		drv = countingDriver{stdlib.GetDefaultDriver(), log}
	default:
		probe, err := sql.Open(src.Driver, src.DSN)
		if err != nil {
			b.Fatal(err)
		}
		drv = countingDriver{probe.Driver(), log}
		probe.Close()
	}
	db := sql.OpenDB(countingConnector{drv: drv, dsn: src.DSN})
	b.Cleanup(func() { db.Close() })
	return db, log
}

// fillExpired inserts n expired sessions with expiries spread over the
// past day, in bulk, through SQL that generates the rows on the server.
func fillExpired(b *testing.B, db *sql.DB, s *sqlstore.Store, django bool, n int) {
	b.Helper()
	ctx := context.Background()
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	t := s.Table()
	var q string
	switch s.Dialect() {
	case sqlstore.Postgres:
		exp := "now() - (g % 86400) * interval '1 second' - interval '1 minute'"
		if django {
			q = "INSERT INTO " + t + " SELECT md5(g::text), repeat('x', 200), " + exp + " FROM generate_series(1, $1) g"
		} else {
			q = "INSERT INTO " + t + " SELECT encode(sha256(g::text::bytea), 'hex'), convert_to(repeat('x', 200), 'UTF8'), " + exp + ", NULL FROM generate_series(1, $1) g"
		}
	default:
		gen := "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < ?) "
		if django {
			// Django's text format: strftime's %f has milliseconds.
			q = gen + "INSERT INTO " + t + " SELECT printf('%032x', i), printf('%.200c', 'x'), strftime('%Y-%m-%d %H:%M:%f', 'now', '-1 minute', '-' || (i % 86400) || ' seconds') || '000' FROM g"
		} else {
			q = gen + "INSERT INTO " + t + " SELECT printf('%064x', i), randomblob(200), (unixepoch('now') - 60 - i % 86400) * 1000000, NULL FROM g"
		}
	}
	if _, err := db.ExecContext(ctx, q, n); err != nil {
		b.Fatalf("fill: %v", err)
	}
	if s.Dialect() == sqlstore.Postgres {
		db.Exec("ANALYZE " + t)
	}
}
