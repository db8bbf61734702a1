package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/sessionkit/sessionkit"
)

// Default table names.
const (
	// DefaultTable is the table of the native layout.
	DefaultTable = "sessionkit_session"
	// DjangoTable is Django's table, used in Django mode.
	DjangoTable = "django_session"
)

// DefaultClearBatchSize is how many expired rows one DELETE of
// ClearExpired removes when Config.ClearBatchSize is zero.
const DefaultClearBatchSize = 1000

// maxUserIDLength is the width of the native user_id column, in characters.
const maxUserIDLength = 255

// Errors returned by the store. Failures of the database itself are
// returned wrapped, with what the store was doing.
var (
	// ErrClosed: the Store was used after Close.
	ErrClosed = errors.New("sqlstore: store is closed")
	// ErrNoDriver: Open found no database/sql driver registered under the
	// name the URL needs.
	ErrNoDriver = errors.New("sqlstore: database/sql driver not registered")
	// ErrTimeout: the database did not answer within Config.Timeout. The
	// error that wraps it also wraps context.DeadlineExceeded.
	ErrTimeout = errors.New("sqlstore: the database did not answer in time")
	// ErrTableMismatch: the session table exists but its columns are not
	// those of the layout the store uses (Check, Migrate).
	ErrTableMismatch = errors.New("sqlstore: the session table does not match the layout")
)

// DefaultTimeout is the Config.Timeout used when it is zero.
const DefaultTimeout = 5 * time.Second

// Config configures a Store. The zero value is usable: the native layout in
// table "sessionkit_session", with the dialect detected from the driver.
type Config struct {
	// Dialect is the SQL flavour of the database. Zero means detect it from
	// the *sql.DB's driver (modernc.org/sqlite and other SQLite drivers,
	// pgx's stdlib driver, lib/pq, go-sql-driver/mysql). Set it when the
	// driver is wrapped, for example by a tracing package.
	Dialect Dialect

	// Django selects Django's table layout: django_session with the raw
	// session key, session_data as text and expire_date, exactly as
	// Django's migration creates it for each database. Django reads and
	// writes the same rows (the Manager must then use sessionkit's Django
	// codec). The default is the native layout: the key is stored as
	// sessionkit.KeyHash(key), the data as bytes, and a nullable user_id
	// column backs UserSessions.
	Django bool

	// Table is the table name, optionally qualified by a schema
	// ("schema.table"). Default: "sessionkit_session", or "django_session"
	// in Django mode.
	Table string

	// CreateTable makes the store run Migrate on first use, so that it
	// creates its table and indexes if they do not exist. Default: off, the
	// table must exist (create it with Migrate or `sessionkit migrate`).
	CreateTable bool
	// UserIndex, in Django mode, keeps a per-user index in a table next to
	// Django's (<table>_user, created by Migrate), so that UserSessions,
	// DeleteUserSessions and DeleteUserSession work on Django's layout
	// too: each save of a session with a user upserts one row more. Django
	// ignores the table; sessions Django itself logs in are not in it.
	// The native layout has its user_id column and ignores this.
	UserIndex bool

	// CleanupInterval, if positive, starts a background janitor that calls
	// ClearExpired at this interval until Close. Default: no janitor.
	CleanupInterval time.Duration

	// ClearBatchSize is how many expired rows one DELETE statement of
	// ClearExpired removes, so that no statement holds locks for long.
	// Default: DefaultClearBatchSize (1000).
	ClearBatchSize int

	// Timeout bounds each operation of the store (Load, Create, Update,
	// Swap, Delete, TryLock, Unlock, each batch of ClearExpired, the
	// per-user methods, Migrate and Check), waiting for a connection included, whatever the caller's
	// context says: a database that stops answering costs a request at most
	// this long and an error wrapping ErrTimeout, never a hang. A caller's
	// earlier deadline still wins. Default DefaultTimeout (5 s); a negative
	// value means no bound of the store's own.
	Timeout time.Duration

	// Logger receives warnings, such as a failed background cleanup.
	// Default: slog.Default().
	Logger *slog.Logger

	// Now is the clock: the queries compare expiry dates with the time it
	// gives, never with the database server's. Default: time.Now. For
	// tests.
	Now func() time.Time

	// Location is, in Django mode on SQLite and MySQL/MariaDB, the time zone
	// of the naive date-times in expire_date. Django writes them in UTC when
	// USE_TZ is True (the default from Django 5.0, and what startproject
	// writes in every version), and in TIME_ZONE when USE_TZ is False: set
	// Location to that TIME_ZONE then (time.LoadLocation), or the store reads
	// a session Django wrote as expired, and deletes it, hours early (or
	// keeps it hours late). Default nil: UTC, Django's USE_TZ = True.
	//
	// PostgreSQL's timestamp with time zone holds instants, whatever USE_TZ
	// says (Django then sets the connection's time zone to TIME_ZONE), so
	// Location does not apply there; nor to the native layout, which always
	// stores UTC.
	Location *time.Location
}

