package filestore_test

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/pyjson"
	"github.com/sessionkit/sessionkit/store/filestore"
)

// The tests in this file run real Django (testenv.DjangoIn, each version) on the same
// SESSION_FILE_PATH as a Django-mode store.

func djangoSettings(dir string) map[string]any {
	return map[string]any{
		"SECRET_KEY":        djangoSecret,
		"USE_TZ":            true,
		"TIME_ZONE":         "UTC",
		"INSTALLED_APPS":    []string{"django.contrib.sessions"},
		"SESSION_ENGINE":    "django.contrib.sessions.backends.file",
		"SESSION_FILE_PATH": dir,
	}
}

// djangoWrites makes Django's file engine save each session it reads from
// stdin and print its key and data.
const djangoWrites = `
from django.contrib.sessions.backends.file import SessionStore
out = []
for data in json.load(sys.stdin):
    s = SessionStore()
    s.update(data)
    s.save()
    out.append({"key": s.session_key, "json": json.dumps(dict(s.items()), separators=(",", ":")),
                "expiry": s.get_expiry_date().timestamp()})
print(json.dumps(out))
`

func TestDjangoWritesFilestoreReads(t *testing.T) {
	testenv.Python(t)
	for _, version := range testenv.DjangoVersions() {
		t.Run("Django"+version, func(t *testing.T) { djangoWritesFilestoreReads(t, version) })
	}
}

