package cookiestore_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/cookiestore"
)

func Example() {
	store, err := cookiestore.New(cookiestore.Config{
		SecretKey: "a-long-random-secret-kept-out-of-the-repository",
		MaxAge:    8 * time.Hour, // bounds how long a stolen cookie works
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// The "key" Create returns is the cookie value: the session itself,
	// encrypted.
	value, err := store.Create(ctx, "", sessionkit.Record{
		Data:   []byte(`{"cart":["A1"]}`),
		Expiry: time.Now().Add(time.Hour),
	})
	if err != nil {
		log.Fatal(err)
	}
	rec, err := store.Load(ctx, value)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", rec.Data)
	// Output: {"cart":["A1"]}
}

// In Django mode the cookie is exactly Django's signed_cookies session
// cookie: a Django app with the same SECRET_KEY reads and writes it.
func Example_django() {
	now := time.Unix(1700000000, 500_000_000) // fixed for the example
	store, err := cookiestore.New(cookiestore.Config{
		SecretKey:    "django-insecure-interop-test-key-0123456789abcdef", // Django's SECRET_KEY
		FallbackKeys: nil,                                                 // Django's SECRET_KEY_FALLBACKS
		Django:       true,
		Now:          func() time.Time { return now },
	})
	if err != nil {
		log.Fatal(err)
	}
	value, err := store.Create(context.Background(), "", sessionkit.Record{Data: []byte(`{"foo":"bar"}`)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(value)
	// Output: eyJmb28iOiJiYXIifQ:1r31eq:mESe86VaLS8hGiT4VNiR7gFwZePhpDuiBEUXeyMvwGk
}