// Store is a sessionkit.Store on an SQL database. It implements
// sessionkit.ExpiredClearer, sessionkit.Swapper, sessionkit.Locker and, in
// the native layout, sessionkit.UserSessionLister. It is safe for
// concurrent use.
type Store struct {
	db      *sql.DB
	dialect Dialect
	django  bool
	table   table
	layout  layout
	queries queries
	// locks is the lease table of TryLock and Unlock (see lock.go).
	locks       table
	userIndex   bool             // Config.UserIndex in Django mode
	userIdx     table            // the index table
	uiq         userIndexQueries // its statements
	lockQueries lockQueries
	batch       int
	create      bool
	timeout     time.Duration // <= 0: none
	logger      *slog.Logger
	now         func() time.Time
	loc         *time.Location // of naive date-times: UTC unless Django mode sets Location

	// Set by Open, which owns the *sql.DB; pin keeps an in-memory SQLite
	// database alive while the pool opens and closes connections.
	ownDB bool
	pin   *sql.Conn

	// initMu is a lock that a caller can stop waiting for when its
	// context ends: a channel holding one token.
	initMu chan struct{}
	stmts  atomic.Pointer[statements]
	lstmts atomic.Pointer[lockStatements]
	closed atomic.Bool

	stopJanitor context.CancelFunc
	janitorDone chan struct{}
	closeOnce   sync.Once
	closeErr    error
}

// statements are prepared once, on first use, and reused.
type statements struct {
	load, create, update, delete, exists, clear *sql.Stmt
	swap                                        *sql.Stmt
}

func (st *statements) close() {
	for _, s := range []*sql.Stmt{st.load, st.create, st.update, st.delete, st.exists, st.clear, st.swap} {
		if s != nil {
			s.Close()
		}
	}
}

// Interface checks.
var (
	_ sessionkit.Store              = (*Store)(nil)
	_ sessionkit.ExpiredClearer     = (*Store)(nil)
	_ sessionkit.UserSessionLister  = (*Store)(nil)
	_ sessionkit.UserSessionDeleter = (*Store)(nil)
	_ sessionkit.Swapper            = (*Store)(nil)
	_ sessionkit.Locker             = (*Store)(nil)
)

