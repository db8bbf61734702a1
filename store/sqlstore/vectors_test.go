package sqlstore_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

// dbRow is one session_db_row case of testdata/*/session_db.json: the row
// real Django stored for a session saved at a frozen clock.
type dbRow struct {
	Label      string
	Key        string
	Data       string
	SQLiteText string // expire_date as Django stores it in SQLite
	Expiry     time.Time
}

func loadDBRows(t *testing.T) map[string][]dbRow {
	t.Helper()
	files, err := filepath.Glob("testdata/django-*/session_db.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no vector files: %v", err)
	}
	out := map[string][]dbRow{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			Cases []struct {
				Kind   string
				Inputs struct {
					Label string
				}
				Outputs struct {
					SaveResult string `json:"save_result"`
					Row        struct {
						SessionKey  string `json:"session_key"`
						SessionData string `json:"session_data"`
						ExpireText  string `json:"expire_date_sqlite_text"`
					}
				}
			}
		}
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		version := filepath.Base(filepath.Dir(f))
		for _, c := range v.Cases {
			if c.Kind != "session_db_row" || c.Outputs.SaveResult != "ok" {
				continue
			}
			exp, err := time.Parse("2006-01-02 15:04:05", c.Outputs.Row.ExpireText)
			if err != nil {
				t.Fatalf("%s %s: %v", f, c.Inputs.Label, err)
			}
			out[version] = append(out[version], dbRow{
				Label: c.Inputs.Label, Key: c.Outputs.Row.SessionKey, Data: c.Outputs.Row.SessionData,
				SQLiteText: c.Outputs.Row.ExpireText, Expiry: exp,
			})
		}
		if len(out[version]) < 5 {
			t.Fatalf("%s: %d session_db_row cases, want 5", f, len(out[version]))
		}
	}
	return out
}

// TestDjangoRowsExactly writes each vector's session through the store and
// compares the stored row with the one Django stored, byte for byte.
func TestDjangoRowsExactly(t *testing.T) {
	for version, rows := range loadDBRows(t) {
		t.Run(version, func(t *testing.T) {
			for _, b := range backends() {
				t.Run(b.name, func(t *testing.T) {
					db, newStore := b.open(t)
					table := uniqueTable(t, db)
					s := newStore(t, sqlstore.Config{Django: true, Table: table, CreateTable: true})
					e := &env{db: db, backend: b.name, django: true, table: table}
					for _, r := range rows {
						ctx := t.Context()
						if _, err := s.Create(ctx, r.Key, sessionkit.Record{Data: []byte(r.Data), Expiry: r.Expiry}); err != nil {
							t.Fatalf("%s: Create: %v", r.Label, err)
						}
						var key, data, exp string
						var query string
						switch e.dialect() {
						case sqlstore.SQLite:
							// typeof() proves the storage classes: Django's
							// sqlite3 reads TEXT as str, a BLOB as bytes.
							query = "SELECT session_key, session_data || '|' || typeof(session_data), expire_date || '|' || typeof(expire_date) FROM " + table
							r.Data += "|text"
							r.SQLiteText += "|text"
						case sqlstore.Postgres:
							query = "SELECT session_key, session_data, to_char(expire_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM " + table
						default:
							query = "SELECT session_key, session_data, CAST(expire_date AS CHAR) FROM " + table
						}
						if err := db.QueryRow(query).Scan(&key, &data, &exp); err != nil {
							t.Fatal(err)
						}
						if key != r.Key || data != r.Data || exp != r.SQLiteText {
							t.Errorf("%s: stored row\n  %q %q %q\nwant (Django's)\n  %q %q %q", r.Label, key, data, exp, r.Key, r.Data, r.SQLiteText)
						}
						if err := s.Delete(ctx, r.Key); err != nil {
							t.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// TestLoadRowsDjangoWrote inserts the rows exactly as Django stored them in
// SQLite and loads them: a live row comes back verbatim, expired ones are
// not found.
func TestLoadRowsDjangoWrote(t *testing.T) {
	for version, rows := range loadDBRows(t) {
		t.Run(version, func(t *testing.T) {
			u := "sqlite:///" + filepath.Join(t.TempDir(), "django.db")
			db := rawDB(t, u)
			s, err := sqlstore.Open(t.Context(), u, sqlstore.Config{Django: true, CreateTable: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			live := 0
			for i, r := range rows {
				key := r.Key[:len(r.Key)-1] + string(rune('a'+i)) // the cases share one key
				if _, err := db.Exec(`INSERT INTO django_session VALUES (?, ?, ?)`, key, r.Data, r.SQLiteText); err != nil {
					t.Fatal(err)
				}
				got, err := s.Load(t.Context(), key)
				if r.Expiry.Before(time.Now()) {
					if !errors.Is(err, sessionkit.ErrNotFound) {
						t.Errorf("%s: expired row: Load = %v, want ErrNotFound", r.Label, err)
					}
					continue
				}
				live++
				if err != nil {
					t.Fatalf("%s: Load: %v", r.Label, err)
				}
				if string(got.Data) != r.Data || !got.Expiry.Equal(r.Expiry) {
					t.Errorf("%s: Load = %q, %v; want %q, %v", r.Label, got.Data, got.Expiry, r.Data, r.Expiry)
				}
			}
			if live == 0 {
				t.Fatal("no vector row is live; the test checks nothing")
			}
			// ClearExpired removes exactly the expired ones.
			n, err := s.ClearExpired(t.Context())
			if err != nil || n != int64(len(rows)-live) {
				t.Errorf("ClearExpired = %d, %v; want %d", n, err, len(rows)-live)
			}
		})
	}
}
