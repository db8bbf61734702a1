package config

import (
	"database/sql"
	"path/filepath"
	"testing"
)

func TestUsersDB(t *testing.T) {
	dir := t.TempDir()
	withTable := filepath.Join(dir, "django.db")
	db, err := sql.Open("sqlite", withTable)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE auth_user (id integer PRIMARY KEY, username varchar(150), password varchar(128), is_active bool, last_login datetime)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, c := range []struct {
		name string
		s    Settings
		want bool
	}{
		{"Django mode, db, auth_user", Settings{Django: true, Engine: EngineDB, DatabaseURL: "sqlite:///" + withTable}, true},
		{"Django mode, cached_db, auth_user", Settings{Django: true, Engine: EngineCachedDB, DatabaseURL: "sqlite:///" + withTable}, true},
		{"native mode", Settings{Engine: EngineDB, DatabaseURL: "sqlite:///" + withTable}, false},
		{"file engine", Settings{Django: true, Engine: EngineFile, DatabaseURL: "sqlite:///" + withTable}, false},
		{"no auth_user", Settings{Django: true, Engine: EngineDB, DatabaseURL: "sqlite:///" + filepath.Join(dir, "empty.db")}, false},
		{"in memory", Settings{Django: true, Engine: EngineDB, DatabaseURL: "sqlite://:memory:"}, false},
	} {
		got, err := c.s.UsersDB(t.Context())
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if (got != nil) != c.want {
			t.Errorf("%s: a *sql.DB %v, want %v", c.name, got != nil, c.want)
		}
		if got != nil {
			got.Close()
		}
	}
	if _, err := (&Settings{Django: true, Engine: EngineDB, DatabaseURL: "nosuch://x"}).UsersDB(t.Context()); err == nil {
		t.Error("a bad DATABASE_URL gave no error")
	}
}