// New returns a Store that keeps sessions in db. The caller keeps ownership
// of db: Close stops the store but does not close db. New does not touch
// the database; statements are prepared (and with Config.CreateTable the
// table created) on first use.
//
// Open the *sql.DB as Open would: for SQLite, WAL journaling and a busy
// timeout (ParseURL's DSN), and for an in-memory database one shared
// database held open by a connection of its own; for go-sql-driver/mysql,
// clientFoundRows=true (without it an UPDATE that rewrites identical values
// costs a second round trip to tell "unchanged" from "gone") and
// interpolateParams=true. Set up its pool as Open does, with
// ConfigurePool(db, 10) or SetMaxOpenConns, SetMaxIdleConns (the same
// number) and SetConnMaxIdleTime, and give the DSN a connect timeout (see
// the package documentation); Config.Timeout bounds each operation either
// way.
func New(db *sql.DB, cfg Config) (*Store, error) {
	if db == nil {
		return nil, errors.New("sqlstore: New needs a *sql.DB, got nil")
	}
	t, err := cfg.check()
	if err != nil {
		return nil, err
	}
	d := cfg.Dialect
	if d == "" {
		if d, err = detectDialect(db.Driver()); err != nil {
			return nil, err
		}
	}
	s := &Store{
		db:      db,
		dialect: d,
		django:  cfg.Django,
		table:   t,
		layout:  nativeLayout,
		batch:   cfg.ClearBatchSize,
		create:  cfg.CreateTable,
		timeout: cfg.Timeout,
		logger:  cfg.Logger,
		now:     cfg.Now,
		loc:     time.UTC,
		initMu:  make(chan struct{}, 1),
	}
	if cfg.Django && cfg.Location != nil {
		s.loc = cfg.Location
	}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	if s.django {
		s.layout = djangoLayout
	}
	if s.batch == 0 {
		s.batch = DefaultClearBatchSize
	}
	s.queries = d.buildQueries(t, s.layout)
	s.locks = lockTable(t)
	if s.django && cfg.UserIndex {
		s.userIndex = true
		s.userIdx = userTable(t)
		s.uiq = d.buildUserIndexQueries(t, s.userIdx, s.layout)
	}
	s.lockQueries = d.buildLockQueries(s.locks)
	if cfg.CleanupInterval > 0 {
		ctx, cancel := context.WithCancel(context.Background())
		s.stopJanitor = cancel
		s.janitorDone = make(chan struct{})
		go s.janitor(ctx, cfg.CleanupInterval)
	}
	return s, nil
}

// check validates cfg and returns its table.
func (cfg *Config) check() (table, error) {
	if cfg.Dialect != "" && !cfg.Dialect.valid() {
		return table{}, fmt.Errorf("sqlstore: unknown dialect %q: use sqlstore.SQLite, sqlstore.Postgres or sqlstore.MySQL", cfg.Dialect)
	}
	if cfg.ClearBatchSize < 0 {
		return table{}, fmt.Errorf("sqlstore: ClearBatchSize %d is negative; use 0 for the default of %d", cfg.ClearBatchSize, DefaultClearBatchSize)
	}
	if cfg.CleanupInterval < 0 {
		return table{}, fmt.Errorf("sqlstore: CleanupInterval %v is negative; use 0 for no janitor", cfg.CleanupInterval)
	}
	name := cfg.Table
	if name == "" {
		name = DefaultTable
		if cfg.Django {
			name = DjangoTable
		}
	}
	return parseTable(name)
}

func (s *Store) log() *slog.Logger {
	if s.logger != nil {
		return s.logger
	}
	return slog.Default()
}

// statements returns the prepared statements, preparing them on first use.
// A failure is not remembered: the next call tries again, so a database
// that was down at start-up does not break the store for good.
func (s *Store) statements(ctx context.Context) (*statements, error) {
	if st := s.stmts.Load(); st != nil {
		return st, nil
	}
	select {
	case s.initMu <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.initMu }()
	if s.closed.Load() {
		return nil, ErrClosed
	}
	if st := s.stmts.Load(); st != nil {
		return st, nil
	}
	if s.create {
		if err := s.Migrate(ctx); err != nil {
			return nil, err
		}
	}
	st := &statements{}
	q := s.queries
	for _, p := range []struct {
		dst  **sql.Stmt
		text string
	}{
		{&st.load, q.load}, {&st.create, q.create}, {&st.update, q.update},
		{&st.delete, q.delete}, {&st.exists, q.exists}, {&st.clear, q.clear},
		{&st.swap, q.swap},
	} {
		if p.text == "" {
			continue
		}
		stmt, err := s.db.PrepareContext(ctx, p.text)
		if err != nil {
			st.close()
			return nil, fmt.Errorf("sqlstore: prepare statements for table %s (%s layout): %w; create the table with Migrate, Config.CreateTable or `sessionkit migrate`",
				s.dialect.qualified(s.table), s.layoutName(), err)
		}
		*p.dst = stmt
	}
	s.stmts.Store(st)
	return st, nil
}

func (s *Store) layoutName() string {
	if s.django {
		return "Django"
	}
	return "native"
}

