package sqlstore

import (
	"context"

	"fmt"
	"strconv"

	"github.com/sessionkit/sessionkit"
)

// The per-user index of Django's layout (Config.UserIndex): django_session
// has no user column, so a table next to it, <table>_user, maps session
// keys to users: (session_key, user_id, expires in unix milliseconds).
// Django has no model for it and never reads it; Django's own logins are
// not in it. Saves of a session with a user upsert its row; listing joins
// it with the session table, so a session Django deleted is not listed;
// ClearExpired prunes rows whose expiry passed.

// userTable is the index table next to the session table t: its name with
// "_user" appended, cut to fit PostgreSQL's 63-character identifiers.
func userTable(t table) table {
	name := t.name
	if len(name) > 58 {
		name = name[:58]
	}
	return table{schema: t.schema, name: name + "_user"}
}

// userIndexQueries are the statements of the Django layout's index.
type userIndexQueries struct {
	ddl                         []string
	upsert, list, keys          string
	deleteUser, deleteUserIndex string
	deleteOne, prune            string
}

func (d Dialect) buildUserIndexQueries(sessions, idx table, l layout) userIndexQueries {
	p := func(n int) string {
		if d == Postgres {
			return "$" + strconv.Itoa(n)
		}
		return "?"
	}
	st, it := d.qualified(sessions), d.qualified(idx)
	k, data, exp := d.quote(l.key), d.quote(l.data), d.quote(l.expiry)
	var q userIndexQueries
	switch d {
	case MySQL:
		q.ddl = []string{"CREATE TABLE IF NOT EXISTS " + it + " (`session_key` varchar(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY, `user_id` varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, `expires` bigint NOT NULL, KEY `" + idx.name + "_user_id` (`user_id`), KEY `" + idx.name + "_expires` (`expires`))"}
		q.upsert = "INSERT INTO " + it + " (`session_key`, `user_id`, `expires`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE `user_id` = VALUES(`user_id`), `expires` = VALUES(`expires`)"
	case Postgres:
		q.ddl = []string{
			`CREATE TABLE IF NOT EXISTS ` + it + ` ("session_key" varchar(40) NOT NULL PRIMARY KEY, "user_id" varchar(255) NOT NULL, "expires" bigint NOT NULL)`,
			`CREATE INDEX IF NOT EXISTS ` + d.quote(idx.name+"_user_id") + ` ON ` + it + ` ("user_id")`,
			`CREATE INDEX IF NOT EXISTS ` + d.quote(idx.name+"_expires") + ` ON ` + it + ` ("expires")`,
		}
		q.upsert = `INSERT INTO ` + it + ` ("session_key", "user_id", "expires") VALUES ($1, $2, $3) ON CONFLICT ("session_key") DO UPDATE SET "user_id" = excluded."user_id", "expires" = excluded."expires"`
	default:
		q.ddl = []string{
			`CREATE TABLE IF NOT EXISTS ` + it + ` ("session_key" text NOT NULL PRIMARY KEY, "user_id" text NOT NULL, "expires" integer NOT NULL) WITHOUT ROWID`,
			`CREATE INDEX IF NOT EXISTS ` + d.qualified(table{idx.schema, idx.name + "_user_id"}) + ` ON ` + d.quote(idx.name) + ` ("user_id")`,
			`CREATE INDEX IF NOT EXISTS ` + d.qualified(table{idx.schema, idx.name + "_expires"}) + ` ON ` + d.quote(idx.name) + ` ("expires")`,
		}
		q.upsert = `INSERT INTO ` + it + ` ("session_key", "user_id", "expires") VALUES (?, ?, ?) ON CONFLICT ("session_key") DO UPDATE SET "user_id" = excluded."user_id", "expires" = excluded."expires"`
	}
	ik, iu := d.quote("session_key"), d.quote("user_id")
	q.list = "SELECT s." + k + ", s." + exp + ", s." + data + " FROM " + st + " s JOIN " + it + " i ON i." + ik + " = s." + k + " WHERE i." + iu + " = " + p(1) + " AND s." + exp + " > " + p(2) + " ORDER BY s." + exp
	q.keys = "SELECT " + ik + " FROM " + it + " WHERE " + iu + " = " + p(1)
	q.deleteUser = "DELETE FROM " + st + " WHERE " + k + " IN (SELECT " + ik + " FROM " + it + " WHERE " + iu + " = " + p(1) + " AND " + ik + " <> " + p(2) + ")"
	q.deleteUserIndex = "DELETE FROM " + it + " WHERE " + iu + " = " + p(1) + " AND " + ik + " <> " + p(2)
	q.deleteOne = "DELETE FROM " + st + " WHERE " + k + " = " + p(1)
	q.prune = "DELETE FROM " + it + " WHERE " + d.quote("expires") + " < " + p(1)
	return q
}

