package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"text/tabwriter"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/config"
)

const sessionsHelp = `Sessions lists a user's sessions or logs them out, on the store serve uses:

  sessionkit sessions list --user ID [--json]
  sessionkit sessions revoke --user ID --all
  sessionkit sessions revoke --user ID --id SESSION_ID

ID is the user's id as the session holds it (Django's _auth_user_id).
SESSION_ID is the id that list prints (the SHA-256 of the session key, never
the key itself). --all logs the user out everywhere: after a password change,
say. With the signed_cookies engine, which no server can list, --all records
in DATABASE_URL's database that the user's cookies issued until now are no
longer valid; list and --id are not possible there.

It takes the settings serve takes, as flags or environment variables with
Django's names: SESSION_ENGINE, DATABASE_URL, CACHE_URL, SESSION_FILE_PATH,
SESSIONKIT_DJANGO, SECRET_KEY (to read the metadata of Django-mode sessions).
Exit status 1 is a failure or an engine that cannot (memcached, the Django
layout of the file engine); 2 is a bad command line.

`

// runSessions is the sessions command.
func runSessions(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	f := newFlags("sessions", "sessionkit sessions (list | revoke) --user ID [flags]", sessionsHelp)
	var settingFlags config.Flags
	settingFlags.Register(f.FlagSet)
	user := f.String("user", "", "the user's id (_auth_user_id)")
	asJSON := f.Bool("json", false, "list: print JSON, as GET /api/user/sessions does")
	all := f.Bool("all", false, "revoke: every session of the user")
	id := f.String("id", "", "revoke: the session with this id (from list)")
	action := ""
	if len(args) > 0 && (args[0] == "list" || args[0] == "revoke") {
		action, args = args[0], args[1:]
	}
	pos, code, ok := f.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	switch {
	case action == "":
		return f.usageError(stderr, "name an action: sessions list or sessions revoke")
	case len(pos) > 0:
		return f.usageError(stderr, "unexpected arguments %q", pos)
	case *user == "":
		return f.usageError(stderr, "--user is required: the user's id as the session holds it")
	case action == "revoke" && *all == (*id != ""):
		return f.usageError(stderr, "revoke takes exactly one of --all and --id")
	case action == "list" && (*all || *id != ""):
		return f.usageError(stderr, "--all and --id go with revoke, not list")
	}
	settings, err := settingFlags.Settings(os.LookupEnv)
	if err != nil {
		return f.usageError(stderr, "%v", err)
	}
	if settings.Engine == config.EngineMemory {
		fmt.Fprintf(stderr, "%s: the memory engine keeps its sessions inside the serving process, out of reach; use serve's GET /api/user/sessions\n", f.Name())
		return exitFail
	}
	if _, err := settings.LoadSecretKey(false); err != nil {
		return configError(stderr, f.Name(), err)
	}
	if settings.SecretKey == "" {
		settings.SecretKey = config.NewSecretKey() // nothing signed is read without one
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	m, closeStore, err := settings.Open(ctx, log)
	if err != nil {
		return configError(stderr, f.Name(), err)
	}
	defer closeStore()
	cannot := func(err error) int {
		if errors.Is(err, errors.ErrUnsupported) {
			fmt.Fprintf(stderr, "%s: session engine '%s' cannot do this: %v\n", f.Name(), settings.Engine, err)
		} else {
			fmt.Fprintf(stderr, "%s: %s failed (%s): %v\n", f.Name(), action, settings.Describe(), err)
		}
		return exitFail
	}
	if action == "list" {
		infos, err := m.UserSessions(ctx, *user)
		if err != nil {
			return cannot(err)
		}
		return printSessions(stdout, infos, *asJSON)
	}
	if *id != "" {
		done, err := m.DeleteUserSession(ctx, *user, *id)
		if err != nil {
			return cannot(err)
		}
		if !done {
			fmt.Fprintf(stderr, "%s: user %s has no session %s\n", f.Name(), *user, *id)
			return exitFail
		}
		fmt.Fprintln(stdout, "Revoked 1 session.")
		return exitOK
	}
	n, err := m.DeleteUserSessions(ctx, *user)
	if err != nil {
		return cannot(err)
	}
	if m.Revocations != nil {
		fmt.Fprintf(stdout, "Revoked every session of user %s issued until now.\n", *user)
		return exitOK
	}
	fmt.Fprintf(stdout, "Revoked %d session(s).\n", n)
	return exitOK
}

func printSessions(w io.Writer, infos []sessionkit.SessionInfo, asJSON bool) int {
	at := func(t time.Time) *string {
		if t.IsZero() {
			return nil
		}
		s := t.UTC().Format(time.RFC3339)
		return &s
	}
	if asJSON {
		type row struct {
			ID        string  `json:"id"`
			Created   *string `json:"created"`
			LastSeen  *string `json:"last_seen"`
			Expiry    *string `json:"expiry"`
			UserAgent string  `json:"user_agent"`
			IP        string  `json:"ip"`
			Current   bool    `json:"current"`
		}
		rows := make([]row, 0, len(infos))
		for _, in := range infos {
			rows = append(rows, row{in.ID, at(in.Created), at(in.LastSeen), at(in.Expiry), in.UserAgent, in.IP, false})
		}
		json.NewEncoder(w).Encode(map[string]any{"sessions": rows})
		return exitOK
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tLAST SEEN\tEXPIRES\tIP\tUSER AGENT")
	show := func(t *string) string {
		if t == nil {
			return "-"
		}
		return *t
	}
	for _, in := range infos {
		ip := in.IP
		if ip == "" {
			ip = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", in.ID, show(at(in.Created)), show(at(in.LastSeen)), show(at(in.Expiry)), ip, in.UserAgent)
	}
	tw.Flush()
	return exitOK
}