// storedKey is what the key column holds for key.
func (s *Store) storedKey(key string) string {
	if s.django {
		return key
	}
	return sessionkit.KeyHash(key)
}

// invalidKey is the error of every method for a key that is not a valid
// session key (sessionkit.ValidKey): such a key never reaches the database.
func invalidKey(op string) error {
	return fmt.Errorf("sqlstore: %s session: %w", op, sessionkit.ErrInvalidKey)
}

// args returns the arguments of an INSERT: the stored key, the data, the
// expiry and (native layout) the user ID. An UPDATE takes the same with the
// key last.
func (s *Store) args(key string, rec sessionkit.Record) ([]any, error) {
	if rec.Expiry.IsZero() {
		return nil, errors.New("sqlstore: the record has no Expiry; every session must expire")
	}
	exp := s.encodeTime(rec.Expiry)
	if s.django {
		// Text, not bytes: Django reads session_data as a string (a BLOB
		// would reach Python's sqlite3 as bytes and fail to decode).
		return []any{key, string(rec.Data), exp}, nil
	}
	data := rec.Data
	if data == nil {
		data = []byte{} // the column is NOT NULL
	}
	var uid any // NULL for no user
	if rec.UserID != "" {
		if utf8.RuneCountInString(rec.UserID) > maxUserIDLength {
			return nil, fmt.Errorf("sqlstore: user ID of %d characters is longer than the user_id column (%d)", utf8.RuneCountInString(rec.UserID), maxUserIDLength)
		}
		uid = rec.UserID
	}
	return []any{sessionkit.KeyHash(key), data, exp, uid}, nil
}

// Load returns the session stored under key, or an error wrapping
// sessionkit.ErrNotFound if there is none or it has expired. The data is
// returned as stored, even if it is corrupt: telling good data from bad is
// the codec's job.
func (s *Store) Load(ctx context.Context, key string) (sessionkit.Record, error) {
	if !sessionkit.ValidKey(key) {
		return sessionkit.Record{}, invalidKey("load")
	}
	tctx, cancel := s.bound(ctx)
	defer cancel()
	st, err := s.statements(tctx)
	if err != nil {
		return sessionkit.Record{}, s.fail(ctx, tctx, "", err)
	}
	rec, err := s.loadRow(ctx, tctx, st, s.storedKey(key))
	if err != nil && !errors.Is(err, sessionkit.ErrNotFound) {
		return sessionkit.Record{}, s.fail(ctx, tctx, "load session", err)
	}
	return rec, err
}

// loadRow reads the unexpired row stored under the stored key, or returns
// sessionkit.ErrNotFound, or the driver's error unwrapped.
func (s *Store) loadRow(ctx, tctx context.Context, st *statements, stored any) (sessionkit.Record, error) {
	var (
		rec sessionkit.Record
		exp = expiryScanner{dialect: s.dialect, loc: s.loc}
		uid sql.NullString
		err error
	)
	row := st.load.QueryRowContext(tctx, stored, s.encodeTime(s.clock(ctx)))
	if s.django {
		err = row.Scan(&rec.Data, &exp)
	} else {
		err = row.Scan(&rec.Data, &exp, &uid)
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return sessionkit.Record{}, sessionkit.ErrNotFound
	case err != nil:
		return sessionkit.Record{}, err
	}
	rec.Expiry = exp.t
	rec.UserID = uid.String
	return rec, nil
}

// Create inserts rec under key. If a row with that key exists, expired or
// not, it returns an error wrapping sessionkit.ErrKeyExists.
func (s *Store) Create(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	k, err := s.insert(ctx, key, rec)
	if err == nil {
		err = s.indexUser(ctx, "create session", key, rec)
	}
	return k, err
}

