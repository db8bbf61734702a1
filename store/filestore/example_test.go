package filestore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/filestore"
)

func Example() {
	dir, err := os.MkdirTemp("", "sessions")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// A missing directory, or one that others can write, is reported
	// here, not at the first request.
	store, err := filestore.New(filestore.Config{Dir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	ctx := context.Background()
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

	sessions, err := store.UserSessions(ctx, "42")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(sessions), "session(s) of user 42")

	// Run this periodically: it is Django's clearsessions.
	if _, err := store.ClearExpired(ctx); err != nil {
		log.Fatal(err)
	}
	// Output:
	// {"cart":["A1"]} for user 42
	// 1 session(s) of user 42
}

// In Django mode the store shares a SESSION_FILE_PATH with Django's file
// engine: the files hold Django's session_data tokens, named
// sessionid<key>, and Record.Data must be such a token (the Manager's
// Django codec makes it).
func Example_django() {
	dir, err := os.MkdirTemp("", "sessions")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	store, err := filestore.New(filestore.Config{
		Dir:    dir,                   // Django's SESSION_FILE_PATH
		Django: true,                  // read and write Django's files
		MaxAge: 1209600 * time.Second, // Django's SESSION_COOKIE_AGE
	})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	token := "eyJmb28iOiJiYXIifQ:1r31eq:HpP88y98DOPZ44Om-HE6Y8Vqu2uG2I2igVzB_O06hEg"
	key := "6psf0wakxoyrk8zmtcnr3mdmrwz2xtzf"
	if _, err := store.Create(context.Background(), key, sessionkit.Record{Data: []byte(token), Expiry: time.Now().Add(time.Hour)}); err != nil {
		log.Fatal(err)
	}
	content, err := os.ReadFile(dir + "/sessionid" + key)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(content) == token)
	// Output: true
}
