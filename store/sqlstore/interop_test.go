package sqlstore_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"net"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/signing"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

// djangoSecret is the SECRET_KEY shared by Django and Go in these tests.
const djangoSecret = "django-insecure-interop-test-key-0123456789abcdef"

// djangoDB is one database that real Django and the Go store share.
type djangoDB struct {
	name     string
	settings map[string]any // Django's DATABASES['default']
	store    *sqlstore.Store
	db       *sql.DB // for the test's own queries
	// timeZone, if set, is Django's TIME_ZONE with USE_TZ = False, and the
	// store's Location.
	timeZone string
	// extra are further Django settings.
	extra map[string]any
}

// djangoDBs lists the databases of the interop tests: a fresh SQLite file,
// a fresh PostgreSQL schema and a fresh MariaDB database, each with a
// django_session table created by the Go store, opened with cfg in Django
// mode.
func djangoDBs() []struct {
	name string
	open func(t *testing.T, cfg sqlstore.Config) *djangoDB
} {
	return []struct {
		name string
		open func(t *testing.T, cfg sqlstore.Config) *djangoDB
	}{
		{"SQLite", func(t *testing.T, cfg sqlstore.Config) *djangoDB {
			path := filepath.Join(t.TempDir(), "django.db")
			u := "sqlite:///" + path
			return &djangoDB{
				name:     "SQLite",
				settings: map[string]any{"ENGINE": "django.db.backends.sqlite3", "NAME": path},
				store:    openDjangoStore(t, u, cfg),
				db:       rawDB(t, u),
			}
		}},
		{"Postgres", func(t *testing.T, cfg sqlstore.Config) *djangoDB {
			schema := uniqueSchema(t, rawDB(t, testenv.PostgresURL(t)))
			u := pgURLWithSearchPath(t, schema)
			return &djangoDB{
				name:     "Postgres",
				settings: djangoPGSettings(t, schema),
				store:    openDjangoStore(t, u, cfg),
				db:       rawDB(t, u),
			}
		}},
		{"MariaDB", func(t *testing.T, cfg sqlstore.Config) *djangoDB {
			dsn := testenv.MySQLDSN(t)
			db := openDB(t, "mysql", dsn)
			schema := uniqueTable(t, db) // a fresh database, named like a table
			if _, err := db.Exec("CREATE DATABASE " + schema); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Exec("DROP DATABASE IF EXISTS " + schema) })
			cfg.Django, cfg.Table = true, schema+".django_session"
			s, err := sqlstore.New(db, cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			return &djangoDB{name: "MariaDB", settings: djangoMySQLSettings(t, dsn, schema), store: s, db: db}
		}},
	}
}

// djangoMySQLSettings is Django's DATABASES entry (MySQLdb) for the test
// MariaDB's database name.
func djangoMySQLSettings(t *testing.T, dsn, name string) map[string]any {
	t.Helper()
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{
		"ENGINE": "django.db.backends.mysql", "NAME": name, "HOST": host, "PORT": port,
		"USER": c.User, "PASSWORD": c.Passwd,
	}
}

