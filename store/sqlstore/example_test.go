package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"net/http"
	"time"

	// The program registers the driver of its database; sqlstore imports none.
	_ "modernc.org/sqlite"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

func Example() {
	ctx := context.Background()
	// A URL as in Django's DATABASE_URL; sqlite:///sessions.db for a file.
	store, err := sqlstore.Open(ctx, "sqlite://:memory:", sqlstore.Config{
		CreateTable:     true,             // create the table on first use
		CleanupInterval: 10 * time.Minute, // delete expired rows in the background
	})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	key, err := store.Create(ctx, sessionkit.NewKey(), sessionkit.Record{
		Data:   []byte(`{"cart":["A1"]}`),
		Expiry: time.Now().Add(time.Hour),
		UserID: "42",
	})
	if err != nil {
		log.Fatal(err)
	}
	rec, err := store.Load(ctx, key)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s for user %s\n", rec.Data, rec.UserID)

	// Log user 42 out everywhere.
	n, err := store.DeleteUserSessions(ctx, "42", "")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, "session(s) deleted")
	// Output:
	// {"cart":["A1"]} for user 42
	// 1 session(s) deleted
}

// Django mode shares Django's django_session table: the Manager encodes
// sessions with Django's codec, and the store keeps rows Django reads.
func Example_django() {
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite://:memory:", sqlstore.Config{Django: true})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	// Creates what `manage.py migrate sessions` creates; a no-op if the
	// table is there.
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	m := &sessionkit.Manager{
		Store: store,
		Codec: &sessionkit.DjangoCodec{SecretKey: "the Django app's SECRET_KEY"},
	}
	mux := http.NewServeMux()
	mux.Handle("/", m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The sessions here are Django's sessions.
	})))
	fmt.Println(store.Table())
	// Output: django_session
}

// New takes a *sql.DB the application already has; Close leaves it open.
func ExampleNew() {
	db, err := sql.Open("sqlite", "file:app.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	store, err := sqlstore.New(db, sqlstore.Config{Table: "web_sessions"})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	fmt.Println(store.Dialect(), store.Table())
	// Output: sqlite web_sessions
}

// ClearExpired is Django's clearsessions: it deletes expired rows in
// batches and reports how many.
func ExampleStore_ClearExpired() {
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite://:memory:", sqlstore.Config{CreateTable: true})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	for _, expiry := range []time.Duration{-time.Hour, -time.Minute, time.Hour} {
		if _, err := store.Create(ctx, sessionkit.NewKey(), sessionkit.Record{Data: []byte("{}"), Expiry: time.Now().Add(expiry)}); err != nil {
			log.Fatal(err)
		}
	}
	n, err := store.ClearExpired(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, "expired session(s) removed")
	// Output: 2 expired session(s) removed
}

func ExampleParseURL() {
	src, err := sqlstore.ParseURL("mysql://app:secret@db.internal/sessions")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(src.Driver, src.Dialect)
	fmt.Println(src.DSN)
	// Output:
	// mysql mysql
	// app:secret@tcp(db.internal:3306)/sessions?clientFoundRows=true&interpolateParams=true&parseTime=true&timeout=5s
}
