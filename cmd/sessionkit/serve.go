package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit/internal/config"
	"github.com/sessionkit/sessionkit/internal/demo"
)

// defaultAddr is where serve listens unless told otherwise: loopback only,
// Django's runserver port.
const defaultAddr = "127.0.0.1:8000"

// shutdownTimeout bounds how long serve waits for requests in flight after
// SIGINT or SIGTERM.
const shutdownTimeout = 10 * time.Second

const serveHelp = `Serve runs the sessionkit playground: a page for every cookie and session
operation of Django's documentation, a small shop that keeps its cart and
login in the session, and a JSON API (GET /api/session and friends).

With no settings it keeps sessions in the SQLite database sessionkit.db in
the working directory (the db engine), and a generated SECRET_KEY in
sessionkit.secret beside it. Every setting is a flag or an environment
variable with Django's name; a flag wins over the variable:

  SESSION_ENGINE=cached_db CACHE_URL=redis://127.0.0.1:6379/0 sessionkit serve
  sessionkit serve --engine file --file-path /tmp/sessions --django

Engines: db, file, cache, cached_db, signed_cookies, memory (or Django's
dotted names). --django (SESSIONKIT_DJANGO=true) writes Django's table,
files and cookies, so a Django app with the same SECRET_KEY shares the
sessions.

Give secrets in the environment (SECRET_KEY, SECRET_KEY_FALLBACKS) or in a
file private to you (--secret-key-file, mode 0600, read without following
links), not as flags: other users of the machine can read command lines
(ps). --secret-key and --secret-key-fallbacks still work, with a warning.

For operators: GET /metrics gives the session store's counters and latency
in Prometheus' text format, and GET /healthz answers 200 while the store
answers and 503 when it fails or takes more than 2 seconds.

SIGINT or SIGTERM stops the server gracefully. Exit status is 2 for a bad
setting, 1 if serving fails.

`

// runServe is the serve command.
func runServe(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	f := newFlags("serve", "sessionkit serve [flags]", serveHelp)
	var settingFlags config.Flags
	settingFlags.Register(f.FlagSet)
	addrFlag := f.String("addr", "", "`ADDRESS` to listen on (env SESSIONKIT_ADDR; default "+defaultAddr+")")
	pos, code, ok := f.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return f.usageError(stderr, "serve takes no arguments, got %q", pos)
	}
	settings, err := settingFlags.Settings(os.LookupEnv)
	if err != nil {
		return f.usageError(stderr, "%v", err)
	}
	for _, name := range []string{"secret-key", "secret-key-fallbacks"} {
		if given(f, name) {
			warnCommandLineSecret(stderr, f.Name(), "--"+name)
		}
	}
	addr := *addrFlag
	if addr == "" {
		addr = os.Getenv("SESSIONKIT_ADDR")
	}
	if addr == "" {
		addr = defaultAddr
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	src, err := settings.LoadSecretKey(true)
	if err != nil {
		return configError(stderr, f.Name(), err)
	}
	if src == config.SecretKeyGenerated {
		fmt.Fprintf(stderr, "sessionkit serve: no SECRET_KEY was set, so one was generated and saved in %s (readable by you only); it is used from now on. Set SECRET_KEY to use your own.\n", settings.SecretKeyPath())
	}
	m, closeStore, err := settings.Open(ctx, log)
	if err != nil {
		return configError(stderr, f.Name(), err)
	}
	defer func() {
		if err := closeStore(); err != nil {
			log.Error("closing the session store", "err", err)
		}
	}()

	// In Django mode on a database with Django's auth_user, the
	// playground's logins are the Django app's users.
	usersDB, err := settings.UsersDB(ctx)
	if err != nil {
		return configError(stderr, f.Name(), err)
	}
	if usersDB != nil {
		defer usersDB.Close()
		log.Info("logins use the users of Django's auth_user table in DATABASE_URL")
	}

	var shown []demo.Setting
	for _, kv := range settings.Summary() {
		shown = append(shown, demo.Setting{Name: kv[0], Value: kv[1]})
	}
	handler, err := demo.New(demo.Config{
		Manager:      m,
		SecretKey:    settings.SecretKey,
		FallbackKeys: settings.SecretKeyFallbacks,
		Engine:       settings.Describe(),
		Settings:     shown,
		UsersDB:      usersDB,
		Logger:       log,
	})
	if err != nil {
		return configError(stderr, f.Name(), err)
	}

	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return configError(stderr, f.Name(), fmt.Errorf("--addr: %w", err))
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "sessionkit serve: http://%s — %s\n", ln.Addr(), settings.Describe())

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		fmt.Fprintf(stderr, "sessionkit serve: %v\n", err)
		return exitFail
	case <-ctx.Done():
	}
	fmt.Fprintln(stdout, "sessionkit serve: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "sessionkit serve: requests still running after %v were cut off: %v\n", shutdownTimeout, err)
		return exitFail
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "sessionkit serve: %v\n", err)
		return exitFail
	}
	return exitOK
}

// configError reports a setting that does not work, in one line, and
// returns the usage exit code.
func configError(stderr io.Writer, command string, err error) int {
	fmt.Fprintf(stderr, "%s: %s\n", command, strings.ReplaceAll(err.Error(), "\n", "; "))
	return exitUsage
}
