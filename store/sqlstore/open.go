package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Driver names that Open uses, and the import that registers each.
const (
	// SQLiteDriver is modernc.org/sqlite's driver name.
	SQLiteDriver = "sqlite"
	// PostgresDriver is the name pgx's stdlib package registers.
	PostgresDriver = "pgx"
	// MySQLDriver is go-sql-driver/mysql's driver name.
	MySQLDriver = "mysql"
)

var driverImports = map[string]string{
	SQLiteDriver:   "modernc.org/sqlite",
	PostgresDriver: "github.com/jackc/pgx/v5/stdlib",
	MySQLDriver:    "github.com/go-sql-driver/mysql",
}

// sqliteBusyTimeout is how long, in milliseconds, an SQLite connection
// waits for another writer before failing with SQLITE_BUSY.
const sqliteBusyTimeout = "5000"

// DataSource is what a database URL means for database/sql.
type DataSource struct {
	// Driver is the database/sql driver name: SQLiteDriver, PostgresDriver
	// or MySQLDriver.
	Driver string
	// DSN is the data source name to pass to sql.Open with Driver.
	DSN string
	// Dialect is the SQL flavour of the database.
	Dialect Dialect
	// Memory reports an in-memory SQLite database, which lives only as
	// long as one of its connections stays open.
	Memory bool
	// Path is the file of an SQLite database ("" for another database or
	// an in-memory one).
	Path string
	// MaxConns is the cap on open connections the URL asks for with
	// ?max_conns=N, or 0 when it does not (Open then uses DefaultMaxConns).
	MaxConns int
}

// ParseURL reads a database URL in the dj-database-url convention that
// Django projects use for DATABASE_URL:
//
//	sqlite:///relative/path.db     a file relative to the working directory
//	sqlite:////absolute/path.db    an absolute path
//	sqlite://:memory:              a private in-memory database (also sqlite://)
//	postgres://user:pass@host:5432/db?sslmode=disable   (or postgresql://, pgsql://)
//	mysql://user:pass@host:3306/db                      (or mariadb://)
//
// SQLite databases get WAL journaling, a 5 s busy timeout and
// synchronous=NORMAL; an in-memory database is shared by all connections of
// the pool. MySQL connections get parseTime, clientFoundRows,
// interpolateParams and a connect timeout (timeout=5s); PostgreSQL ones a
// connect timeout (connect_timeout=5). Query parameters of the URL are
// passed on to the driver and override these defaults, except max_conns=N,
// which is Open's cap on open connections (DataSource.MaxConns; default
// DefaultMaxConns).
func ParseURL(rawURL string) (DataSource, error) {
	// Take max_conns out first: it is the pool's, not the driver's. In a
	// URL, the first "?" starts the query (a password must escape its own).
	base, query, hasQuery := strings.Cut(rawURL, "?")
	maxConns := 0
	if hasQuery {
		params, err := url.ParseQuery(query)
		if err == nil && params.Has("max_conns") {
			v := params.Get("max_conns")
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return DataSource{}, fmt.Errorf("sqlstore: max_conns=%q in %s: want a whole number of connections, at least 1", v, redact(rawURL))
			}
			maxConns = n
			params.Del("max_conns")
			rawURL = base
			if len(params) > 0 {
				rawURL += "?" + params.Encode()
			}
		}
	}
	src, err := parseURL(rawURL)
	src.MaxConns = maxConns
	return src, err
}

func parseURL(rawURL string) (DataSource, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return DataSource{}, fmt.Errorf("sqlstore: %q is not a database URL; expected e.g. sqlite:///sessions.db, postgres://user@host/db or mysql://user@host/db", redact(rawURL))
	}
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3":
		return parseSQLiteURL(rest)
	case "postgres", "postgresql", "pgsql":
		u, err := url.Parse("postgres://" + rest)
		if err != nil {
			return DataSource{}, fmt.Errorf("sqlstore: bad PostgreSQL URL %q: %w", redact(rawURL), urlError(err))
		}
		q := u.Query()
		if !q.Has("connect_timeout") {
			q.Set("connect_timeout", strconv.Itoa(int(DefaultConnectTimeout/time.Second)))
			u.RawQuery = q.Encode()
		}
		return DataSource{Driver: PostgresDriver, DSN: u.String(), Dialect: Postgres}, nil
	case "mysql", "mariadb":
		return parseMySQLURL(rawURL, rest)
	}
	return DataSource{}, fmt.Errorf("sqlstore: unsupported database URL scheme %q; use sqlite, postgres, postgresql, mysql or mariadb", scheme)
}

