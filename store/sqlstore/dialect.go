package sqlstore

import (
	"crypto/md5"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Dialect names the SQL flavour of a database. The zero value means
// "detect it from the *sql.DB's driver".
type Dialect string

// The dialects the store speaks.
const (
	// SQLite: modernc.org/sqlite, or any other SQLite driver.
	SQLite Dialect = "sqlite"
	// Postgres: PostgreSQL through pgx's stdlib driver, lib/pq or similar.
	Postgres Dialect = "postgres"
	// MySQL: MySQL or MariaDB through go-sql-driver/mysql.
	MySQL Dialect = "mysql"
)

// valid reports whether d is one of the named dialects.
func (d Dialect) valid() bool {
	return d == SQLite || d == Postgres || d == MySQL
}

// detectDialect guesses the dialect from the driver's package path, so that
// this package need not import any driver to recognise it.
func detectDialect(drv driver.Driver) (Dialect, error) {
	t := reflect.TypeOf(drv)
	if t == nil {
		return "", errors.New("sqlstore: the *sql.DB has no driver")
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	name := strings.ToLower(t.PkgPath() + "." + t.Name())
	switch {
	case strings.Contains(name, "sqlite"):
		return SQLite, nil
	case strings.Contains(name, "pgx"), strings.Contains(name, "lib/pq"), strings.Contains(name, "postgres"):
		return Postgres, nil
	case strings.Contains(name, "mysql"):
		return MySQL, nil
	}
	return "", fmt.Errorf("sqlstore: cannot tell the SQL dialect of driver %v; set Config.Dialect to sqlstore.SQLite, sqlstore.Postgres or sqlstore.MySQL", reflect.TypeOf(drv))
}

// table is a validated table name, possibly qualified by a schema
// ("schema.table"), split into its parts.
type table struct {
	schema, name string
}

// parseTable accepts plain SQL identifiers only, so that a table name can
// be quoted without escaping and never carries SQL of its own.
func parseTable(s string) (table, error) {
	schema, name, qualified := strings.Cut(s, ".")
	if !qualified {
		schema, name = "", s
	}
	if !isIdent(name) || qualified && !isIdent(schema) {
		return table{}, fmt.Errorf("sqlstore: table name %q is not a plain identifier: use letters, digits and underscores, optionally qualified as schema.table", s)
	}
	return table{schema: schema, name: name}, nil
}

func isIdent(s string) bool {
	if len(s) == 0 || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// quote quotes an identifier the way Django does for the dialect.
func (d Dialect) quote(ident string) string {
	if d == MySQL {
		return "`" + ident + "`"
	}
	return `"` + ident + `"`
}

// qualified is the quoted, schema-qualified table name.
func (d Dialect) qualified(t table) string {
	if t.schema == "" {
		return d.quote(t.name)
	}
	return d.quote(t.schema) + "." + d.quote(t.name)
}

// indexOn returns the quoted name for a new index of t and the quoted
// table it is on. SQLite puts the schema on the index name; PostgreSQL and
// MySQL put it on the table and create the index next to it.
func (d Dialect) indexOn(t table, index string) (name, on string) {
	if d == SQLite && t.schema != "" {
		return d.quote(t.schema) + "." + d.quote(index), d.quote(t.name)
	}
	return d.quote(index), d.qualified(t)
}

// maxNameLength is Django's connection.ops.max_name_length().
func (d Dialect) maxNameLength() int {
	switch d {
	case Postgres:
		return 63
	case MySQL:
		return 64
	}
	return 200 // Django's fallback when the backend has no limit (SQLite)
}

// djangoIndexName is Django's BaseDatabaseSchemaEditor._create_index_name,
// so that an index created here has the name Django's migration gives it.
func (d Dialect) djangoIndexName(tableName string, column, suffix string) string {
	h := md5.New()
	h.Write([]byte(tableName))
	h.Write([]byte(column))
	hashSuffix := hex.EncodeToString(h.Sum(nil))[:8] + suffix
	maxLen := d.maxNameLength()
	name := tableName + "_" + column + "_" + hashSuffix
	if len(name) <= maxLen {
		return name
	}
	if len(hashSuffix) > maxLen/3 {
		hashSuffix = hashSuffix[:maxLen/3]
	}
	other := (maxLen-len(hashSuffix))/2 - 1
	name = truncate(tableName, other) + "_" + truncate(column, other) + "_" + hashSuffix
	if name[0] == '_' || name[0] >= '0' && name[0] <= '9' {
		name = "D" + name[:len(name)-1]
	}
	return name
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// layout describes the columns of one table layout.
type layout struct {
	key, data, expiry, userID string // column names; userID "" if none
}

var (
	nativeLayout = layout{key: "key_hash", data: "data", expiry: "expiry", userID: "user_id"}
	djangoLayout = layout{key: "session_key", data: "session_data", expiry: "expire_date"}
)

// ddl returns the statements that create the table and its indexes, all
// idempotent. In Django mode they are the statements Django's migration
// sessions.0001_initial runs (made idempotent), so that the table is
// exactly the one Django would have created.
func (d Dialect) ddl(t table, django bool) []string {
	q := d.quote
	tbl := d.qualified(t)
	if django {
		expireIdx := d.djangoIndexName(t.name, "expire_date", "")
		switch d {
		case MySQL:
			// MySQL has no CREATE INDEX IF NOT EXISTS; an inline index gives
			// the same schema in one idempotent statement.
			return []string{
				"CREATE TABLE IF NOT EXISTS " + tbl + " (`session_key` varchar(40) NOT NULL PRIMARY KEY, `session_data` longtext NOT NULL, `expire_date` datetime(6) NOT NULL, INDEX " + q(expireIdx) + " (`expire_date`))",
			}
		case Postgres:
			likeIdx := d.djangoIndexName(t.name, "session_key", "_like")
			return []string{
				`CREATE TABLE IF NOT EXISTS ` + tbl + ` ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" timestamp with time zone NOT NULL)`,
				`CREATE INDEX IF NOT EXISTS ` + q(expireIdx) + ` ON ` + tbl + ` ("expire_date")`,
				`CREATE INDEX IF NOT EXISTS ` + q(likeIdx) + ` ON ` + tbl + ` ("session_key" varchar_pattern_ops)`,
			}
		default:
			idx, on := d.indexOn(t, expireIdx)
			return []string{
				`CREATE TABLE IF NOT EXISTS ` + tbl + ` ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" datetime NOT NULL)`,
				`CREATE INDEX IF NOT EXISTS ` + idx + ` ON ` + on + ` ("expire_date")`,
			}
		}
	}
	expiryIdx, userIdx := t.name+"_expiry_idx", t.name+"_user_id_idx"
	switch d {
	case MySQL:
		return []string{
			"CREATE TABLE IF NOT EXISTS " + tbl + " (`key_hash` char(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY, `data` longblob NOT NULL, `expiry` datetime(6) NOT NULL, `user_id` varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL, INDEX " + q(expiryIdx) + " (`expiry`), INDEX " + q(userIdx) + " (`user_id`))",
		}
	case Postgres:
		return []string{
			`CREATE TABLE IF NOT EXISTS ` + tbl + ` ("key_hash" varchar(64) NOT NULL PRIMARY KEY, "data" bytea NOT NULL, "expiry" timestamp with time zone NOT NULL, "user_id" varchar(255) NULL)`,
			`CREATE INDEX IF NOT EXISTS ` + q(expiryIdx) + ` ON ` + tbl + ` ("expiry")`,
			// Partial: most sessions are anonymous and need no entry.
			`CREATE INDEX IF NOT EXISTS ` + q(userIdx) + ` ON ` + tbl + ` ("user_id") WHERE "user_id" IS NOT NULL`,
		}
	default:
		eIdx, on := d.indexOn(t, expiryIdx)
		uIdx, _ := d.indexOn(t, userIdx)
		return []string{
			// The expiry is an integer of Unix microseconds: SQLite has no
			// time type, and integers compare fast and unambiguously.
			`CREATE TABLE IF NOT EXISTS ` + tbl + ` ("key_hash" text NOT NULL PRIMARY KEY, "data" blob NOT NULL, "expiry" integer NOT NULL, "user_id" text NULL)`,
			`CREATE INDEX IF NOT EXISTS ` + eIdx + ` ON ` + on + ` ("expiry")`,
			`CREATE INDEX IF NOT EXISTS ` + uIdx + ` ON ` + on + ` ("user_id") WHERE "user_id" IS NOT NULL`,
		}
	}
}

// queries holds the SQL text of every statement the store prepares.
type queries struct {
	load, create, update, delete, exists, clear string
	// swap is update with the stored data compared.
	swap                     string
	userSessions, deleteUser string
	deleteUserOne            string
}

// buildQueries writes the statements for dialect d, table t and layout l.
func (d Dialect) buildQueries(t table, l layout) queries {
	tbl := d.qualified(t)
	k, data, exp := d.quote(l.key), d.quote(l.data), d.quote(l.expiry)
	// p returns the n-th placeholder.
	p := func(n int) string {
		if d == Postgres {
			return "$" + strconv.Itoa(n)
		}
		return "?"
	}
	var qs queries
	// INSERT takes (key, data, expiry[, user]); UPDATE takes
	// (data, expiry[, user], key), since "?" placeholders are positional.
	cols, vals, set := k+", "+data+", "+exp, p(1)+", "+p(2)+", "+p(3), data+" = "+p(1)+", "+exp+" = "+p(2)
	sel := data + ", " + exp
	updateKey := p(3)
	if l.userID != "" {
		u := d.quote(l.userID)
		cols += ", " + u
		vals += ", " + p(4)
		set += ", " + u + " = " + p(3)
		sel += ", " + u
		updateKey = p(4)
	}
	qs.load = "SELECT " + sel + " FROM " + tbl + " WHERE " + k + " = " + p(1) + " AND " + exp + " > " + p(2)
	qs.create = "INSERT INTO " + tbl + " (" + cols + ") VALUES (" + vals + ")"
	if d != MySQL {
		// A taken key is reported as "no row inserted" rather than as an
		// error, whatever the driver: no error codes to decode, and on
		// PostgreSQL no failed statement in the server log.
		qs.create += " ON CONFLICT (" + k + ") DO NOTHING"
	}
	qs.update = "UPDATE " + tbl + " SET " + set + " WHERE " + k + " = " + updateKey
	// The swap compares the stored data with the one read, byte for byte:
	// MySQL would compare Django's longtext under the table's collation,
	// which may ignore case and trailing spaces, so the value is made
	// binary there (a native longblob is binary already).
	oldData := p(4)
	if l.userID != "" {
		oldData = p(5)
	}
	if d == MySQL {
		oldData = "CAST(? AS BINARY)"
	}
	qs.swap = qs.update + " AND " + data + " = " + oldData
	qs.delete = "DELETE FROM " + tbl + " WHERE " + k + " = " + p(1)
	qs.exists = "SELECT 1 FROM " + tbl + " WHERE " + k + " = " + p(1)
	// Each batch walks the expiry index from its oldest end (ORDER BY):
	// without it PostgreSQL may pick a sequential scan that must step over
	// every row the earlier batches deleted, so batches get slower and
	// slower (750 ms for the last of 1,000 instead of 3 ms).
	switch d {
	case Postgres:
		// The rows are locked by the subquery, so their ctids stay valid
		// for the DELETE, which then needs no primary-key lookups. SKIP
		// LOCKED leaves rows that a request is updating right now for the
		// next batch instead of making the janitor wait.
		qs.clear = "DELETE FROM " + tbl + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + tbl + " WHERE " + exp + " < $1 ORDER BY " + exp + " LIMIT $2 FOR UPDATE SKIP LOCKED))"
	case MySQL:
		qs.clear = "DELETE FROM " + tbl + " WHERE " + exp + " < ? ORDER BY " + exp + " LIMIT ?"
	default:
		qs.clear = "DELETE FROM " + tbl + " WHERE rowid IN (SELECT rowid FROM " + tbl + " WHERE " + exp + " < ? ORDER BY " + exp + " LIMIT ?)"
	}
	if l.userID != "" {
		u := d.quote(l.userID)
		qs.userSessions = "SELECT " + k + ", " + exp + ", " + data + " FROM " + tbl + " WHERE " + u + " = " + p(1) + " AND " + exp + " > " + p(2) + " ORDER BY " + exp
		qs.deleteUser = "DELETE FROM " + tbl + " WHERE " + u + " = " + p(1) + " AND " + k + " <> " + p(2)
		qs.deleteUserOne = "DELETE FROM " + tbl + " WHERE " + u + " = " + p(1) + " AND " + k + " = " + p(2)
	}
	return qs
}

// lockTable is the table of the session leases that sits next to the
// session table t: its name with "_lock" appended, cut to fit the
// 63-character identifiers of PostgreSQL.
func lockTable(t table) table {
	name := t.name
	if len(name) > 58 {
		name = name[:58]
	}
	return table{schema: t.schema, name: name + "_lock"}
}

// lockDDL creates the lease table t: one row per locked session, keyed by
// sessionkit.KeyHash of the session key, with the holder's token and the
// end of its lease in Unix microseconds (an integer on every database, so
// that one comparison serves all three).
func (d Dialect) lockDDL(t table) string {
	tbl := d.qualified(t)
	switch d {
	case MySQL:
		return "CREATE TABLE IF NOT EXISTS " + tbl + " (`lock_key` char(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY, `token` varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, `expires` bigint NOT NULL)"
	case Postgres:
		// UNLOGGED: a lease is written and deleted by every exclusive
		// request, and a commit that wrote no WAL does not wait for a
		// flush to disk. A crash of the server empties the table, which
		// only frees the sessions whose leases it held.
		return `CREATE UNLOGGED TABLE IF NOT EXISTS ` + tbl + ` ("lock_key" varchar(64) NOT NULL PRIMARY KEY, "token" varchar(255) NOT NULL, "expires" bigint NOT NULL)`
	}
	// WITHOUT ROWID: one B-tree, keyed by lock_key, rather than a table
	// and its primary-key index.
	return `CREATE TABLE IF NOT EXISTS ` + tbl + ` ("lock_key" text NOT NULL PRIMARY KEY, "token" text NOT NULL, "expires" integer NOT NULL) WITHOUT ROWID`
}

// lockQueries holds the SQL text of the lease statements.
type lockQueries struct {
	// acquire takes a free lease. On PostgreSQL and SQLite it also takes
	// over one that has run out, and takes (key, token, expires, now); on
	// MySQL it only inserts, (key, token, expires), and takeOver does the
	// rest.
	acquire string
	// takeOver (MySQL) takes a lease that has run out: (token, expires,
	// key, now). The new end is later than now, so the row always changes
	// and rows affected counts it with or without clientFoundRows.
	takeOver string
	// release ends a lease: (key, token). prune removes every lease that
	// has run out: (now).
	release, prune string
}

// buildLockQueries writes the lease statements for the lease table t.
func (d Dialect) buildLockQueries(t table) lockQueries {
	tbl := d.qualified(t)
	var lq lockQueries
	if d == MySQL {
		lq.acquire = "INSERT IGNORE INTO " + tbl + " (`lock_key`, `token`, `expires`) VALUES (?, ?, ?)"
		lq.takeOver = "UPDATE " + tbl + " SET `token` = ?, `expires` = ? WHERE `lock_key` = ? AND `expires` <= ?"
		lq.release = "DELETE FROM " + tbl + " WHERE `lock_key` = ? AND `token` = ?"
		lq.prune = "DELETE FROM " + tbl + " WHERE `expires` <= ?"
		return lq
	}
	p := func(n int) string {
		if d == Postgres {
			return "$" + strconv.Itoa(n)
		}
		return "?"
	}
	// One statement: insert, or take over the row whose lease ended; a
	// live lease makes the WHERE false and no row is written.
	lq.acquire = `INSERT INTO ` + tbl + ` AS l ("lock_key", "token", "expires") VALUES (` + p(1) + `, ` + p(2) + `, ` + p(3) + `) ` +
		`ON CONFLICT ("lock_key") DO UPDATE SET "token" = excluded."token", "expires" = excluded."expires" WHERE l."expires" <= ` + p(4)
	lq.release = `DELETE FROM ` + tbl + ` WHERE "lock_key" = ` + p(1) + ` AND "token" = ` + p(2)
	lq.prune = `DELETE FROM ` + tbl + ` WHERE "expires" <= ` + p(1)
	return lq
}

// Time formats. Django stores SQLite datetimes as str(naive UTC datetime);
// MySQL parses the same text with a fixed six-digit fraction.
const (
	sqlTimeLayout   = "2006-01-02 15:04:05"
	mysqlTimeLayout = "2006-01-02 15:04:05.000000"
)

var (
	minTextTime = time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC) // MySQL DATETIME's range
	maxTextTime = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
)

// encodeTime turns an expiry into the value the column holds. Text and
// MySQL date-times are naive: the wall clock of t in the store's location
// (UTC unless Config.Location says otherwise), as Django writes them.
func (s *Store) encodeTime(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if !s.django {
		// Whole seconds in the native layout: saves of a session within
		// one second leave its indexed expiry as it was, so PostgreSQL
		// updates the row in place (a HOT update: no new index entries).
		t = t.Truncate(time.Second)
	}
	switch s.dialect {
	case SQLite:
		if !s.django {
			return t.UnixMicro()
		}
		return djangoSQLiteTime(clampTime(wallClock(t, s.loc)))
	case MySQL:
		return clampTime(wallClock(t, s.loc)).Format(mysqlTimeLayout)
	}
	return t
}

// wallClock returns the wall clock of t in loc as a time in UTC, so that
// formatting it writes the naive date-time Django writes for loc.
func wallClock(t time.Time, loc *time.Location) time.Time {
	if loc == nil || loc == time.UTC {
		return t.UTC()
	}
	w := t.In(loc)
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), time.UTC)
}

// clampTime keeps a wall clock (see wallClock) inside the four-digit years
// that text timestamps and MySQL DATETIME can hold; it moves no instant
// from past to future or back.
func clampTime(t time.Time) time.Time {
	if t.Before(minTextTime) {
		return minTextTime
	}
	if t.After(maxTextTime) {
		return maxTextTime
	}
	return t
}

// djangoSQLiteTime formats t as Django stores a datetime in SQLite:
// Python's str(datetime), "YYYY-MM-DD HH:MM:SS" plus ".ffffff" unless the
// microseconds are zero. Queries compare this text, so it must be exact.
func djangoSQLiteTime(t time.Time) string {
	b := make([]byte, 0, len(mysqlTimeLayout))
	b = t.AppendFormat(b, sqlTimeLayout)
	if us := t.Nanosecond() / 1000; us != 0 {
		b = append(b, '.')
		b = appendPadded(b, us, 6)
	}
	return string(b)
}

func appendPadded(b []byte, v, width int) []byte {
	var digits [20]byte
	s := strconv.AppendInt(digits[:0], int64(v), 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// expiryScanner reads an expiry column whatever form the driver returns it
// in: time.Time (PostgreSQL; MySQL with parseTime; SQLite drivers that parse
// datetime columns), text (Django's SQLite format; MySQL without parseTime)
// or an integer of Unix microseconds (the native SQLite layout). Naive
// date-times are read in loc (nil: UTC), the zone Django wrote them in.
type expiryScanner struct {
	dialect Dialect
	loc     *time.Location
	t       time.Time
}

// location is the zone of naive date-times.
func (e *expiryScanner) location() *time.Location {
	if e.loc == nil {
		return time.UTC
	}
	return e.loc
}

// Scan implements sql.Scanner.
func (e *expiryScanner) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		if e.dialect == Postgres {
			e.t = v.UTC()
			return nil
		}
		// SQLite and MySQL keep naive wall-clock times (UTC unless Django's
		// USE_TZ is False); a driver that attached its own location to them
		// must not shift the instant.
		e.t = time.Date(v.Year(), v.Month(), v.Day(), v.Hour(), v.Minute(), v.Second(), v.Nanosecond(), e.location()).UTC()
		return nil
	case int64:
		e.t = time.UnixMicro(v).UTC()
		return nil
	case string:
		return e.parse(v)
	case []byte:
		return e.parse(string(v))
	}
	return fmt.Errorf("sqlstore: cannot read an expiry from a %T", src)
}

func (e *expiryScanner) parse(s string) error {
	// Fractional seconds are optional when parsing, whatever the layout.
	t, err := time.ParseInLocation(sqlTimeLayout, s, e.location())
	if err != nil {
		t, err = time.Parse(time.RFC3339Nano, s) // carries its own offset
	}
	if err != nil {
		return fmt.Errorf("sqlstore: cannot read the expiry %q: %w", s, err)
	}
	e.t = t.UTC()
	return nil
}

// isDuplicateKey reports whether err is a unique-key violation.
func isDuplicateKey(err error) bool {
	// pgx, lib/pq: SQLSTATE unique_violation.
	var state interface{ SQLState() string }
	if errors.As(err, &state) {
		return state.SQLState() == "23505"
	}
	// modernc.org/sqlite: extended result codes
	// SQLITE_CONSTRAINT_PRIMARYKEY and SQLITE_CONSTRAINT_UNIQUE.
	var code interface{ Code() int }
	if errors.As(err, &code) {
		c := code.Code()
		return c == 1555 || c == 2067
	}
	// MySQL: ER_DUP_ENTRY is 1062 (1586 when the server names the key);
	// mattn/go-sqlite3: the extended codes above.
	if n, ok := errorField(err, "Number"); ok {
		return n == 1062 || n == 1586
	}
	if n, ok := errorField(err, "ExtendedCode"); ok {
		return n == 1555 || n == 2067
	}
	return false
}

// isDeadlock reports whether err is the database ending a statement to
// break a deadlock, which the caller may simply try again.
func isDeadlock(err error) bool {
	// pgx, lib/pq: deadlock_detected, or serialization_failure.
	var state interface{ SQLState() string }
	if errors.As(err, &state) {
		return state.SQLState() == "40P01" || state.SQLState() == "40001"
	}
	// MySQL: ER_LOCK_DEADLOCK.
	n, ok := errorField(err, "Number")
	return ok && n == 1213
}

// errorField returns the integer field named field of the first struct
// error in err's chain that has one: the error numbers of drivers whose
// error types have fields but no methods (go-sql-driver/mysql's
// *MySQLError, mattn/go-sqlite3's Error), read without importing them.
func errorField(err error, field string) (uint64, bool) {
	for e := err; e != nil; e = errors.Unwrap(e) {
		v := reflect.ValueOf(e)
		for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
			if v.IsNil() {
				return 0, false
			}
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			continue
		}
		f := v.FieldByName(field)
		switch {
		case !f.IsValid():
		case f.CanUint():
			return f.Uint(), true
		case f.CanInt():
			return uint64(f.Int()), true
		}
	}
	return 0, false
}
