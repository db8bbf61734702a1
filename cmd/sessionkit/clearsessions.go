package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/sessionkit/sessionkit/internal/config"
)

const clearsessionsHelp = `Clearsessions deletes the expired sessions of the session engine's store and
prints how many it deleted: Django's "manage.py clearsessions". Run it now and
then (from cron, say): neither Django nor sessionkit deletes expired sessions
by itself, though neither ever uses one.

It takes the settings serve takes, as flags or environment variables with
Django's names: SESSION_ENGINE, DATABASE_URL (db, cached_db), SESSION_FILE_PATH
(file), SESSIONKIT_DJANGO.

  DATABASE_URL=postgres://app@db/app sessionkit clearsessions
  sessionkit clearsessions --engine file --file-path /var/lib/sessions

The cache and signed_cookies engines have nothing to clear: a cache expires
its entries, and a signed cookie carries its own expiry. Clearsessions says so
and exits 0. The memory engine keeps its sessions inside the serving process,
out of reach: exit status 1, as for a failure. Exit status 2 is a bad setting.

`

// runClearSessions is the clearsessions command.
func runClearSessions(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	f := newFlags("clearsessions", "sessionkit clearsessions [flags]", clearsessionsHelp)
	var settingFlags config.Flags
	settingFlags.Register(f.FlagSet)
	pos, code, ok := f.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return f.usageError(stderr, "clearsessions takes no arguments, got %q", pos)
	}
	settings, err := settingFlags.Settings(os.LookupEnv)
	if err != nil {
		return f.usageError(stderr, "%v", err)
	}
	switch settings.Engine {
	case config.EngineCache:
		fmt.Fprintln(stdout, "Nothing to clear: the cache engine's sessions expire by themselves in the cache.")
		return exitOK
	case config.EngineSignedCookies:
		fmt.Fprintln(stdout, "Nothing to clear: the signed_cookies engine keeps sessions in the browsers' cookies, which carry their own expiry.")
		return exitOK
	case config.EngineMemory:
		fmt.Fprintf(stderr, "%s: Session engine 'memory' doesn't support clearing expired sessions: they live inside the serving process, which removes them itself.\n", f.Name())
		return exitFail
	}
	// Clearing decodes nothing, so the secret key matters only to open the
	// store in Django mode: the saved one if there is one, else any.
	if _, err := settings.LoadSecretKey(false); err != nil {
		return configError(stderr, f.Name(), err)
	}
	if settings.SecretKey == "" {
		settings.SecretKey = config.NewSecretKey()
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	m, closeStore, err := settings.Open(ctx, log)
	if err != nil {
		return configError(stderr, f.Name(), err)
	}
	defer closeStore()
	n, err := m.ClearExpired(ctx)
	if errors.Is(err, errors.ErrUnsupported) {
		fmt.Fprintf(stderr, "%s: Session engine '%s' doesn't support clearing expired sessions.\n", f.Name(), settings.Engine)
		return exitFail
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: clearing expired sessions (%s) failed: %v\n", f.Name(), settings.Describe(), err)
		return exitFail
	}
	noun := "sessions"
	if n == 1 {
		noun = "session"
	}
	fmt.Fprintf(stdout, "Deleted %d expired %s (%s).\n", n, noun, settings.Describe())
	return exitOK
}
