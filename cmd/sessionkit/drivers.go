package main

// The database/sql drivers of the URLs that the db engine opens
// (sqlstore.Open): the library imports none, the command imports all three.
import (
	_ "github.com/go-sql-driver/mysql" // mysql://, mariadb://
	_ "github.com/jackc/pgx/v5/stdlib" // postgres://, postgresql://
	_ "modernc.org/sqlite"             // sqlite://
)