func (s *Store) insert(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	if !sessionkit.ValidKey(key) {
		return "", invalidKey("create")
	}
	args, err := s.args(key, rec)
	if err != nil {
		return "", err
	}
	tctx, cancel := s.bound(ctx)
	defer cancel()
	st, err := s.statements(tctx)
	if err != nil {
		return "", s.fail(ctx, tctx, "", err)
	}
	res, err := st.create.ExecContext(tctx, args...)
	if err != nil {
		if isDuplicateKey(err) {
			return "", sessionkit.ErrKeyExists
		}
		return "", s.fail(ctx, tctx, "create session", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return "", fmt.Errorf("sqlstore: create session: %w", err)
	}
	if n == 0 { // ON CONFLICT DO NOTHING
		return "", sessionkit.ErrKeyExists
	}
	return key, nil
}

// updateArgs returns the arguments of an UPDATE of rec, in the order
// (data, expiry[, user], key), and the stored key on its own.
func (s *Store) updateArgs(key string, rec sessionkit.Record) (args []any, stored any, err error) {
	if args, err = s.args(key, rec); err != nil {
		return nil, nil, err
	}
	stored = args[0]
	copy(args, args[1:])
	args[len(args)-1] = stored
	return args, stored, nil
}

// Update replaces the row stored under key. If the row is gone (deleted by
// a concurrent logout or by ClearExpired) it returns an error wrapping
// sessionkit.ErrNotFound and does not recreate it.
func (s *Store) Update(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	k, err := s.update(ctx, key, rec)
	if err == nil {
		err = s.indexUser(ctx, "update session", key, rec)
	}
	return k, err
}

func (s *Store) update(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	if !sessionkit.ValidKey(key) {
		return "", invalidKey("update")
	}
	args, stored, err := s.updateArgs(key, rec)
	if err != nil {
		return "", err
	}
	tctx, cancel := s.bound(ctx)
	defer cancel()
	st, err := s.statements(tctx)
	if err != nil {
		return "", s.fail(ctx, tctx, "", err)
	}
	res, err := st.update.ExecContext(tctx, args...)
	if err != nil {
		return "", s.fail(ctx, tctx, "update session", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return "", fmt.Errorf("sqlstore: update session: %w", err)
	}
	if n == 0 && s.dialect == MySQL {
		// MySQL counts changed rows, not matched ones, unless the
		// connection sets clientFoundRows (Open does): an UPDATE that
		// rewrites identical values reports 0. Ask whether the row exists.
		var one int
		err := st.exists.QueryRowContext(tctx, stored).Scan(&one)
		switch {
		case err == nil:
			n = 1
		case !errors.Is(err, sql.ErrNoRows):
			return "", s.fail(ctx, tctx, "update session", err)
		}
	}
	if n == 0 {
		return "", sessionkit.ErrNotFound
	}
	return key, nil
}

// Delete removes the row stored under key. A missing row is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if !sessionkit.ValidKey(key) {
		return invalidKey("delete")
	}
	tctx, cancel := s.bound(ctx)
	defer cancel()
	st, err := s.statements(tctx)
	if err != nil {
		return s.fail(ctx, tctx, "", err)
	}
	if _, err := st.delete.ExecContext(tctx, s.storedKey(key)); err != nil {
		return s.fail(ctx, tctx, "delete session", err)
	}
	return nil
}

// ClearExpired deletes the rows whose expiry has passed and reports how
// many it removed. It deletes at most Config.ClearBatchSize rows per
// statement, found through the expiry index, and repeats until a batch
// comes back short, so no single statement holds locks for long. Rows that
// expire while it runs are left for the next call. Last, it deletes the
// session leases (TryLock) that have run out, which it does not count; a
// database without the lease table is not an error here. Each batch runs under
// Config.Timeout of its own, and ctx is checked between batches: a
// cancelled ctx stops the loop and reports what was removed so far.
//
// Like Django's clear_expired, it removes rows with expiry < now; Load
// already ignores rows with expiry <= now.
func (s *Store) ClearExpired(ctx context.Context) (int64, error) {
	tctx, cancel := s.bound(ctx)
	st, err := s.statements(tctx)
	if err != nil {
		err = s.fail(ctx, tctx, "", err)
	}
	cancel()
	if err != nil {
		return 0, err
	}
	now := s.encodeTime(s.clock(ctx))
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("sqlstore: clear expired sessions stopped (%d removed so far): %w", total, err)
		}
		n, err := s.clearBatch(ctx, st, now)
		total += n
		if err != nil {
			return total, err
		}
		if n < int64(s.batch) {
			if err := s.pruneUserIndex(ctx); err != nil {
				return total, err
			}
			return total, s.pruneLocks(ctx)
		}
	}
}

