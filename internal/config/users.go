package config

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/sessionkit/sessionkit/store/sqlstore"
)

// UsersDB opens DATABASE_URL for Django's users (the auth_user table) when
// the settings are Django mode with the db or cached_db engine and that
// database has an auth_user table, as it does once the Django app ran
// migrate. Otherwise it returns nil and no error: the playground then uses
// its demo accounts. The caller closes the *sql.DB.
func (s *Settings) UsersDB(ctx context.Context) (*sql.DB, error) {
	if !s.Django || (s.Engine != EngineDB && s.Engine != EngineCachedDB) {
		return nil, nil
	}
	src, err := sqlstore.ParseURL(s.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if src.Memory { // another connection would be another database
		return nil, nil
	}
	db, err := sql.Open(src.Driver, src.DSN)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: opening it for auth_user: %w", err)
	}
	if _, err := db.ExecContext(ctx, "SELECT id FROM auth_user WHERE 1 = 0"); err != nil {
		db.Close()
		return nil, nil
	}
	return db, nil
}