func openDjangoStore(t *testing.T, rawURL string, cfg sqlstore.Config) *sqlstore.Store {
	t.Helper()
	cfg.Django = true
	s, err := sqlstore.Open(t.Context(), rawURL, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s
}

// djangoPGSettings is Django's DATABASES entry for the test PostgreSQL,
// confined to schema.
func djangoPGSettings(t *testing.T, schema string) map[string]any {
	u, err := url.Parse(testenv.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	return map[string]any{
		"ENGINE":   "django.db.backends.postgresql",
		"HOST":     u.Hostname(),
		"PORT":     u.Port(),
		"NAME":     strings.TrimPrefix(u.Path, "/"),
		"USER":     u.User.Username(),
		"PASSWORD": pw,
		"OPTIONS":  map[string]any{"options": "-c search_path=" + schema},
	}
}

func djangoSettings(database map[string]any) map[string]any {
	return map[string]any{
		"DATABASES":      map[string]any{"default": database},
		"INSTALLED_APPS": []string{"django.contrib.sessions"},
		"USE_TZ":         true,
		"TIME_ZONE":      "UTC",
		"SECRET_KEY":     djangoSecret,
	}
}

// djangoOps runs a list of session operations in real Django and returns
// one result per operation. It first sets the process's time zone to
// TIME_ZONE, as Django's settings module does (settings.configure does
// not): with USE_TZ = False, Django's now is the local time.
const djangoOps = `
import time
os.environ["TZ"] = settings.TIME_ZONE
time.tzset()
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
out = []
for op in json.load(sys.stdin):
    kind = op["op"]
    if kind == "write":
        s = SessionStore()
        s.update(op["data"])
        if "expiry" in op:
            s.set_expiry(op["expiry"])
        s.save()
        row = Session.objects.get(pk=s.session_key)
        out.append({"key": s.session_key, "session_data": row.session_data, "expire_date": row.expire_date.isoformat()})
    elif kind == "read":
        s = SessionStore(session_key=op["key"])
        data = dict(s.items())
        row = Session.objects.filter(pk=op["key"]).first()
        out.append({"found": s.session_key is not None, "data": data,
                    "expire_date": row.expire_date.isoformat() if row else None,
                    "live": Session.objects.filter(pk=op["key"], expire_date__gt=timezone.now()).exists()})
    elif kind == "modify":
        s = SessionStore(session_key=op["key"])
        s.update(op["data"])
        try:
            s.save()
            out.append({"error": None, "key": s.session_key})
        except Exception as e:
            out.append({"error": type(e).__name__})
    elif kind == "decode":
        out.append({"data": SessionStore().decode(op["session_data"])})
    elif kind == "legacy_encode":
        out.append({"session_data": SessionStore()._legacy_encode(op["data"])})
    elif kind == "delete":
        SessionStore(session_key=op["key"]).delete()
        out.append({})
    elif kind == "clear_expired":
        before = Session.objects.count()
        SessionStore.clear_expired()
        out.append({"removed": before - Session.objects.count()})
print(json.dumps(out))
`

type djangoResult struct {
	Key         string          `json:"key"`
	SessionData string          `json:"session_data"`
	ExpireDate  string          `json:"expire_date"`
	Found       bool            `json:"found"`
	Live        bool            `json:"live"`
	Data        json.RawMessage `json:"data"`
	Error       *string         `json:"error"`
	Removed     int             `json:"removed"`
}

// eachDjango runs f for every Django version and database, on a fresh
// database each time, with the store opened with cfg in Django mode. A
// cfg.Location is Django's TIME_ZONE, with USE_TZ = False.
func eachDjango(t *testing.T, cfg sqlstore.Config, f func(t *testing.T, version string, d *djangoDB)) {
	testenv.Python(t)
	for _, version := range testenv.DjangoVersions() {
		t.Run("Django"+version, func(t *testing.T) {
			for _, dd := range djangoDBs() {
				t.Run(dd.name, func(t *testing.T) {
					d := dd.open(t, cfg)
					if cfg.Location != nil {
						d.timeZone = cfg.Location.String()
					}
					f(t, version, d)
				})
			}
		})
	}
}

// runDjango runs ops in Django version (see testenv.DjangoVersions) on d,
// in one Python process.
func runDjango(t *testing.T, version string, d *djangoDB, ops []map[string]any) []djangoResult {
	t.Helper()
	in, err := json.Marshal(ops)
	if err != nil {
		t.Fatal(err)
	}
	settings := djangoSettings(d.settings)
	if d.timeZone != "" {
		settings["USE_TZ"], settings["TIME_ZONE"] = false, d.timeZone
	}
	for k, v := range d.extra {
		settings[k] = v
	}
	out := testenv.DjangoIn(t, version, settings, djangoOps, in)
	var res []djangoResult
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(ops) {
		t.Fatalf("Django printed %q: %v", out, err)
	}
	return res
}

// decodeJSON decodes JSON keeping numbers exact, for comparisons.
func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
	return v
}

func sessionSigner(t *testing.T) *signing.TimestampSigner {
	t.Helper()
	s, err := signing.NewTimestampSigner(signing.Options{Key: djangoSecret, Salt: "django.contrib.sessions.SessionStore"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func parseISO(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("Django's expire_date %q: %v", s, err)
	}
	return v
}

// TestDjangoWritesGoReads: sessions saved by Django's SessionStore load
// through the Go store with their data and expiry intact.
func TestDjangoWritesGoReads(t *testing.T) {
	testenv.Python(t)
	cases := []struct {
		label  string
		data   string // JSON of the session dict
		expiry any    // set_expiry argument; "unset" for none
		want   string // JSON of what Django stores, with _session_expiry
		age    time.Duration
	}{
		{"set_expiry(300)", `{"foo":"bar"}`, 300, `{"foo":"bar","_session_expiry":300}`, 300 * time.Second},
		{"set_expiry(0)", `{"foo":"bar"}`, 0, `{"foo":"bar","_session_expiry":0}`, 1209600 * time.Second},
		{"set_expiry(None)", `{"foo":"bar"}`, nil, `{"foo":"bar"}`, 1209600 * time.Second},
		{"no set_expiry", `{"n":1}`, "unset", `{"n":1}`, 1209600 * time.Second},
		{"unicode", `{"name":"Zoë ☃ 日本 😀","ключ":"é"}`, "unset", `{"name":"Zoë ☃ 日本 😀","ключ":"é"}`, 1209600 * time.Second},
		{"nested", `{"cart":[{"sku":"A-1","qty":2,"price":9.99}],"flags":{"a":true,"b":null},"big":12345678901234567890}`, 3600,
			`{"cart":[{"sku":"A-1","qty":2,"price":9.99}],"flags":{"a":true,"b":null},"big":12345678901234567890,"_session_expiry":3600}`, time.Hour},
		{"compressed", `{"blob":"` + strings.Repeat("abc", 2000) + `"}`, "unset", `{"blob":"` + strings.Repeat("abc", 2000) + `"}`, 1209600 * time.Second},
	}
	eachDjango(t, sqlstore.Config{}, func(t *testing.T, version string, d *djangoDB) {
		var ops []map[string]any
		for _, c := range cases {
			op := map[string]any{"op": "write", "data": json.RawMessage(c.data)}
			if c.expiry != "unset" {
				op["expiry"] = c.expiry
			}
			ops = append(ops, op)
		}
		ops = append(ops, map[string]any{"op": "write", "data": map[string]any{"gone": true}, "expiry": -10})
		start := time.Now()
		res := runDjango(t, version, d, ops)
		signer := sessionSigner(t)
		for i, c := range cases {
			r := res[i]
			got, err := d.store.Load(t.Context(), r.Key)
			if err != nil {
				t.Errorf("%s: Load: %v", c.label, err)
				continue
			}
			if string(got.Data) != r.SessionData {
				t.Errorf("%s: Data = %q, want Django's session_data %q", c.label, got.Data, r.SessionData)
			}
			if !got.Expiry.Equal(parseISO(t, r.ExpireDate)) {
				t.Errorf("%s: Expiry = %v, want Django's expire_date %s", c.label, got.Expiry, r.ExpireDate)
			}
			if lo, hi := start.Add(c.age-time.Second), time.Now().Add(c.age+time.Second); got.Expiry.Before(lo) || got.Expiry.After(hi) {
				t.Errorf("%s: Expiry %v is not about now + %v", c.label, got.Expiry, c.age)
			}
			payload, err := signer.UnsignPayload(string(got.Data), signing.NoMaxAge)
			if err != nil {
				t.Errorf("%s: the loaded data is not a valid Django token: %v", c.label, err)
				continue
			}
			if g, w := decodeJSON(t, payload), decodeJSON(t, []byte(c.want)); !reflect.DeepEqual(g, w) {
				t.Errorf("%s: session = %s, want %s", c.label, payload, c.want)
			}
			if c.label == "compressed" && !strings.HasPrefix(string(got.Data), ".") {
				t.Errorf("%s: Django did not compress %q…; the case tests nothing", c.label, got.Data[:20])
			}
		}
		if _, err := d.store.Load(t.Context(), res[len(cases)].Key); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("set_expiry(-10): Load = %v, want ErrNotFound", err)
		}
		// Go updates a session Django wrote; Django reads the update.
		key := res[0].Key
		token := signer.SignPayload([]byte(`{"foo":"from go","_session_expiry":300}`), true)
		if _, err := d.store.Update(t.Context(), key, sessionkit.Record{Data: []byte(token), Expiry: time.Now().Add(300 * time.Second)}); err != nil {
			t.Fatalf("Update: %v", err)
		}
		back := runDjango(t, version, d, []map[string]any{{"op": "read", "key": key}})
		if g, w := decodeJSON(t, back[0].Data), decodeJSON(t, []byte(`{"foo":"from go","_session_expiry":300}`)); !back[0].Found || !reflect.DeepEqual(g, w) {
			t.Errorf("Django read the Go update as %s (found %v)", back[0].Data, back[0].Found)
		}
		// Django's clear_expired and the Go store agree on what expired.
		if n, err := d.store.ClearExpired(t.Context()); err != nil || n != 1 {
			t.Errorf("ClearExpired = %d, %v; want the one expired session", n, err)
		}
	})
}

// TestGoWritesDjangoReads: sessions created and updated by the Go store
// load in Django's SessionStore; Django's own saves and deletes of them
// are seen by Go, and a Go update of a session Django deleted is refused.
func TestGoWritesDjangoReads(t *testing.T) {
	testenv.Python(t)
	now := time.Now().UTC()
	cases := []struct {
		label  string
		data   string
		expiry time.Time
		live   bool
	}{
		{"expiry 300", `{"foo":"bar","_session_expiry":300}`, now.Add(300 * time.Second), true},
		// No microseconds: SQLite text without a fraction must still compare right.
		{"whole second", `{"a":1}`, now.Add(time.Hour).Truncate(time.Second), true},
		{"microseconds", `{"a":2}`, now.Add(time.Hour).Truncate(time.Second).Add(123456 * time.Microsecond), true},
		{"unicode", `{"name":"Zo\u00eb \u2603 \u65e5\u672c \ud83d\ude00"}`, now.Add(time.Hour), true},
		{"nested", `{"cart":[{"sku":"A-1","qty":2,"price":9.99}],"flags":{"a":true,"b":null},"big":12345678901234567890}`, now.Add(time.Hour), true},
		{"compressed", `{"blob":"` + strings.Repeat("xyz", 3000) + `"}`, now.Add(time.Hour), true},
		{"expired", `{"gone":true}`, now.Add(-2 * time.Second), false},
	}
	signer := sessionSigner(t)
	eachDjango(t, sqlstore.Config{}, func(t *testing.T, version string, d *djangoDB) {
		var ops []map[string]any
		keys := make([]string, len(cases))
		for i, c := range cases {
			keys[i] = sessionkit.NewKey()
			token := signer.SignPayload([]byte(c.data), true)
			if _, err := d.store.Create(t.Context(), keys[i], sessionkit.Record{Data: []byte(token), Expiry: c.expiry}); err != nil {
				t.Fatalf("%s: Create: %v", c.label, err)
			}
			ops = append(ops, map[string]any{"op": "read", "key": keys[i]})
		}
		res := runDjango(t, version, d, ops)
		for i, c := range cases {
			r := res[i]
			if r.Found != c.live || r.Live != c.live {
				t.Errorf("%s: Django found=%v live=%v, want %v", c.label, r.Found, r.Live, c.live)
				continue
			}
			if !c.live {
				continue
			}
			if g, w := decodeJSON(t, r.Data), decodeJSON(t, []byte(c.data)); !reflect.DeepEqual(g, w) {
				t.Errorf("%s: Django read %s, want %s", c.label, r.Data, c.data)
			}
			if got := parseISO(t, r.ExpireDate); !got.Equal(c.expiry.Truncate(time.Microsecond)) {
				t.Errorf("%s: Django's expire_date = %v, want %v", c.label, got, c.expiry)
			}
		}
		// Django saves over a Go session, deletes another, clears the
		// expired one; then a Go update of the deleted one is refused.
		res = runDjango(t, version, d, []map[string]any{
			{"op": "modify", "key": keys[1], "data": map[string]any{"django": "was here"}},
			{"op": "delete", "key": keys[2]},
			{"op": "clear_expired"},
		})
		if res[0].Error != nil || res[0].Key != keys[1] || res[2].Removed != 1 {
			t.Errorf("Django modify: error %v, key %q; clear_expired removed %d (want nil, %q, 1)", res[0].Error, res[0].Key, res[2].Removed, keys[1])
		}
		got, err := d.store.Load(t.Context(), keys[1])
		if err != nil {
			t.Fatalf("Load of the session Django saved: %v", err)
		}
		payload, err := signer.UnsignPayload(string(got.Data), signing.NoMaxAge)
		if err != nil || !reflect.DeepEqual(decodeJSON(t, payload), decodeJSON(t, []byte(`{"a":1,"django":"was here"}`))) {
			t.Errorf("after Django's save, Go loads %s, %v", payload, err)
		}
		if _, err := d.store.Update(t.Context(), keys[2], sessionkit.Record{Data: []byte("x"), Expiry: now.Add(time.Hour)}); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("Update of the session Django deleted = %v, want ErrNotFound", err)
		}
		// And the reverse: Django does not bring back a session Go
		// deleted; its save makes a new key.
		if err := d.store.Delete(t.Context(), keys[3]); err != nil {
			t.Fatal(err)
		}
		res = runDjango(t, version, d, []map[string]any{{"op": "modify", "key": keys[3], "data": map[string]any{"x": 1}}})
		if res[0].Error != nil || res[0].Key == keys[3] || res[0].Key == "" {
			t.Errorf("Django's save of a session Go deleted: error %v, key %q; want a new key", res[0].Error, res[0].Key)
		}
		if _, err := d.store.Load(t.Context(), keys[3]); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("the deleted session is back: %v", err)
		}
		if _, err := d.store.Load(t.Context(), res[0].Key); err != nil {
			t.Errorf("Go cannot load the session Django created: %v", err)
		}
	})
}