// clearBatch runs one DELETE of ClearExpired under the store's deadline.
func (s *Store) clearBatch(ctx context.Context, st *statements, now any) (int64, error) {
	tctx, cancel := s.bound(ctx)
	defer cancel()
	res, err := st.clear.ExecContext(tctx, now, s.batch)
	if err != nil {
		return 0, s.fail(ctx, tctx, "clear expired sessions", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.fail(ctx, tctx, "clear expired sessions", err)
	}
	return n, nil
}

// errNoUserColumn is returned by the per-user methods in Django mode.
var errNoUserColumn = fmt.Errorf("sqlstore: Django's session table has no user column; set Config.UserIndex for an index table next to it, or use the native layout: %w", errors.ErrUnsupported)

// UserSessions lists the live sessions whose Record.UserID is userID,
// soonest expiry first. In Django mode it returns an error wrapping
// errors.ErrUnsupported: Django's table does not record users.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]sessionkit.SessionInfo, error) {
	if s.djangoIndex() {
		return s.djangoUserSessions(ctx, userID)
	}
	if s.django {
		return nil, errNoUserColumn
	}
	if userID == "" {
		return nil, nil
	}
	tctx, cancel := s.bound(ctx)
	defer cancel()
	if _, err := s.statements(tctx); err != nil {
		return nil, s.fail(ctx, tctx, "", err)
	}
	rows, err := s.db.QueryContext(tctx, s.queries.userSessions, userID, s.encodeTime(s.clock(ctx)))
	if err != nil {
		return nil, s.fail(ctx, tctx, "list user sessions", err)
	}
	defer rows.Close()
	var infos []sessionkit.SessionInfo
	for rows.Next() {
		var (
			info sessionkit.SessionInfo
			exp  = expiryScanner{dialect: s.dialect, loc: s.loc}
		)
		if err := rows.Scan(&info.ID, &exp, &info.Data); err != nil {
			return nil, fmt.Errorf("sqlstore: list user sessions: %w", err)
		}
		info.Expiry = exp.t
		infos = append(infos, info)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, tctx, "list user sessions", err)
	}
	return infos, nil
}

// DeleteUserSessions deletes every session of userID except the one stored
// under keepKey ("" keeps none), expired or not, and reports how many it
// removed. In Django mode it returns an error wrapping errors.ErrUnsupported.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, keepKey string) (int64, error) {
	if s.djangoIndex() {
		return s.djangoDeleteUserSessions(ctx, userID, keepKey)
	}
	if s.django {
		return 0, errNoUserColumn
	}
	if userID == "" {
		return 0, nil
	}
	tctx, cancel := s.bound(ctx)
	defer cancel()
	if _, err := s.statements(tctx); err != nil {
		return 0, s.fail(ctx, tctx, "", err)
	}
	keep := "" // matches no stored hash
	if keepKey != "" {
		keep = sessionkit.KeyHash(keepKey)
	}
	res, err := s.db.ExecContext(tctx, s.queries.deleteUser, userID, keep)
	if err != nil {
		return 0, s.fail(ctx, tctx, "delete user sessions", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlstore: delete user sessions: %w", err)
	}
	return n, nil
}

