package cookiestore_test

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/cookiestore"
)

// The tests in this file run real Django (testenv.DjangoIn, each version)
// with the signed_cookies engine and the same SECRET_KEY, and Django 3.2
// with DEFAULT_HASHING_ALGORITHM = "sha1" as well.

const djangoSecret = "django-insecure-interop-test-key-0123456789abcdef"

// djangoSettings returns the Django settings, with DEFAULT_HASHING_ALGORITHM
// if algorithm is set (Django 3.1 and 3.2 only).
func djangoSettings(algorithm string) map[string]any {
	s := map[string]any{
		"SECRET_KEY":     djangoSecret,
		"USE_TZ":         true,
		"TIME_ZONE":      "UTC",
		"INSTALLED_APPS": []string{"django.contrib.sessions"},
		"SESSION_ENGINE": "django.contrib.sessions.backends.signed_cookies",
	}
	if algorithm != "" {
		s["DEFAULT_HASHING_ALGORITHM"] = algorithm
	}
	return s
}

// eachDjango runs f under every Django version, and under Django 3.2 with
// DEFAULT_HASHING_ALGORITHM = "sha1" (algorithm "sha1", else "").
func eachDjango(t *testing.T, f func(t *testing.T, version, algorithm string)) {
	testenv.Python(t)
	for _, v := range testenv.DjangoVersions() {
		t.Run("Django"+v, func(t *testing.T) { f(t, v, "") })
	}
	t.Run("Django3.2-sha1", func(t *testing.T) { f(t, "3.2", "sha1") })
}

// sigLen is the length of a signature of algorithm in base64.
func sigLen(algorithm string) int {
	if algorithm == "sha1" {
		return 27
	}
	return 43
}

// sessions are the JSON objects exchanged, as Django's json.dumps writes
// them (non-ASCII escaped, no spaces, Python floats).
var sessions = []string{
	`{"foo":"bar"}`,
	`{"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend","_auth_user_hash":"0000000000000000000000000000000000000000000000000000000000000000"}`,
	`{"name":"J\u00fcrgen \u00c9mile","emoji":"\ud83d\ude80","n":[1,2.5,3.0,12345678901234567890],"x":null,"t":true}`,
	`{"blob":"` + strings.Repeat("abcdefgh", 40) + `"}`,
	// Past CompressMin (compressed by the fast encoder) and past its range
	// (compressed by compress/zlib).
	`{"cart":[` + strings.Repeat(`{"sku":"SKU-000001","name":"Product with a descriptive name","qty":2,"price":19.99},`, 12) + `{}]}`,
	`{"cart":[` + strings.Repeat(`{"sku":"SKU-000001","name":"Product with a descriptive name","qty":2,"price":19.99},`, 40) + `{}]}`,
	`{}`,
}

const djangoMints = `
from django.contrib.sessions.backends.signed_cookies import SessionStore
out = []
for data in json.load(sys.stdin):
    s = SessionStore()
    s.update(data)
    s.save()
    out.append({"value": s.session_key, "json": json.dumps(dict(s.items()), separators=(",", ":"))})
print(json.dumps(out))
`

func TestDjangoMintsCookiestoreReads(t *testing.T) {
	eachDjango(t, djangoMintsCookiestoreReads)
}

func djangoMintsCookiestoreReads(t *testing.T, version, algorithm string) {
	in := []byte("[" + strings.Join(sessions, ",") + "]")
	var minted []struct{ Value, JSON string }
	if err := json.Unmarshal(testenv.DjangoIn(t, version, djangoSettings(algorithm), djangoMints, in), &minted); err != nil {
		t.Fatal(err)
	}
	if len(minted) != len(sessions) {
		t.Fatalf("Django minted %d cookies, want %d", len(minted), len(sessions))
	}
	s, err := cookiestore.New(cookiestore.Config{SecretKey: djangoSecret, Django: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range minted {
		if m.JSON != sessions[i] {
			t.Fatalf("Django's JSON %s differs from the input %s: fix the test data", m.JSON, sessions[i])
		}
		if n := len(m.Value) - strings.LastIndexByte(m.Value, ':') - 1; n != sigLen(algorithm) {
			t.Errorf("Django's cookie %q has a signature of %d characters, want %d (%s)", m.Value, n, sigLen(algorithm), algorithm)
		}
		if !s.ValidKey(m.Value) {
			t.Errorf("ValidKey rejects Django's cookie %q", m.Value)
		}
		rec, err := s.Load(t.Context(), m.Value)
		if err != nil {
			t.Errorf("Load of Django's cookie %q: %v", m.Value, err)
			continue
		}
		// The payload is Django's JSON, byte for byte.
		if string(rec.Data) != m.JSON {
			t.Errorf("Load of Django's cookie = %s, Django wrote %s", rec.Data, m.JSON)
		}
		if d := time.Until(rec.Expiry) - cookiestore.DefaultMaxAge; d > time.Second || d < -5*time.Second {
			t.Errorf("Expiry of a fresh Django cookie = %v, want about now + SESSION_COOKIE_AGE", rec.Expiry)
		}
	}
}

const djangoReads = `
from django.contrib.sessions.backends.signed_cookies import SessionStore
out = []
for value in json.load(sys.stdin):
    s = SessionStore(session_key=value)
    out.append(json.dumps(dict(s.load()), separators=(",", ":")))
print(json.dumps(out))
`

func TestCookiestoreMintsDjangoReads(t *testing.T) {
	eachDjango(t, cookiestoreMintsDjangoReads)
}

func cookiestoreMintsDjangoReads(t *testing.T, version, algorithm string) {
	now := time.Now()
	s, err := cookiestore.New(cookiestore.Config{SecretKey: djangoSecret, Django: true, Algorithm: algorithm, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	var values, want []string
	for _, data := range sessions {
		v, err := s.Create(t.Context(), "", sessionkit.Record{Data: []byte(data)})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(v) - strings.LastIndexByte(v, ':') - 1; n != sigLen(algorithm) {
			t.Fatalf("Create made %q, whose signature has %d characters, want %d (%s)", v, n, sigLen(algorithm), algorithm)
		}
		values, want = append(values, v), append(want, data)
	}
	// Too old for Django's SESSION_COOKIE_AGE: Django drops it.
	now = time.Now().Add(-cookiestore.DefaultMaxAge - time.Minute)
	old, err := s.Create(t.Context(), "", sessionkit.Record{Data: []byte(`{"old":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	values, want = append(values, old), append(want, `{}`)
	// Signed with another key: Django drops it.
	other, err := cookiestore.New(cookiestore.Config{SecretKey: "not-" + djangoSecret, Django: true})
	if err != nil {
		t.Fatal(err)
	}
	forged, err := other.Create(t.Context(), "", sessionkit.Record{Data: []byte(`{"forged":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	values, want = append(values, forged), append(want, `{}`)
	// A native cookie is no Django cookie.
	native, err := cookiestore.New(cookiestore.Config{SecretKey: djangoSecret, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := native.Create(t.Context(), "", sessionkit.Record{Data: []byte(`{"sealed":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	values, want = append(values, sealed), append(want, `{}`)

	in, _ := json.Marshal(values)
	var got []string
	if err := json.Unmarshal(testenv.DjangoIn(t, version, djangoSettings(algorithm), djangoReads, in), &got); err != nil {
		t.Fatal(err)
	}
	for i := range values {
		if got[i] != want[i] {
			t.Errorf("Django loaded our cookie %q as %s, want %s", values[i], got[i], want[i])
		}
	}
}
