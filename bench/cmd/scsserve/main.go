// Command scsserve serves sessions through alexedwards/scs and its
// PostgreSQL store (pgxstore on a pgxpool), with the same two JSON
// endpoints that scripts/load.sh drives on `sessionkit serve`, so that the
// two servers can be compared under the same wrk workloads:
//
//	GET  /api/session   read the session: {"counter": N}
//	POST /api/session   increment "counter" and save the session
//
//	scsserve --addr 127.0.0.1:18090 --db postgres://postgres@127.0.0.1:5432/test
//
// It creates scs's table ("sessions") if it does not exist. It lives in
// the bench module so that the sessionkit module does not depend on scs.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18090", "address to listen on")
	dbURL := flag.String("db", os.Getenv("DATABASE_URL"), "PostgreSQL URL (default $DATABASE_URL)")
	flag.Parse()
	if *dbURL == "" {
		log.Fatal("scsserve: no database: pass --db postgres://… or set DATABASE_URL")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	pool, err := pgxpool.New(ctx, *dbURL)
	if err != nil {
		log.Fatalf("scsserve: %v", err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS sessions (token TEXT PRIMARY KEY, data BYTEA NOT NULL, expiry TIMESTAMPTZ NOT NULL);
		CREATE INDEX IF NOT EXISTS sessions_expiry_idx ON sessions (expiry)`); err != nil {
		log.Fatalf("scsserve: create scs's table: %v", err)
	}

	sm := scs.New()
	sm.Store = pgxstore.NewWithCleanupInterval(pool, 0)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/session", func(w http.ResponseWriter, r *http.Request) {
		answer(w, sm.GetInt(r.Context(), "counter"))
	})
	mux.HandleFunc("POST /api/session", func(w http.ResponseWriter, r *http.Request) {
		n := sm.GetInt(r.Context(), "counter") + 1
		sm.Put(r.Context(), "counter", n)
		answer(w, n)
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("scsserve: %v", err)
	}
	srv := &http.Server{Handler: sm.LoadAndSave(mux), ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("scsserve: http://%s\n", ln.Addr())
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Fatalf("scsserve: %v", err)
	}
}

func answer(w http.ResponseWriter, n int) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"counter":` + strconv.Itoa(n) + "}\n"))
}