// TestDjangoMigrationMatches compares the table Django's migrate creates
// with the one Migrate creates in Django mode, and checks that the Go
// store works on the table Django created.
func TestDjangoMigrationMatches(t *testing.T) {
	testenv.Python(t)
	for _, version := range testenv.DjangoVersions() {
		t.Run("Django"+version, func(t *testing.T) { djangoMigrationMatches(t, version) })
	}
}

func djangoMigrationMatches(t *testing.T, version string) {
	testenv.Python(t)
	const migrate = `
from django.core.management import call_command
call_command("migrate", "sessions", verbosity=0)
`
	t.Run("SQLite", func(t *testing.T) {
		dir := t.TempDir()
		djangoPath, goPath := filepath.Join(dir, "django.db"), filepath.Join(dir, "go.db")
		testenv.DjangoIn(t, version, djangoSettings(map[string]any{"ENGINE": "django.db.backends.sqlite3", "NAME": djangoPath}), migrate, nil)
		openDjangoStore(t, "sqlite:///"+goPath, sqlstore.Config{})
		schema := func(path string) []string {
			db := rawDB(t, "sqlite:///"+path)
			return queryStrings(t, db, `SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master WHERE tbl_name = 'django_session' ORDER BY name`)
		}
		dj, gs := schema(djangoPath), schema(goPath)
		if len(dj) != 3 || !reflect.DeepEqual(dj, gs) {
			t.Errorf("schema differs:\nDjango: %q\nGo:     %q", dj, gs)
		}
		useDjangoTable(t, "sqlite:///"+djangoPath)
	})
	t.Run("Postgres", func(t *testing.T) {
		admin := rawDB(t, testenv.PostgresURL(t))
		djangoSchema, goSchema := uniqueSchema(t, admin), uniqueSchema(t, admin)
		testenv.DjangoIn(t, version, djangoSettings(djangoPGSettings(t, djangoSchema)), migrate, nil)
		openDjangoStore(t, pgURLWithSearchPath(t, goSchema), sqlstore.Config{})
		describe := func(schema string) []string {
			var out []string
			for _, q := range []string{
				`SELECT column_name || ' ' || data_type || ' ' || coalesce(character_maximum_length::text, '-') || ' ' || is_nullable || ' ' || coalesce(datetime_precision::text, '-')
				 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'django_session' ORDER BY ordinal_position`,
				`SELECT indexname || ' ' || replace(indexdef, $1 || '.', '') FROM pg_indexes WHERE schemaname = $1 AND tablename = 'django_session' ORDER BY indexname`,
				`SELECT conname || ' ' || contype::text FROM pg_constraint WHERE conrelid = ($1 || '.django_session')::regclass ORDER BY conname`,
			} {
				out = append(out, queryStrings(t, admin, q, schema)...)
			}
			return out
		}
		dj, gs := describe(djangoSchema), describe(goSchema)
		if len(dj) != 7 || !reflect.DeepEqual(dj, gs) {
			t.Errorf("schema differs:\nDjango: %q\nGo:     %q", dj, gs)
		}
		useDjangoTable(t, pgURLWithSearchPath(t, djangoSchema))
	})
	t.Run("MariaDB", func(t *testing.T) {
		dsn := testenv.MySQLDSN(t)
		db := openDB(t, "mysql", dsn)
		var names []string
		for range 2 {
			name := uniqueTable(t, db) // a fresh database, named like a table
			if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Exec("DROP DATABASE IF EXISTS " + name) })
			names = append(names, name)
		}
		djangoName, goName := names[0], names[1]
		testenv.DjangoIn(t, version, djangoSettings(djangoMySQLSettings(t, dsn, djangoName)), migrate, nil)
		s, err := sqlstore.New(db, sqlstore.Config{Django: true, Table: goName + ".django_session"})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		describe := func(schema string) []string {
			out := queryStrings(t, db, `SELECT CONCAT(COLUMN_NAME, ' ', COLUMN_TYPE, ' ', IS_NULLABLE, ' ', COLUMN_KEY) FROM information_schema.COLUMNS
				WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'django_session' ORDER BY ORDINAL_POSITION`, schema)
			return append(out, queryStrings(t, db, `SELECT CONCAT(INDEX_NAME, ' ', COLUMN_NAME, ' ', NON_UNIQUE) FROM information_schema.STATISTICS
				WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'django_session' ORDER BY INDEX_NAME`, schema)...)
		}
		dj, gs := describe(djangoName), describe(goName)
		if len(dj) != 5 || !reflect.DeepEqual(dj, gs) {
			t.Errorf("schema differs:\nDjango: %q\nGo:     %q", dj, gs)
		}
		// The Go store works on the table Django created.
		ds, err := sqlstore.New(db, sqlstore.Config{Django: true, Table: djangoName + ".django_session"})
		if err != nil {
			t.Fatal(err)
		}
		defer ds.Close()
		if err := ds.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate on Django's table: %v", err)
		}
		key := sessionkit.NewKey()
		if _, err := ds.Create(t.Context(), key, sessionkit.Record{Data: []byte("tok"), Expiry: time.Now().Add(time.Hour)}); err != nil {
			t.Fatalf("Create on Django's table: %v", err)
		}
	})
}

