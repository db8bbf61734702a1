package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/sessionkit/sessionkit/store/sqlstore"
)

const migrateHelp = `Migrate creates the session table of the db engine and its indexes if they
do not exist; running it again changes nothing. With --django the table is
Django's django_session, exactly as Django's "manage.py migrate sessions"
creates it on that database, so Django and sessionkit share it; without, it is
sessionkit's native table (session keys hashed at rest, a per-user index).
Next to it, in both layouts, it creates the table of session locks
(<table>_lock) that exclusive requests take turns through; Django ignores it.

The database URL follows Django's dj-database-url convention:

  sessionkit migrate --db sqlite:///sessions.db
  sessionkit migrate --django --db postgres://app:secret@db:5432/app
  DATABASE_URL=mysql://app:secret@db:3306/app sessionkit migrate

--db defaults to $DATABASE_URL and --django to $SESSIONKIT_DJANGO, the
settings serve and clearsessions read.

`

// runMigrate is the migrate command.
func runMigrate(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	f := newFlags("migrate", "sessionkit migrate [--django] [--table T] [--db URL]", migrateHelp)
	dbURL := f.String("db", os.Getenv("DATABASE_URL"), "database URL: sqlite:///file.db, postgres://…, mysql://… (default $DATABASE_URL)")
	djangoDefault, _ := strconv.ParseBool(os.Getenv("SESSIONKIT_DJANGO"))
	django := f.Bool("django", djangoDefault, "create Django's django_session table (default $SESSIONKIT_DJANGO)")
	table := f.String("table", "", "table name (default sessionkit_session, or django_session with --django)")
	pos, code, ok := f.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return f.usageError(stderr, "migrate takes no arguments, got %q", pos)
	}
	if *dbURL == "" {
		return f.usageError(stderr, "no database: pass --db URL or set DATABASE_URL (for example sqlite:///sessions.db)")
	}
	if _, err := sqlstore.ParseURL(*dbURL); err != nil {
		return f.usageError(stderr, "%v", err)
	}
	s, err := sqlstore.Open(ctx, *dbURL, sqlstore.Config{Django: *django, Table: *table})
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", f.Name(), err)
		return exitFail
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", f.Name(), err)
		return exitFail
	}
	layout := "sessionkit's native layout"
	if *django {
		layout = "Django's layout"
	}
	fmt.Fprintf(stdout, "Table %s is ready (%s, %s).\n", s.Table(), layout, s.Dialect())
	return exitOK
}
