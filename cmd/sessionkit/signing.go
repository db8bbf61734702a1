package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit/pyjson"
	"github.com/sessionkit/sessionkit/signing"
)

const keyHelp = `The secret key is read from $SECRET_KEY or from the file --secret-key-file
(or $SESSIONKIT_SECRET_KEY_FILE) names, which must be private to you (chmod
600). --secret-key also works, but puts the key where other users of the
machine can read it (ps), and is warned about.

`

const saltHelp = `The salt must be the one the token was made with:

  django.core.signing                              signing.dumps (the default)
  django.contrib.sessions.SessionStore             session data: the session_data
                                                   column of django_session, or a
                                                   session file
  django.contrib.sessions.backends.signed_cookies  the session cookie of the
                                                   signed_cookies session engine
`

func runDecode(_ context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	f := newFlags("decode", "sessionkit decode [flags] TOKEN", `Decode verifies TOKEN, made by Django's signing.dumps or session code (or by
sessionkit encode), and prints the JSON it carries as Python writes it, which
is byte for byte what Django serialized. TOKEN "-" reads it from standard
input.

`+keyHelp+saltHelp+`
Exit status is 1 if the token does not verify (wrong key or salt, tampered
with, expired) or carries no valid JSON, and 2 for a usage error.
`)
	keys := secretKeyFlagsOn(f)
	salt := f.String("salt", signing.DefaultSalt, "the `SALT` the token was signed with (default: "+signing.DefaultSalt+")")
	maxAge := f.Float64("max-age", 0, "reject tokens signed more than `SECONDS` ago (default: no limit, as Django's max_age=None)")
	var fallbacks []string
	f.Func("fallback-key", "an older `KEY` that is still accepted (default: $SECRET_KEY_FALLBACKS, comma-separated); repeat for several. Other users see command lines: prefer the environment", func(s string) error {
		if s == "" {
			return errors.New("an empty key would accept tokens anyone can sign")
		}
		fallbacks = append(fallbacks, s)
		return nil
	})
	pos, code, ok := f.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return f.usageError(stderr, "want exactly one TOKEN, got %d arguments", len(pos))
	}
	secret, err := keys.resolve(f.Name(), stderr)
	if err != nil {
		return f.usageError(stderr, "%v", err)
	}
	if secret == "" {
		return f.usageError(stderr, "no secret key: set SECRET_KEY, or pass --secret-key-file (or --secret-key)")
	}
	if len(fallbacks) > 0 {
		warnCommandLineSecret(stderr, f.Name(), "--fallback-key")
	} else if env := os.Getenv("SECRET_KEY_FALLBACKS"); env != "" {
		for k := range strings.SplitSeq(env, ",") {
			if k = strings.TrimSpace(k); k != "" {
				fallbacks = append(fallbacks, k)
			}
		}
	}
	// No --max-age: no age check. A limit must be positive, so that
	// "--max-age 0" cannot be read as either "no limit" or "expire all".
	age := signing.NoMaxAge
	if given(f, "max-age") {
		if !(*maxAge > 0) || *maxAge > math.MaxInt64/float64(time.Second) {
			return f.usageError(stderr, "--max-age must be a positive number of seconds; leave it out for no age limit")
		}
		age = time.Duration(*maxAge * float64(time.Second))
	}
	token, err := argOrStdin(pos[0], stdin)
	if err != nil {
		return f.usageError(stderr, "%v", err)
	}
	s, err := signing.NewTimestampSigner(signing.Options{Key: secret, FallbackKeys: fallbacks, Salt: *salt})
	if err != nil {
		return f.usageError(stderr, "%v", err)
	}
	data, err := s.UnsignPayload(strings.TrimSpace(token), age)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %s\n", f.Name(), decodeFailure(err))
		return exitFail
	}
	v, err := pyjson.UnmarshalOrdered(data)
	if err != nil {
		fmt.Fprintf(stderr, "%s: the signature is valid but the payload is not JSON: %v\n", f.Name(), err)
		return exitFail
	}
	// Written back by pyjson, Django's own output comes out unchanged; any
	// raw bytes a non-Python writer put in come out escaped, never as
	// control characters on the terminal.
	out, err := pyjson.Marshal(v)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", f.Name(), err)
		return exitFail
	}
	stdout.Write(append(out, '\n'))
	return exitOK
}

// decodeFailure explains a verification error with what to check.
func decodeFailure(err error) string {
	switch {
	case errors.Is(err, signing.ErrSignatureExpired):
		return err.Error()
	case errors.Is(err, signing.ErrBadSignature):
		return err.Error() + "; check the secret key and --salt"
	}
	return err.Error()
}

func runEncode(_ context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	f := newFlags("encode", "sessionkit encode [flags] JSON", `Encode signs JSON as Django's signing.dumps does and prints the token, which
Django's signing.loads (and sessionkit decode) accept with the same key and
salt. JSON "-" reads it from standard input; it is read as UTF-8 text and
written in Python's format, non-ASCII characters escaped.

`+keyHelp+saltHelp)
	keys := secretKeyFlagsOn(f)
	salt := f.String("salt", signing.DefaultSalt, "the `SALT` to sign with (default: "+signing.DefaultSalt+")")
	compress := f.Bool("compress", false, "zlib-compress the JSON when that makes the token shorter (signing.dumps(compress=True))")
	pos, code, ok := f.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return f.usageError(stderr, "want exactly one JSON argument, got %d arguments", len(pos))
	}
	secret, err := keys.resolve(f.Name(), stderr)
	if err != nil {
		return f.usageError(stderr, "%v", err)
	}
	if secret == "" {
		return f.usageError(stderr, "no secret key: set SECRET_KEY, or pass --secret-key-file (or --secret-key)")
	}
	text, err := argOrStdin(pos[0], stdin)
	if err != nil {
		return f.usageError(stderr, "%v", err)
	}
	v, err := pyjson.UnmarshalUTF8([]byte(text))
	if err != nil {
		return f.usageError(stderr, "invalid JSON: %v", err)
	}
	token, err := signing.Dumps(v, secret, *salt, *compress)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", f.Name(), err)
		return exitFail
	}
	fmt.Fprintln(stdout, token)
	return exitOK
}

// given reports whether the command line set the flag name.
func given(f *flags, name string) bool {
	set := false
	f.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}