// useDjangoTable checks that the Go store works on a table Django
// created, and that Migrate leaves it alone.
func useDjangoTable(t *testing.T, rawURL string) {
	t.Helper()
	s := openDjangoStore(t, rawURL, sqlstore.Config{}) // runs Migrate on the existing table
	key := sessionkit.NewKey()
	if _, err := s.Create(t.Context(), key, sessionkit.Record{Data: []byte("tok"), Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatalf("Create on Django's table: %v", err)
	}
	if r, err := s.Load(t.Context(), key); err != nil || string(r.Data) != "tok" {
		t.Errorf("Load on Django's table = %q, %v", r.Data, err)
	}
}

// TestDjangoTableOnMySQL checks the Django-mode table on MariaDB against
// what Django's MySQL backend creates, written out (TestDjangoMigrationMatches
// compares it with Django's migrate too): its data_types (varchar,
// longtext, datetime(6)) and the index name of _create_index_name.
func TestDjangoTableOnMySQL(t *testing.T) {
	db := openDB(t, "mysql", testenv.MySQLDSN(t))
	schema := uniqueTable(t, db) // a fresh database, named like a table
	if _, err := db.Exec("CREATE DATABASE " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec("DROP DATABASE IF EXISTS " + schema) })
	s, err := sqlstore.New(db, sqlstore.Config{Django: true, Table: schema + ".django_session"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range 2 { // idempotent
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	got := queryStrings(t, db, `SELECT CONCAT(COLUMN_NAME, ' ', COLUMN_TYPE, ' ', IS_NULLABLE, ' ', COLUMN_KEY) FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'django_session' ORDER BY ORDINAL_POSITION`, schema)
	got = append(got, queryStrings(t, db, `SELECT CONCAT(INDEX_NAME, ' ', COLUMN_NAME, ' ', NON_UNIQUE) FROM information_schema.STATISTICS
		WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'django_session' ORDER BY INDEX_NAME`, schema)...)
	want := []string{
		"session_key varchar(40) NO PRI",
		"session_data longtext NO ",
		"expire_date datetime(6) NO MUL",
		"django_session_expire_date_a5c62663 expire_date 1",
		"PRIMARY session_key 0",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MySQL table:\n got %q\nwant %q", got, want)
	}
	key := sessionkit.NewKey()
	if _, err := s.Create(t.Context(), key, sessionkit.Record{Data: []byte("tok"), Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Load(t.Context(), key); err != nil || string(r.Data) != "tok" {
		t.Errorf("Load = %q, %v", r.Data, err)
	}
}

// queryStrings runs a query whose rows are one string each and returns
// them, failing the test on any error.
func queryStrings(t *testing.T, db *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMergedSaveDjangoReads: two requests read a session Django wrote and
// save different keys; the second save conflicts and merges (Swap on
// session_data). Django's SessionStore then loads every key, its own and
// both requests'.
func TestMergedSaveDjangoReads(t *testing.T) {
	testenv.Python(t)
	for _, dd := range djangoDBs() {
		t.Run(dd.name, func(t *testing.T) {
			d := dd.open(t, sqlstore.Config{})
			const version = "5.2"
			res := runDjango(t, version, d, []map[string]any{{"op": "write", "data": map[string]any{"django": "first"}, "expiry": 3600}})
			key := res[0].Key
			m := sessionkit.New(d.store)
			m.Codec = &sessionkit.DjangoCodec{SecretKey: djangoSecret}
			a, b := m.Open(t.Context(), key), m.Open(t.Context(), key)
			if a.Get("django") != "first" || b.Get("django") != "first" {
				t.Fatalf("Go read Django's session as %v", a.Keys())
			}
			a.Set("cart", []any{"A-1", "B-2"})
			if err := a.Save(t.Context()); err != nil {
				t.Fatal(err)
			}
			b.Set("theme", "dark")
			if err := b.Save(t.Context()); err != nil { // conflicts with a's save, merges
				t.Fatal(err)
			}
			back := runDjango(t, version, d, []map[string]any{{"op": "read", "key": key}})
			want := `{"django":"first","_session_expiry":3600,"cart":["A-1","B-2"],"theme":"dark"}`
			if g, w := decodeJSON(t, back[0].Data), decodeJSON(t, []byte(want)); !back[0].Found || !back[0].Live || !reflect.DeepEqual(g, w) {
				t.Errorf("after a merged save Django loads %s (found %v, live %v); want %s", back[0].Data, back[0].Found, back[0].Live, want)
			}
		})
	}
}
