// Package sqlstore is the database session engine (Django's "db" engine):
// a sessionkit.Store on SQLite, PostgreSQL or MySQL/MariaDB through
// database/sql.
//
// Give it a *sql.DB you already have with New (the dialect is detected from
// the driver, or named in Config), or let Open connect from a URL in the
// dj-database-url convention ("sqlite:///sessions.db",
// "postgres://user@host/db", "mysql://user@host/db"). The package imports no
// driver, so a program registers the one it uses with a blank import:
//
//	import _ "modernc.org/sqlite"              // sqlite:// URLs
//	import _ "github.com/jackc/pgx/v5/stdlib"  // postgres:// URLs
//	import _ "github.com/go-sql-driver/mysql"  // mysql:// URLs
//
// # Layouts
//
// The native layout (the default) keeps one row per session in table
// "sessionkit_session": the SHA-256 of the session key (sessionkit.KeyHash,
// so a leaked table cannot be replayed as cookies), the encoded data as
// bytes, the expiry (indexed, to the second) and a nullable, indexed user
// ID that backs sessionkit.UserSessionLister and UserSessionDeleter. The
// expiry is kept in whole seconds so that the saves of a busy session
// within one second leave its indexed columns as they were: PostgreSQL
// then rewrites the row in place (a HOT update, with no new index entries),
// which makes such saves 4-12% faster and keeps the indexes from bloating.
//
// Django's table has no user column; with Config.UserIndex a table next to
// it, <table>_user (session_key, user_id, expires), indexes sessions by
// user: every save of a session with a user upserts its row, listing joins
// it with django_session (one query), revoking a user's sessions is two
// DELETEs, ClearExpired prunes it and Migrate creates it. Django has no
// model for it and never reads it.
//
// Django mode (Config.Django) uses Django's own django_session table,
// column for column as Django's migration creates it on each database: the
// raw key in session_key, the Manager's Django-codec output verbatim in
// session_data, and expire_date as Django stores it (text
// "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC on SQLite, timestamp with time zone
// on PostgreSQL, datetime(6) in UTC on MySQL; in TIME_ZONE instead of UTC
// when Django's USE_TZ is False, which Config.Location must then name).
// Django and Go read and write the same rows; a table created by either
// works for both.
//
// # Semantics
//
// Create is one INSERT and reports a taken key as sessionkit.ErrKeyExists;
// Update is one UPDATE and reports a vanished row as sessionkit.ErrNotFound
// without recreating it; Load is one SELECT that ignores expired rows.
// Statements are prepared once, on first use. ClearExpired deletes expired
// rows in bounded batches on the expiry index; Config.CleanupInterval runs
// it in the background. Migrate (or Config.CreateTable, or the
// `sessionkit migrate` command) creates the table and indexes, after
// checking that a table already there fits the layout; Check runs that
// check alone, to fail at start-up rather than on the first write.
//
// # Concurrent requests: Swap and TryLock
//
// Swap (sessionkit.Swapper) is how the Manager merges concurrent saves of
// one session: one UPDATE ... WHERE key = ? AND data = ?, which compares
// the data column itself with what the request read. Django's table has no
// version column and gets none: Django keeps reading and writing it as
// before. When no row changed, Load's SELECT tells a deleted or expired
// row (sessionkit.ErrNotFound) from a conflict, which it returns as a
// *sessionkit.ConflictError carrying the row it read, so that the Manager
// merges into it without loading it again. On MySQL the comparison is
// binary (Django's longtext may have a collation that ignores case), and a
// row that holds the old data means the UPDATE changed nothing, because
// MySQL counts only changed rows unless clientFoundRows is set, which a
// *sql.DB given to New may lack.
//
// TryLock and Unlock (sessionkit.Locker, for Manager.Exclusive) keep
// leases in a table of their own next to the session table, named after
// it with "_lock" appended ("sessionkit_session_lock", "django_session_lock"):
// one row per locked session, keyed by sessionkit.KeyHash of the session
// key in both layouts, with the holder's token and the end of the lease in
// Unix microseconds by the store's clock. TryLock is one INSERT that also
// takes over a lease that has run out (ON CONFLICT ... DO UPDATE ... WHERE
// on PostgreSQL and SQLite; on MySQL an INSERT IGNORE and, if the row was
// there, an UPDATE guarded by the lease's end), and rows affected says who
// won; Unlock deletes the row if it still holds the token; ClearExpired
// prunes the leases that ended. Each is a short statement on any pooled
// connection, the same on the three databases, and works across processes
// and hosts.
//
// PostgreSQL advisory locks and MySQL's GET_LOCK were not used: they
// belong to one connection, which the request would have to hold from
// TryLock to Unlock while its save needs another, so that ten exclusive
// requests would take the whole default pool and deadlock under load.
//
// Migrate creates the lease table with the session table, in both layouts
// (Django ignores a table it has no model for). Check accepts a database
// without it, since only locking needs it; TryLock then fails with an
// error wrapping ErrNoLockTable that says to run `sessionkit migrate`.
//
// # Deadlines and the connection pool
//
// Every operation runs under Config.Timeout (default 5 s) of its own,
// whatever the caller's context says, waiting for a pooled connection
// included: a database that stops answering — a network cut, a server
// stuck on a lock — costs a request at most that long and an error wrapping
// ErrTimeout that says what to check, never a hang. An operation cut off
// this way may still be applied by the server later (a timed-out UPDATE can
// land once the network heals); the Manager treats it as failed.
//
// Open sets up the pool: at most DefaultMaxConns (10) connections, or
// ?max_conns=N in the URL; all of them are kept when idle (database/sql
// keeps 2 by default, so that every burst above 2 requests reconnects) and
// closed after DefaultConnMaxIdleTime unused; connecting is bounded by
// connect_timeout (PostgreSQL) or timeout (MySQL), 5 s unless the URL says
// otherwise. For a *sql.DB you pass to New, do the same yourself:
//
//	db.SetMaxOpenConns(10)  // a cap: a stalled database cannot pile up connections
//	db.SetMaxIdleConns(10)  // = the cap: no reconnecting under load
//	db.SetConnMaxIdleTime(5 * time.Minute)
//
// or call ConfigurePool(db, 10), and set a connect timeout in the DSN. A
// request beyond the cap waits for a free connection within its deadline.
//
// With pgx, a query that its context cuts off also makes pgx send a cancel
// request on a new connection and keep the old socket for up to 15 s while
// it closes: during a long outage the server may briefly see more sockets
// than the cap, though the pool never uses more than the cap at once.
package sqlstore