func parseSQLiteURL(rest string) (DataSource, error) {
	path, query, _ := strings.Cut(rest, "?")
	params, err := url.ParseQuery(query)
	if err != nil {
		return DataSource{}, fmt.Errorf("sqlstore: bad query in SQLite URL: %w", err)
	}
	switch {
	case path == "" || path == ":memory:" || path == "/:memory:":
		// memdb with a name starting with "/" is one database shared by
		// every connection of the process that opens the same name, with
		// ordinary locking (so busy_timeout works, unlike cache=shared).
		var b [12]byte
		rand.Read(b[:])
		params.Set("vfs", "memdb")
		addPragma(params, "busy_timeout", sqliteBusyTimeout)
		return DataSource{
			Driver:  SQLiteDriver,
			DSN:     fmt.Sprintf("file:/sessionkit-%x?%s", b, params.Encode()),
			Dialect: SQLite,
			Memory:  true,
		}, nil
	case !strings.HasPrefix(path, "/"):
		return DataSource{}, fmt.Errorf("sqlstore: SQLite URLs have no host: write sqlite:///relative.db or sqlite:////absolute/path.db, not sqlite://%s", path)
	}
	p, err := url.PathUnescape(path[1:])
	if err != nil {
		return DataSource{}, fmt.Errorf("sqlstore: bad path in SQLite URL: %w", err)
	}
	if p == "" {
		return DataSource{}, errors.New("sqlstore: the SQLite URL names no file: write sqlite:///relative.db or sqlite:////absolute/path.db")
	}
	addPragma(params, "busy_timeout", sqliteBusyTimeout)
	addPragma(params, "journal_mode", "WAL")
	addPragma(params, "synchronous", "NORMAL")
	// A file: URI, so that SQLite's own URI parameters work too; only the
	// characters that end or escape a URI path need escaping.
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
	return DataSource{Driver: SQLiteDriver, DSN: "file:" + esc + "?" + params.Encode(), Dialect: SQLite, Path: p}, nil
}

// addPragma adds _pragma=name(value) unless the URL sets that pragma itself.
func addPragma(params url.Values, name, value string) {
	for _, p := range params["_pragma"] {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(p)), name) {
			return
		}
	}
	params.Add("_pragma", name+"("+value+")")
}

func parseMySQLURL(rawURL, rest string) (DataSource, error) {
	// A socket path is written percent-encoded in the host, which
	// url.Parse rejects; take it out first.
	var socket string
	authority, _, _ := strings.Cut(rest, "/")
	if at := strings.LastIndex(authority, "@") + 1; strings.HasPrefix(strings.ToLower(authority[at:]), "%2f") {
		p, err := url.PathUnescape(authority[at:])
		if err != nil {
			return DataSource{}, fmt.Errorf("sqlstore: bad socket path in MySQL URL %q: %w", redact(rawURL), err)
		}
		socket = p
		rest = authority[:at] + "localhost" + rest[len(authority):]
	}
	u, err := url.Parse("mysql://" + rest)
	if err != nil {
		return DataSource{}, fmt.Errorf("sqlstore: bad MySQL URL %q: %w", redact(rawURL), urlError(err))
	}
	var b strings.Builder
	if u.User != nil {
		b.WriteString(u.User.Username())
		if pw, ok := u.User.Password(); ok {
			b.WriteString(":" + pw)
		}
		b.WriteString("@")
	}
	host := u.Host
	switch {
	case socket != "":
		b.WriteString("unix(" + socket + ")")
	case host != "":
		if u.Port() == "" {
			host += ":3306"
		}
		b.WriteString("tcp(" + host + ")")
	}
	b.WriteString("/" + strings.TrimPrefix(u.Path, "/"))
	params := u.Query()
	for k, v := range map[string]string{
		"parseTime": "true",
		// Matched rows, as Django's MySQL backend asks for: an UPDATE that
		// writes identical values must still count as found.
		"clientFoundRows": "true",
		// One round trip for statements that are not prepared.
		"interpolateParams": "true",
		// Connecting, which a request's context does not bound when the
		// pool opens a connection in the background.
		"timeout": DefaultConnectTimeout.String(),
	} {
		if !params.Has(k) {
			params.Set(k, v)
		}
	}
	b.WriteString("?" + params.Encode())
	return DataSource{Driver: MySQLDriver, DSN: b.String(), Dialect: MySQL}, nil
}

