package config_test

import (
	"context"
	"flag"
	"fmt"
	"log"

	"github.com/sessionkit/sessionkit/internal/config"
)

// Settings from a command line and the environment, flags first, turned
// into a Manager.
func Example() {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var flags config.Flags
	flags.Register(fs)
	if err := fs.Parse([]string{"--cookie-age", "3600"}); err != nil {
		log.Fatal(err)
	}
	env := map[string]string{"SESSION_ENGINE": "memory", "SESSION_COOKIE_AGE": "60"}
	settings, err := flags.Settings(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		log.Fatal(err)
	}
	m, closeStore, err := settings.Open(context.Background(), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer closeStore()
	fmt.Println(settings.Describe())
	fmt.Println(m.CookieName, m.CookieAge)
	// Output:
	// memory engine, this process's memory (sessions end when it stops), native formats
	// sessionid 1h0m0s
}
