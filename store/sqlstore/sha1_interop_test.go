package sqlstore_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/pyjson"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

// TestDjango32SHA1Sessions: Django 3.2 with DEFAULT_HASHING_ALGORITHM =
// "sha1" writes django_session rows in the format of Django before 3.1.
// The Django codec reads them (and the ones 3.2's _legacy_encode makes
// under the default setting); with Algorithm "sha1" it writes them
// byte for byte as Django does, and Django 3.2 reads what Go updated,
// with the setting and without it.
func TestDjango32SHA1Sessions(t *testing.T) {
	testenv.Python(t)
	const version = "3.2"
	d := djangoDBs()[0].open(t, sqlstore.Config{}) // SQLite
	if d.name != "SQLite" {
		t.Fatalf("the first database is %s, want SQLite", d.name)
	}
	d.extra = map[string]any{"DEFAULT_HASHING_ALGORITHM": "sha1"}
	data := map[string]any{"cart": []any{"A-1", "B-2"}, "name": "Zoë", "n": json.RawMessage("12345678901234567890")}
	res := runDjango(t, version, d, []map[string]any{
		{"op": "write", "data": data, "expiry": 3600},
		{"op": "legacy_encode", "data": map[string]any{"x": 1}},
	})
	rec, err := d.store.Load(t.Context(), res[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(rec.Data), ":") {
		t.Fatalf("Django 3.2 with sha1 wrote %q, a signing.dumps token: the test tests nothing", rec.Data)
	}
	var codec sessionkit.DjangoCodec
	codec.SecretKey = djangoSecret
	obj, err := codec.Decode(rec.Data)
	if err != nil {
		t.Fatalf("Decode of Django 3.2's sha1 session: %v", err)
	}
	want := `{"cart":["A-1","B-2"],"n":12345678901234567890,"name":"Zo\u00eb","_session_expiry":3600}`
	if got, _ := pyjson.Marshal(obj); !reflect.DeepEqual(decodeJSON(t, got), decodeJSON(t, []byte(want))) {
		t.Errorf("decoded %s, want %s", got, want)
	}

	// Go writes the same bytes as Django's _legacy_encode.
	sha1 := sessionkit.DjangoCodec{SecretKey: djangoSecret, Algorithm: "sha1"}
	x := new(pyjson.Object)
	x.Set("x", 1)
	enc, err := sha1.Encode(x)
	if err != nil {
		t.Fatal(err)
	}
	if string(enc) != res[1].SessionData {
		t.Errorf("Encode with sha1 = %q, Django's _legacy_encode = %q", enc, res[1].SessionData)
	}
	if obj, err := codec.Decode([]byte(res[1].SessionData)); err != nil || obj.Len() != 1 {
		t.Errorf("Decode of _legacy_encode's output = %v, %v", obj, err)
	}

	// Go updates the row with sha1; Django 3.2 reads it with the setting
	// and without it.
	obj.Set("from", "go")
	enc, err = sha1.Encode(obj)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.store.Update(t.Context(), res[0].Key, sessionkit.Record{Data: enc, Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	wantBack := `{"cart":["A-1","B-2"],"n":12345678901234567890,"name":"Zo\u00eb","_session_expiry":3600,"from":"go"}`
	for _, extra := range []map[string]any{{"DEFAULT_HASHING_ALGORITHM": "sha1"}, nil} {
		d.extra = extra
		back := runDjango(t, version, d, []map[string]any{{"op": "read", "key": res[0].Key}})
		if !back[0].Found || !reflect.DeepEqual(decodeJSON(t, back[0].Data), decodeJSON(t, []byte(wantBack))) {
			t.Errorf("Django 3.2 (%v) read Go's sha1 session as %s (found %v), want %s", extra, back[0].Data, back[0].Found, wantBack)
		}
	}
}