// djangoIndex reports whether the store keeps the Django layout's index.
func (s *Store) djangoIndex() bool { return s.django && s.userIndex }

// indexUser records in the Django layout's index that the session under
// key belongs to rec.UserID. Sessions without a user are not written.
func (s *Store) indexUser(ctx context.Context, op, key string, rec sessionkit.Record) error {
	if !s.djangoIndex() || rec.UserID == "" {
		return nil
	}
	tctx, cancel := s.bound(ctx)
	defer cancel()
	if _, err := s.db.ExecContext(tctx, s.uiq.upsert, key, rec.UserID, rec.Expiry.UnixMilli()); err != nil {
		return s.fail(ctx, tctx, op+": the session is saved but not in the per-user index "+s.dialect.qualified(s.userIdx)+" (run `sessionkit migrate --django` to create it)", err)
	}
	return nil
}

// djangoUserSessions lists a user's sessions through the index: one query.
func (s *Store) djangoUserSessions(ctx context.Context, userID string) ([]sessionkit.SessionInfo, error) {
	if userID == "" {
		return nil, nil
	}
	tctx, cancel := s.bound(ctx)
	defer cancel()
	rows, err := s.db.QueryContext(tctx, s.uiq.list, userID, s.encodeTime(s.clock(ctx)))
	if err != nil {
		return nil, s.fail(ctx, tctx, "list user sessions", err)
	}
	defer rows.Close()
	var infos []sessionkit.SessionInfo
	for rows.Next() {
		var (
			key  string
			info sessionkit.SessionInfo
			exp  = expiryScanner{dialect: s.dialect, loc: s.loc}
		)
		if err := rows.Scan(&key, &exp, &info.Data); err != nil {
			return nil, fmt.Errorf("sqlstore: list user sessions: %w", err)
		}
		info.ID, info.Expiry = sessionkit.KeyHash(key), exp.t
		infos = append(infos, info)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, tctx, "list user sessions", err)
	}
	return infos, nil
}

// djangoDeleteUserSessions deletes a user's sessions but keepKey's through
// the index: two statements, however many sessions.
func (s *Store) djangoDeleteUserSessions(ctx context.Context, userID, keepKey string) (int64, error) {
	if userID == "" {
		return 0, nil
	}
	tctx, cancel := s.bound(ctx)
	defer cancel()
	res, err := s.db.ExecContext(tctx, s.uiq.deleteUser, userID, keepKey)
	if err != nil {
		return 0, s.fail(ctx, tctx, "delete user sessions", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlstore: delete user sessions: %w", err)
	}
	if _, err := s.db.ExecContext(tctx, s.uiq.deleteUserIndex, userID, keepKey); err != nil {
		return n, s.fail(ctx, tctx, "delete user sessions from the index", err)
	}
	return n, nil
}

// djangoDeleteUserSession deletes the session of userID whose KeyHash is
// id: the user's keys from the index, then one DELETE.
func (s *Store) djangoDeleteUserSession(ctx context.Context, userID, id string) (bool, error) {
	if userID == "" || id == "" {
		return false, nil
	}
	tctx, cancel := s.bound(ctx)
	defer cancel()
	rows, err := s.db.QueryContext(tctx, s.uiq.keys, userID)
	if err != nil {
		return false, s.fail(ctx, tctx, "delete a user session", err)
	}
	var found string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return false, fmt.Errorf("sqlstore: delete a user session: %w", err)
		}
		if sessionkit.KeyHash(k) == id {
			found = k
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, s.fail(ctx, tctx, "delete a user session", err)
	}
	if found == "" {
		return false, nil
	}
	res, err := s.db.ExecContext(tctx, s.uiq.deleteOne, found)
	if err != nil {
		return false, s.fail(ctx, tctx, "delete a user session", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlstore: delete a user session: %w", err)
	}
	return n > 0, nil
}

// pruneUserIndex deletes the index rows whose sessions have expired.
func (s *Store) pruneUserIndex(ctx context.Context) error {
	if !s.djangoIndex() {
		return nil
	}
	tctx, cancel := s.bound(ctx)
	defer cancel()
	if _, err := s.db.ExecContext(tctx, s.uiq.prune, s.clock(ctx).UnixMilli()); err != nil {
		return s.fail(ctx, tctx, "prune the per-user index", err)
	}
	return nil
}
