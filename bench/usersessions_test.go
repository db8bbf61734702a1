package bench

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache/rediscache"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/cachestore"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

// The per-user index at scale: 100,000 sessions over 10,000 users (ten
// each), and one user with 1,000 sessions.
//
//	BenchmarkUserSessions/<store>    list one user's ten sessions (Manager.UserSessions)
//	BenchmarkRevokeAll1000/<store>   delete all 1,000 sessions of one user (Manager.DeleteUserSessions);
//	                                 the timer stops while the 1,000 are stored again
//
// On PostgreSQL listing is one SELECT on the user_id index and revoking one
// DELETE; on Redis listing is a ZRANGEBYSCORE and one pipeline of GETs,
// revoking a ZRANGEBYSCORE, a pipeline of GETs, a pipeline of DELs and a
// ZREM: a fixed number of round trips however many sessions the user has.
const (
	scaleSessions = 100_000
	scaleUsers    = 10_000
	bigUser       = "big"
	bigSessions   = 1_000
)

func userRecord(uid string) sessionkit.Record {
	return sessionkit.Record{Data: []byte(`{"_auth_user_id":"` + uid + `"}`), Expiry: time.Now().Add(24 * time.Hour), UserID: uid}
}

// seedPostgres fills a native table with the scale's sessions in one
// statement each, returning the store.
func seedPostgres(b *testing.B) (*sqlstore.Store, *sql.DB, string) {
	url := testenv.PostgresURL(b)
	tbl := table("bench_users")
	st, err := sqlstore.Open(context.Background(), url, sqlstore.Config{Table: tbl, CreateTable: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		db.Exec(`DROP TABLE IF EXISTS "` + tbl + `", "` + tbl + `_lock"`)
		db.Close()
	})
	_, err = db.Exec(`INSERT INTO "`+tbl+`" (key_hash, data, expiry, user_id)
		SELECT md5(i::text) || md5('x' || i::text), convert_to('{"_auth_user_id":"' || (i % $1) || '"}', 'UTF8'), now() + interval '1 day', (i % $1)::text
		FROM generate_series(1, $2) AS i`, scaleUsers, scaleSessions)
	if err != nil {
		b.Fatal(err)
	}
	db.Exec(`ANALYZE "` + tbl + `"`)
	return st, db, tbl
}

func seedBigPostgres(b *testing.B, db *sql.DB, tbl string, round string) {
	_, err := db.Exec(`INSERT INTO "`+tbl+`" (key_hash, data, expiry, user_id)
		SELECT md5('big' || $1::text || '-' || i::text) || md5('y' || i::text), convert_to('{"_auth_user_id":"big"}', 'UTF8'), now() + interval '1 day', 'big'
		FROM generate_series(1, $2) AS i`, round, bigSessions)
	if err != nil {
		b.Fatal(err)
	}
}

// seedStore creates n sessions of the users users(i) through st, with
// eight writers.
func seedStore(b *testing.B, st sessionkit.Store, n int, user func(i int) string) {
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				if _, err := st.Create(context.Background(), sessionkit.NewKey(), userRecord(user(i))); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
}

var redisScale struct {
	once sync.Once
	st   *cachestore.Store
	err  error
}

// seedRedis stores the scale's sessions once per run under a fresh prefix.
func seedRedis(b *testing.B) *cachestore.Store {
	addr := testenv.RedisAddr(b)
	redisScale.once.Do(func() {
		c, err := rediscache.Open("redis://" + addr)
		if err != nil {
			redisScale.err = err
			return
		}
		redisScale.st = cachestore.New(c, cachestore.Config{Prefix: fmt.Sprintf("bench-users-%d:", time.Now().UnixNano()), UserIndex: true})
		seedStore(b, redisScale.st, scaleSessions, func(i int) string { return fmt.Sprint(i % scaleUsers) })
	})
	if redisScale.err != nil {
		b.Fatal(redisScale.err)
	}
	return redisScale.st
}

func BenchmarkUserSessions(b *testing.B) {
	run := func(b *testing.B, st sessionkit.Store) {
		m := sessionkit.New(st)
		ctx := context.Background()
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			infos, err := m.UserSessions(ctx, fmt.Sprint(i%scaleUsers))
			if err != nil || len(infos) != scaleSessions/scaleUsers {
				b.Fatalf("UserSessions = %d sessions, %v; want %d", len(infos), err, scaleSessions/scaleUsers)
			}
		}
	}
	b.Run("Postgres", func(b *testing.B) {
		st, _, _ := seedPostgres(b)
		run(b, st)
	})
	b.Run("Redis", func(b *testing.B) { run(b, seedRedis(b)) })
}

func BenchmarkRevokeAll1000(b *testing.B) {
	b.Run("Postgres", func(b *testing.B) {
		st, db, tbl := seedPostgres(b)
		m := sessionkit.New(st)
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			seedBigPostgres(b, db, tbl, fmt.Sprint(i))
			b.StartTimer()
			if n, err := m.DeleteUserSessions(context.Background(), bigUser); err != nil || n != bigSessions {
				b.Fatalf("DeleteUserSessions = %d, %v", n, err)
			}
		}
	})
	b.Run("Redis", func(b *testing.B) {
		st := seedRedis(b)
		m := sessionkit.New(st)
		for b.Loop() {
			b.StopTimer()
			seedStore(b, st, bigSessions, func(int) string { return bigUser })
			b.StartTimer()
			if n, err := m.DeleteUserSessions(context.Background(), bigUser); err != nil || n != bigSessions {
				b.Fatalf("DeleteUserSessions = %d, %v", n, err)
			}
		}
	})
}