// DeleteUserSession deletes the session of userID whose KeyHash is id (the
// native layout's key column) and reports whether there was one. In Django
// mode it returns an error wrapping errors.ErrUnsupported.
func (s *Store) DeleteUserSession(ctx context.Context, userID, id string) (bool, error) {
	if s.djangoIndex() {
		return s.djangoDeleteUserSession(ctx, userID, id)
	}
	if s.django {
		return false, errNoUserColumn
	}
	if userID == "" || id == "" {
		return false, nil
	}
	tctx, cancel := s.bound(ctx)
	defer cancel()
	if _, err := s.statements(tctx); err != nil {
		return false, s.fail(ctx, tctx, "", err)
	}
	res, err := s.db.ExecContext(tctx, s.queries.deleteUserOne, userID, id)
	if err != nil {
		return false, s.fail(ctx, tctx, "delete a user session", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlstore: delete a user session: %w", err)
	}
	return n > 0, nil
}

// Migrate creates the table and its indexes if they do not exist; running
// it again changes nothing. In Django mode it creates exactly what Django's
// sessions.0001_initial migration creates, so Django (which records
// migrations separately) can be pointed at the table, or `manage.py migrate
// --fake-initial` can adopt it.
//
// A table that exists already is checked first (see Check): one whose
// columns do not fit the layout is an error wrapping ErrTableMismatch, and
// nothing is changed.
func (s *Store) Migrate(ctx context.Context) error {
	tctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.migrate(tctx); err != nil {
		return s.fail(ctx, tctx, "", err)
	}
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.check(ctx); err != nil {
		return err
	}
	// The lease table of TryLock comes with the session table in both
	// layouts: Django ignores a table it has no model for.
	ddl := append(s.dialect.ddl(s.table, s.django), s.dialect.lockDDL(s.locks))
	if s.djangoIndex() {
		ddl = append(ddl, s.uiq.ddl...)
	}
	wrap := func(err error) error {
		return fmt.Errorf("sqlstore: create table %s: %w", s.dialect.qualified(s.table), err)
	}
	if s.dialect != Postgres {
		// SQLite and MySQL statements are each atomic and idempotent;
		// MySQL commits DDL implicitly anyway.
		for _, stmt := range ddl {
			if _, err := s.db.ExecContext(ctx, stmt); err != nil {
				return wrap(err)
			}
		}
		return nil
	}
	// Two processes running CREATE TABLE IF NOT EXISTS at once can both
	// pass the check and one then fails; a transaction-scoped advisory lock
	// keyed by the table serialises them.
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap(err)
	}
	defer tx.Rollback()
	h := fnv.New64a()
	h.Write([]byte("sessionkit.sqlstore:" + s.dialect.qualified(s.table)))
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(h.Sum64())); err != nil {
		return wrap(err)
	}
	for _, stmt := range ddl {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return wrap(err)
		}
	}
	if err := tx.Commit(); err != nil {
		return wrap(err)
	}
	return nil
}

// janitor calls ClearExpired every interval until ctx is cancelled.
func (s *Store) janitor(ctx context.Context, interval time.Duration) {
	defer close(s.janitorDone)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := s.ClearExpired(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			s.log().Warn("sqlstore: background cleanup of expired sessions failed; will retry",
				"table", s.dialect.qualified(s.table), "removed", n, "retry_in", interval, "err", err)
		case n > 0:
			s.log().Debug("sqlstore: cleared expired sessions", "table", s.dialect.qualified(s.table), "removed", n)
		}
	}
}

// Close stops the janitor and releases the prepared statements. A store
// made by Open also closes its database; one made by New leaves the
// caller's *sql.DB open. Calls after Close fail with ErrClosed. Close is
// idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.stopJanitor != nil {
			s.stopJanitor()
			<-s.janitorDone
		}
		s.initMu <- struct{}{}
		s.closed.Store(true)
		if st := s.stmts.Swap(nil); st != nil {
			st.close()
		}
		if ls := s.lstmts.Swap(nil); ls != nil {
			ls.close()
		}
		<-s.initMu
		var errs []error
		if s.pin != nil {
			errs = append(errs, s.pin.Close())
		}
		if s.ownDB {
			errs = append(errs, s.db.Close())
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// Dialect reports the SQL dialect the store speaks.
func (s *Store) Dialect() Dialect { return s.dialect }

// Table reports the table the store uses, as "table" or "schema.table".
func (s *Store) Table() string {
	if s.table.schema == "" {
		return s.table.name
	}
	return s.table.schema + "." + s.table.name
}

// clock reads the store's own clock (Config.Now), else the one ctx
// carries (the Manager's, see sessionkit.WithClock), else time.Now.
func (s *Store) clock(ctx context.Context) time.Time {
	if s.now != nil {
		return s.now()
	}
	return sessionkit.Now(ctx)
}
