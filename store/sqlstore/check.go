package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrNoTable: Check found no session table.
var ErrNoTable = errors.New("sqlstore: the session table does not exist")

// column is one column of an existing table, as the database describes it.
type column struct {
	name, typ         string // typ lower-case, as declared
	notNull, hasValue bool   // hasValue: a default, identity or auto-increment
}

// Check verifies that the session table exists and that its columns fit
// the layout the store uses: every column the store reads and writes is
// there, with a type of the right kind, the user column (native layout)
// takes NULL, and no other column would make an INSERT fail (NOT NULL
// without a default). It returns an error wrapping ErrNoTable when the
// table is missing and ErrTableMismatch, saying what is wrong and what to
// do, when it does not fit. The lease table of TryLock (see the package
// documentation) is checked the same way if it exists; its absence is no
// error, since only locking needs it. It runs under Config.Timeout.
//
// Run it at start-up to fail early: without it, a wrong table is only
// noticed by the first request that writes a session.
func (s *Store) Check(ctx context.Context) error {
	tctx, cancel := s.bound(ctx)
	defer cancel()
	exists, err := s.check(tctx)
	if err != nil {
		return s.fail(ctx, tctx, "", err)
	}
	if !exists {
		flag := ""
		if s.django {
			flag = " --django"
		}
		return fmt.Errorf("%w: no table %s in the database; create it with `sessionkit migrate%s --db URL` (or Store.Migrate, or Config.CreateTable)",
			ErrNoTable, s.dialect.qualified(s.table), flag)
	}
	return nil
}

// check reads the columns of the table and compares them with the layout.
// It reports whether the table exists; an existing table that does not fit
// is an error wrapping ErrTableMismatch.
func (s *Store) check(ctx context.Context) (bool, error) {
	cols, err := s.columns(ctx, s.table)
	if err != nil {
		return false, fmt.Errorf("sqlstore: read the columns of table %s: %w", s.dialect.qualified(s.table), err)
	}
	if len(cols) == 0 {
		return false, nil
	}
	if problems := s.layout.problems(s.dialect, cols); len(problems) > 0 {
		return true, s.mismatch(cols, problems)
	}
	return true, s.checkLocks(ctx)
}

// checkLocks checks the lease table of TryLock, if there is one. Its
// absence is no error: only locking needs it, and TryLock then says how to
// create it.
func (s *Store) checkLocks(ctx context.Context) error {
	cols, err := s.columns(ctx, s.locks)
	if err != nil {
		return fmt.Errorf("sqlstore: read the columns of table %s: %w", s.dialect.qualified(s.locks), err)
	}
	if len(cols) == 0 {
		return nil
	}
	var problems []string
	for _, w := range []struct {
		name string
		kind kind
	}{{"lock_key", textKind}, {"token", textKind}, {"expires", intKind}} {
		i := slices.IndexFunc(cols, func(c column) bool { return strings.EqualFold(c.name, w.name) })
		switch {
		case i < 0:
			problems = append(problems, "it has no column "+w.name)
		case !w.kind.fits(s.dialect, cols[i].typ):
			problems = append(problems, fmt.Sprintf("column %s is %s, not %s", w.name, cols[i].typ, w.kind))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: table %s, where the store keeps session locks, is not laid out for them: %s. Drop or rename it and run `sessionkit migrate --db URL` to create it",
			ErrTableMismatch, s.dialect.qualified(s.locks), strings.Join(problems, "; "))
	}
	return nil
}