// urlError drops the URL that url.Parse puts in its errors: it may hold a
// password.
func urlError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redact hides the password of a URL in error messages.
func redact(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil {
		return u.Redacted()
	}
	if i := strings.LastIndex(rawURL, "@"); i >= 0 {
		if j := strings.Index(rawURL, "://"); j >= 0 && j < i {
			return rawURL[:j+3] + "xxxxx" + rawURL[i:]
		}
	}
	return rawURL
}

// Open connects to the database named by a URL (see ParseURL), checks that
// it answers (within Config.Timeout), and returns a Store that owns the
// connection pool: Close closes it. The pool is set up by ConfigurePool
// with the URL's max_conns (default DefaultMaxConns, 10): at most that many
// connections, all kept open when idle. A missing SQLite file is created
// readable and writable by its owner only (0600); SQLite gives its -wal and
// -shm files the same mode. The driver must be registered by a blank
// import in the program (this package imports none, so that a SQLite user
// does not compile PostgreSQL's driver); Open's error names the import to
// add. Config.Dialect, if set, must agree with the URL.
func Open(ctx context.Context, rawURL string, cfg Config) (*Store, error) {
	return open(ctx, rawURL, cfg, sql.Drivers())
}

// open is Open with the list of registered drivers given.
func open(ctx context.Context, rawURL string, cfg Config, drivers []string) (*Store, error) {
	src, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(drivers, src.Driver) {
		return nil, fmt.Errorf("%w: %s needs the %q driver; add `import _ %q` to your program",
			ErrNoDriver, redact(rawURL), src.Driver, driverImports[src.Driver])
	}
	if cfg.Dialect != "" && cfg.Dialect != src.Dialect {
		return nil, fmt.Errorf("sqlstore: Config.Dialect is %q but the URL is a %s database", cfg.Dialect, src.Dialect)
	}
	cfg.Dialect = src.Dialect
	// Check the configuration before connecting: opening an SQLite URL
	// creates the file.
	if _, err := cfg.check(); err != nil {
		return nil, err
	}
	if src.Path != "" {
		if err := createPrivate(src.Path); err != nil {
			return nil, err
		}
	}
	db, err := sql.Open(src.Driver, src.DSN)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open %s: %w", redact(rawURL), err)
	}
	maxConns := src.MaxConns
	if maxConns == 0 {
		maxConns = DefaultMaxConns
	}
	if src.Memory {
		maxConns++ // the connection that holds the database open does no work
	}
	ConfigurePool(db, maxConns)
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	pctx, cancel := ctx, context.CancelFunc(func() {})
	if timeout > 0 {
		pctx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()
	var pin *sql.Conn
	if src.Memory {
		// The database vanishes when its last connection closes; hold one.
		pin, err = db.Conn(pctx)
	} else {
		err = db.PingContext(pctx)
	}
	if err != nil {
		db.Close()
		if ctx.Err() == nil && pctx.Err() != nil {
			return nil, &timeoutError{op: "connect to " + redact(rawURL), timeout: timeout, err: err}
		}
		return nil, fmt.Errorf("sqlstore: connect to %s: %w", redact(rawURL), err)
	}
	s, err := New(db, cfg)
	if err != nil {
		if pin != nil {
			pin.Close()
		}
		db.Close()
		return nil, err
	}
	s.ownDB, s.pin = true, pin
	return s, nil
}

// createPrivate creates the SQLite file path, empty and with mode 0600, if
// it does not exist, so that SQLite (which gives -wal and -shm files the
// mode of the database) never creates any of them readable by others.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		return f.Close()
	case errors.Is(err, os.ErrExist):
		return nil
	}
	return fmt.Errorf("sqlstore: create the SQLite database file: %w; check that its directory exists and is writable", err)
}

// OpenEnv is Open with the URL in the DATABASE_URL environment variable.
func OpenEnv(ctx context.Context, cfg Config) (*Store, error) {
	u := os.Getenv("DATABASE_URL")
	if u == "" {
		return nil, errors.New("sqlstore: DATABASE_URL is not set; set it to a URL such as sqlite:///sessions.db or postgres://user@host/db")
	}
	return Open(ctx, u, cfg)
}
