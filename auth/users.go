package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// User is what this package needs of a Django user.
type User struct {
	// ID is the primary key as Django writes it in the session
	// (value_to_string: "42").
	ID string
	// Username is the USERNAME_FIELD's value.
	Username string
	// Password is the encoded password, as in auth_user.password. The
	// session's _auth_user_hash is an HMAC of it, so changing it logs the
	// user out everywhere.
	Password string
	// Inactive is Django's is_active = False: such a user cannot log in,
	// and a session of theirs is anonymous (ModelBackend).
	Inactive bool
}

// Users finds users by id (for the session) and by username (to log in).
// Both return an error wrapping ErrNoUser when there is no such user; any
// other error is a failure of the lookup.
type Users interface {
	UserByID(ctx context.Context, id string) (User, error)
	UserByUsername(ctx context.Context, username string) (User, error)
}

// LastLoginUpdater is a Users that records logins, as Django's
// update_last_login does on its user_logged_in signal. DB implements it.
type LastLoginUpdater interface {
	UpdateLastLogin(ctx context.Context, id string, t time.Time) error
}

// ErrNoUser is what Users return for a user that does not exist.
var ErrNoUser = errors.New("auth: no such user")

// StaticUsers is a fixed list of users, e.g. demo accounts. Their
// passwords must be encoded (MakePassword, EncodePBKDF2).
type StaticUsers []User

// UserByID implements Users.
func (us StaticUsers) UserByID(_ context.Context, id string) (User, error) {
	for _, u := range us {
		if u.ID == id {
			return u, nil
		}
	}
	return User{}, fmt.Errorf("%w: id %q", ErrNoUser, id)
}

// UserByUsername implements Users.
func (us StaticUsers) UserByUsername(_ context.Context, username string) (User, error) {
	for _, u := range us {
		if u.Username == username {
			return u, nil
		}
	}
	return User{}, fmt.Errorf("%w: username %q", ErrNoUser, username)
}

// DB reads users from Django's auth_user table (or a custom user model's
// table with an integer primary key "id", the USERNAME_FIELD, "password"
// and "is_active") in SQLite, PostgreSQL or MySQL/MariaDB. It implements
// Users and LastLoginUpdater. The zero value of every field but DB is
// Django's default.
type DB struct {
	DB *sql.DB
	// Table is the user table; "" means "auth_user".
	Table string
	// UsernameField is the model's USERNAME_FIELD; "" means "username".
	UsernameField string
	// Dialect is "sqlite", "postgres" or "mysql" (MariaDB too); "" means
	// detect it from the driver's package (modernc or mattn sqlite, pgx or
	// lib/pq, go-sql-driver/mysql).
	Dialect string
}

func (d *DB) table() string {
	if d.Table != "" {
		return d.Table
	}
	return "auth_user"
}

func (d *DB) usernameField() string {
	if d.UsernameField != "" {
		return d.UsernameField
	}
	return "username"
}

// dialect returns Dialect or the one the driver's package names.
func (d *DB) dialect() string {
	if d.Dialect != "" {
		return d.Dialect
	}
	t := reflect.TypeOf(d.DB.Driver())
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return ""
	}
	n := strings.ToLower(t.PkgPath() + "." + t.Name())
	switch {
	case strings.Contains(n, "sqlite"):
		return "sqlite"
	case strings.Contains(n, "pgx"), strings.Contains(n, "lib/pq"), strings.Contains(n, "postgres"):
		return "postgres"
	case strings.Contains(n, "mysql"):
		return "mysql"
	}
	return ""
}

func (d *DB) postgres() bool { return d.dialect() == "postgres" }

// placeholder returns the n-th (1-based) parameter marker.
func (d *DB) placeholder(n int) string {
	if d.postgres() {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// checkIdents refuses table and column names that are not plain
// identifiers, so that they never carry SQL of their own.
func (d *DB) checkIdents() error {
	if d.DB == nil {
		return errors.New("auth: DB.DB is nil; give the *sql.DB that holds Django's auth_user")
	}
	switch d.Dialect {
	case "", "sqlite", "postgres", "mysql":
	default:
		return fmt.Errorf("auth: DB.Dialect %q is not one of sqlite, postgres, mysql", d.Dialect)
	}
	for _, s := range []string{d.table(), d.usernameField()} {
		for _, part := range strings.Split(s, ".") {
			if !isIdent(part) {
				return fmt.Errorf("auth: %q is not a plain SQL identifier; use letters, digits and underscores (schema.table for a table)", s)
			}
		}
	}
	return nil
}

func isIdent(s string) bool {
	if s == "" || len(s) > 63 || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func (d *DB) user(ctx context.Context, column string, arg any, what string) (User, error) {
	if err := d.checkIdents(); err != nil {
		return User{}, err
	}
	q := fmt.Sprintf("SELECT id, %s, password, is_active FROM %s WHERE %s = %s",
		d.usernameField(), d.table(), column, d.placeholder(1))
	var u User
	var id int64
	var active bool
	err := d.DB.QueryRowContext(ctx, q, arg).Scan(&id, &u.Username, &u.Password, &active)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("%w: %s", ErrNoUser, what)
	}
	if err != nil {
		return User{}, fmt.Errorf("auth: reading the user (%s) from %s: %w", what, d.table(), err)
	}
	u.ID = strconv.FormatInt(id, 10)
	u.Inactive = !active
	return u, nil
}

// UserByID implements Users. The id must be an integer, as auth_user's
// primary key is; any other id is no user.
func (d *DB) UserByID(ctx context.Context, id string) (User, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return User{}, fmt.Errorf("%w: id %q is not an integer", ErrNoUser, id)
	}
	return d.user(ctx, "id", n, "id "+id)
}

// UserByUsername implements Users: an exact match on the USERNAME_FIELD, as
// Django's get_by_natural_key (the database's collation decides case).
func (d *DB) UserByUsername(ctx context.Context, username string) (User, error) {
	return d.user(ctx, d.usernameField(), username, fmt.Sprintf("username %q", username))
}

// UpdateLastLogin implements LastLoginUpdater: it sets last_login as
// Django stores a datetime (USE_TZ: UTC).
func (d *DB) UpdateLastLogin(ctx context.Context, id string, t time.Time) error {
	if err := d.checkIdents(); err != nil {
		return err
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return fmt.Errorf("auth: last_login: user id %q is not an integer", id)
	}
	t = t.UTC().Truncate(time.Microsecond)
	var v any = t
	switch d.dialect() {
	case "sqlite":
		// str(datetime) of a naive UTC datetime, as Django's SQLite backend.
		v = t.Format("2006-01-02 15:04:05")
		if us := t.Nanosecond() / 1000; us != 0 {
			v = fmt.Sprintf("%s.%06d", v, us)
		}
	case "mysql":
		v = t.Format("2006-01-02 15:04:05.000000")
	}
	q := fmt.Sprintf("UPDATE %s SET last_login = %s WHERE id = %s", d.table(), d.placeholder(1), d.placeholder(2))
	if _, err := d.DB.ExecContext(ctx, q, v, n); err != nil {
		return fmt.Errorf("auth: updating last_login of user %s in %s: %w", id, d.table(), err)
	}
	return nil
}