// columns lists the columns of table t; none if it does not exist.
func (s *Store) columns(ctx context.Context, t table) ([]column, error) {
	var (
		query string
		args  []any
	)
	switch s.dialect {
	case Postgres:
		query = `SELECT column_name, data_type, is_nullable = 'NO', column_default IS NOT NULL OR is_identity = 'YES' OR is_generated <> 'NEVER'
			FROM information_schema.columns WHERE table_schema = COALESCE(NULLIF($1, ''), current_schema()) AND table_name = $2`
		args = []any{t.schema, t.name}
	case MySQL:
		query = "SELECT column_name, column_type, is_nullable = 'NO', column_default IS NOT NULL OR extra <> '' " +
			"FROM information_schema.columns WHERE table_schema = COALESCE(NULLIF(?, ''), DATABASE()) AND table_name = ?"
		args = []any{t.schema, t.name}
	default:
		query = `SELECT name, type, "notnull" <> 0, dflt_value IS NOT NULL OR pk <> 0 FROM pragma_table_info(?)`
		args = []any{t.name}
		if t.schema != "" {
			query = `SELECT name, type, "notnull" <> 0, dflt_value IS NOT NULL OR pk <> 0 FROM pragma_table_info(?, ?)`
			args = append(args, t.schema)
		}
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.name, &c.typ, &c.notNull, &c.hasValue); err != nil {
			return nil, err
		}
		c.typ = strings.ToLower(c.typ)
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// kind is the family of a column type that the store needs.
type kind int

const (
	textKind   kind = iota // varchar, text, char
	bytesKind              // blob, bytea, longblob
	timeKind               // timestamp, datetime
	intKind                // integer (the native SQLite expiry)
	textOrTime             // Django's SQLite datetime column holds text
)

func (k kind) String() string {
	return [...]string{"text", "binary", "a timestamp", "an integer", "a datetime"}[k]
}

// fits reports whether a declared type belongs to the kind.
func (k kind) fits(d Dialect, typ string) bool {
	has := func(subs ...string) bool {
		return slices.ContainsFunc(subs, func(sub string) bool { return strings.Contains(typ, sub) })
	}
	switch k {
	case textKind:
		if d == SQLite {
			// SQLite keeps any value in a column of TEXT or BLOB affinity.
			return has("char", "text", "clob", "blob") || typ == ""
		}
		return has("char", "text")
	case bytesKind:
		if d == SQLite {
			return has("blob", "char", "text", "clob") || typ == ""
		}
		return has("blob", "bytea", "binary")
	case timeKind:
		return has("timestamp", "datetime")
	case intKind:
		return has("int")
	case textOrTime:
		return has("date", "time", "char", "text")
	}
	return false
}

// want lists the layout's columns with the kind each needs on d.
func (l layout) want(d Dialect) []struct {
	name string
	kind kind
} {
	exp := timeKind
	switch {
	case d == SQLite && l.userID != "":
		exp = intKind
	case d == SQLite:
		exp = textOrTime
	}
	data := bytesKind
	if l.userID == "" { // Django's session_data is text
		data = textKind
	}
	w := []struct {
		name string
		kind kind
	}{{l.key, textKind}, {l.data, data}, {l.expiry, exp}}
	if l.userID != "" {
		w = append(w, struct {
			name string
			kind kind
		}{l.userID, textKind})
	}
	return w
}

// problems says, one phrase each, why cols do not fit the layout.
func (l layout) problems(d Dialect, cols []column) []string {
	byName := make(map[string]column, len(cols))
	for _, c := range cols {
		byName[strings.ToLower(c.name)] = c
	}
	var out, missing []string
	mine := map[string]bool{}
	for _, w := range l.want(d) {
		mine[w.name] = true
		c, ok := byName[w.name]
		switch {
		case !ok:
			missing = append(missing, w.name)
		case !w.kind.fits(d, c.typ):
			out = append(out, fmt.Sprintf("column %s is %s, not %s", w.name, c.typ, w.kind))
		case w.name == l.userID && c.notNull:
			out = append(out, fmt.Sprintf("column %s is NOT NULL, but sessions without a user store NULL", w.name))
		}
	}
	if len(missing) > 0 {
		out = append([]string{"it has no column " + strings.Join(missing, ", ")}, out...)
	}
	var blocking []string
	for _, c := range cols {
		if !mine[strings.ToLower(c.name)] && c.notNull && !c.hasValue {
			blocking = append(blocking, c.name)
		}
	}
	if len(blocking) > 0 {
		out = append(out, fmt.Sprintf("its other columns that are NOT NULL with no default (%s) would make every INSERT fail", strings.Join(blocking, ", ")))
	}
	return out
}

// mismatch builds the ErrTableMismatch error for the table's problems.
func (s *Store) mismatch(cols []column, problems []string) error {
	other, hint := djangoLayout, " It is laid out as Django's table: to use it as it is, run with --django (SESSIONKIT_DJANGO=true, Config.Django)."
	if s.django {
		other, hint = nativeLayout, " It is laid out as sessionkit's native table: to use it as it is, run without --django (SESSIONKIT_DJANGO=false)."
	}
	if len(other.problems(s.dialect, cols)) > 0 {
		hint = ""
	}
	migrateFlag := ""
	if s.django {
		migrateFlag = " --django"
	}
	var names []string
	for _, c := range cols {
		names = append(names, c.name)
	}
	todo := " Drop or rename"
	if hint != "" {
		todo = " Otherwise drop or rename"
	}
	return fmt.Errorf("%w: table %s (columns %s) does not fit the %s layout: %s.%s%s that table and run `sessionkit migrate%s --db URL` to create the right one, or name another table with --table (Config.Table)",
		ErrTableMismatch, s.dialect.qualified(s.table), strings.Join(names, ", "), s.layoutName(), strings.Join(problems, "; "), hint, todo, migrateFlag)
}
