// Command skserve is scsserve's twin on sessionkit: the same two JSON
// endpoints, the same handlers and the same http.Server, with sessionkit's
// db engine (sqlstore on database/sql and pgx) on PostgreSQL, so that
// scripts/load.sh compares the two libraries and nothing else:
//
//	GET  /api/session   read the session: {"counter": N}
//	POST /api/session   increment "counter" and save the session
//
//	skserve --addr 127.0.0.1:18093 --db postgres://postgres@127.0.0.1:5432/test
//
// Concurrent saves are merged, as by default; --lww makes the last save
// win, as scs does. --cpuprofile writes a CPU profile of the whole run.
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
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18093", "address to listen on")
	dbURL := flag.String("db", os.Getenv("DATABASE_URL"), "PostgreSQL URL (default $DATABASE_URL)")
	lww := flag.Bool("lww", false, "let the last save win instead of merging concurrent saves")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if *dbURL == "" {
		log.Fatal("skserve: no database: pass --db postgres://… or set DATABASE_URL")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatalf("skserve: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatalf("skserve: %v", err)
		}
		defer pprof.StopCPUProfile()
	}

	store, err := sqlstore.Open(ctx, *dbURL, sqlstore.Config{})
	if err != nil {
		log.Fatalf("skserve: %v", err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		log.Fatalf("skserve: %v", err)
	}

	m := sessionkit.New(store)
	m.CookieSecure = false // plain HTTP on loopback
	m.LastWriteWins = *lww
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/session", func(w http.ResponseWriter, r *http.Request) {
		n, err := counter(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		answer(w, n)
	})
	mux.HandleFunc("POST /api/session", func(w http.ResponseWriter, r *http.Request) {
		n, err := counter(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		s, _ := sessionkit.FromRequest(r)
		s.Set("counter", n+1)
		answer(w, n+1)
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("skserve: %v", err)
	}
	srv := &http.Server{Handler: m.Middleware(mux), ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("skserve: http://%s\n", ln.Addr())
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Fatalf("skserve: %v", err)
	}
}

// counter is the session's "counter", 0 when unset.
func counter(r *http.Request) (int, error) {
	s, err := sessionkit.FromRequest(r)
	if err != nil {
		return 0, err
	}
	n, _ := sessionkit.Get[int](s, "counter")
	return n, nil
}

func answer(w http.ResponseWriter, n int) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"counter":` + strconv.Itoa(n) + "}\n"))
}