func djangoWritesFilestoreReads(t *testing.T, version string) {
	dir := t.TempDir()
	sessions := []string{
		`{"foo":"bar"}`,
		`{"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend","n":1.0,"big":12345678901234567890}`,
		`{"name":"J\u00fcrgen \u00c9mile","emoji":"\ud83d\ude80","blob":"abcdefghabcdefghabcdefghabcdefghabcdefghabcdefgh"}`,
		`{}`,
	}
	in := []byte("[" + strings.Join(sessions, ",") + "]")
	var written []struct {
		Key    string
		JSON   string
		Expiry float64
	}
	if err := json.Unmarshal(testenv.DjangoIn(t, version, djangoSettings(dir), djangoWrites, in), &written); err != nil {
		t.Fatal(err)
	}
	if len(written) != len(sessions) {
		t.Fatalf("Django wrote %d sessions, want %d", len(written), len(sessions))
	}
	s, err := filestore.New(filestore.Config{Dir: dir, Django: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	codec := &sessionkit.DjangoCodec{SecretKey: djangoSecret}
	for _, w := range written {
		rec, err := s.Load(t.Context(), w.Key)
		if err != nil {
			t.Fatalf("Load of Django's session %s: %v", w.Key, err)
		}
		obj, err := codec.Decode(rec.Data)
		if err != nil {
			t.Fatalf("decoding Django's file %q: %v", rec.Data, err)
		}
		got, err := sessionkit.JSONCodec{}.Encode(obj)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != w.JSON {
			t.Errorf("session %s: read %s, Django wrote %s", w.Key, got, w.JSON)
		}
		// Django's expiry is now + SESSION_COOKIE_AGE at save time; ours
		// is the file's mtime + MaxAge: the same instant, to within the
		// time Django took to write the file.
		want := time.Unix(0, int64(w.Expiry*1e9))
		if d := rec.Expiry.Sub(want); d < -time.Second || d > time.Second {
			t.Errorf("session %s: Expiry %v, Django computed %v", w.Key, rec.Expiry, want)
		}
	}
	// Our cleanup leaves Django's live sessions alone.
	if n, err := s.ClearExpired(t.Context()); err != nil || n != 0 {
		t.Errorf("ClearExpired on Django's fresh sessions = %d, %v; want 0", n, err)
	}
}

// djangoReads loads each key from stdin with Django's file engine and
// prints what Django sees: the data, and the expiry Django computes from
// the file (_last_modification() + SESSION_COOKIE_AGE, its rule when the
// session sets no _session_expiry).
const djangoReads = `
import datetime
from django.contrib.sessions.backends.file import SessionStore
out = []
for key in json.load(sys.stdin):
    s = SessionStore(session_key=key)
    exists = s.exists(key)
    expiry = None
    if exists:
        expiry = (s._last_modification() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)).timestamp()
    data = s.load()
    out.append({"exists": exists, "json": json.dumps(dict(data), separators=(",", ":")),
                "expiry": expiry, "still_exists": s.exists(key)})
print(json.dumps(out))
`

func TestFilestoreWritesDjangoReads(t *testing.T) {
	testenv.Python(t)
	for _, version := range testenv.DjangoVersions() {
		t.Run("Django"+version, func(t *testing.T) { filestoreWritesDjangoReads(t, version) })
	}
}

func filestoreWritesDjangoReads(t *testing.T, version string) {
	dir := t.TempDir()
	s, err := filestore.New(filestore.Config{Dir: dir, Django: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	codec := &sessionkit.DjangoCodec{SecretKey: djangoSecret}
	encode := func(js string) []byte {
		// Ordered at every depth, so that nested objects keep their
		// key order too.
		v, err := pyjson.UnmarshalOrdered([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		b, err := codec.Encode(v.(*pyjson.Object))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	type want struct {
		key    string
		json   string
		expiry time.Time // zero: expired
	}
	var cases []want
	for _, c := range []struct {
		json   string
		expiry time.Duration
	}{
		{`{"foo":"bar"}`, time.Hour},
		{`{"cart":{"items":[{"sku":"A1","qty":2}]},"name":"\u6e05\u98a8","f":2.5}`, 14 * 24 * time.Hour},
		{`{"blob":"abcdefghabcdefghabcdefghabcdefghabcdefghabcdefghabcdefghabcdefgh"}`, 5 * time.Minute}, // compressed
		{`{"gone":true}`, -time.Minute},
	} {
		key := sessionkit.NewKey()
		exp := time.Now().Add(c.expiry)
		if _, err := s.Create(t.Context(), key, sessionkit.Record{Data: encode(c.json), Expiry: exp}); err != nil {
			t.Fatal(err)
		}
		w := want{key: key, json: c.json}
		if c.expiry > 0 {
			w.expiry = exp
		}
		cases = append(cases, w)
	}
	// An Update must leave a file Django reads the same way.
	updated := `{"foo":"bar","step":2}`
	upExp := time.Now().Add(2 * time.Hour)
	if _, err := s.Update(t.Context(), cases[0].key, sessionkit.Record{Data: encode(updated), Expiry: upExp}); err != nil {
		t.Fatal(err)
	}
	cases[0].json, cases[0].expiry = updated, upExp

	var keys []string
	for _, c := range cases {
		keys = append(keys, c.key)
	}
	in, _ := json.Marshal(keys)
	var got []struct {
		Exists      bool
		JSON        string
		Expiry      *float64
		StillExists bool `json:"still_exists"`
	}
	if err := json.Unmarshal(testenv.DjangoIn(t, version, djangoSettings(dir), djangoReads, in), &got); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		g := got[i]
		if !g.Exists {
			t.Errorf("session %d: Django does not see the file we wrote", i)
			continue
		}
		if c.expiry.IsZero() {
			// Django finds it expired, deletes it and starts afresh.
			if g.JSON != "{}" || g.StillExists {
				t.Errorf("expired session: Django read %s (file kept: %v), want {} and the file deleted", g.JSON, g.StillExists)
			}
			continue
		}
		if g.JSON != c.json {
			t.Errorf("session %d: Django read %s, want %s", i, g.JSON, c.json)
		}
		// Django's float timestamps carry microseconds.
		if g.Expiry == nil || math.Abs(float64(c.expiry.UnixMicro())-*g.Expiry*1e6) > 2 {
			t.Errorf("session %d: Django computes expiry %v, want exactly %v", i, g.Expiry, float64(c.expiry.UnixMicro())/1e6)
		}
	}
	if _, err := s.Load(t.Context(), cases[3].key); !errors.Is(err, sessionkit.ErrNotFound) {
		t.Errorf("Load of the session Django deleted = %v, want ErrNotFound", err)
	}
}

// djangoClears runs Django's clearsessions on the directory.
const djangoClears = `
from django.contrib.sessions.backends.file import SessionStore
SessionStore.clear_expired()
`

func TestDjangoClearsOurFiles(t *testing.T) {
	testenv.Python(t)
	for _, version := range testenv.DjangoVersions() {
		t.Run("Django"+version, func(t *testing.T) { djangoClearsOurFiles(t, version) })
	}
}

func djangoClearsOurFiles(t *testing.T, version string) {
	dir := t.TempDir()
	s, err := filestore.New(filestore.Config{Dir: dir, Django: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	codec := &sessionkit.DjangoCodec{SecretKey: djangoSecret}
	data, err := codec.Encode(nil)
	if err != nil {
		t.Fatal(err)
	}
	live, dead := sessionkit.NewKey(), sessionkit.NewKey()
	for key, exp := range map[string]time.Duration{live: time.Hour, dead: -time.Hour} {
		if _, err := s.Create(t.Context(), key, sessionkit.Record{Data: data, Expiry: time.Now().Add(exp)}); err != nil {
			t.Fatal(err)
		}
	}
	// Temporary files of writes in progress, named as earlier versions
	// and this one name them: Django must skip them.
	tmp := "sessionid" + live + "_out_0000000000000000_0123456789abcdef"
	cur := "sessionid_out_0000000000000000_0123456789abcdef"
	for _, name := range []string{tmp, cur} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	testenv.DjangoIn(t, version, djangoSettings(dir), djangoClears, nil)
	names, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, n := range names {
		left = append(left, n.Name())
	}
	slices.Sort(left)
	want := []string{"sessionid" + live, tmp, cur}
	slices.Sort(want)
	if !slices.Equal(left, want) {
		t.Errorf("after Django's clearsessions the directory holds %q, want %q", left, want)
	}
}
