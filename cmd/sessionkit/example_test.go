package main

import (
	"context"
	"os"
	"strings"
)

// Decoding Django session data (the session_data column of
// django_session) with the app's SECRET_KEY and the session salt.
func Example_decode() {
	os.Setenv("SECRET_KEY", "django-insecure-interop-test-key-0123456789abcdef")
	defer os.Unsetenv("SECRET_KEY")
	run(context.Background(), []string{"decode",
		"--salt", "django.contrib.sessions.SessionStore",
		"eyJmb28iOiJiYXIifQ:1r31eq:HpP88y98DOPZ44Om-HE6Y8Vqu2uG2I2igVzB_O06hEg",
	}, nil, os.Stdout, os.Stderr)
	// Output:
	// {"foo":"bar"}
}

// Encoding reads JSON (here from standard input) and prints a token that
// Django's signing.loads accepts; decode reads it back.
func Example_encode() {
	os.Setenv("SECRET_KEY", "example-key")
	defer os.Unsetenv("SECRET_KEY")
	var token strings.Builder
	run(context.Background(), []string{"encode", "-"},
		strings.NewReader(`{"name": "Jürgen", "n": 1.0}`), &token, os.Stderr)
	run(context.Background(), []string{"decode", strings.TrimSpace(token.String())},
		nil, os.Stdout, os.Stderr)
	// Output:
	// {"name":"J\u00fcrgen","n":1.0}
}
