package sqlstore

import "database/sql"

// DB exposes the store's pool to the tests, for its statistics.
func (s *Store) DB() *sql.DB { return s.db }
