package signing_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit/signing"
)

// A session that Django 3.2's _legacy_encode wrote for {"a": 1} with the
// key below (SessionStore of the db engine).
const (
	legacyKey   = "django-insecure-interop-test-key-0123456789abcdef"
	legacySalt  = "django.contrib.sessionsSessionStore"
	legacyJSON  = `{"a":1}`
	legacyToken = "NjczNDUxYjlkMjM4NDQ3MWQzNmM4NGQ4ZDc0ZmZlMDA5ODE3OTkzYTp7ImEiOjF9"
)

func TestLegacySession(t *testing.T) {
	if got := signing.LegacySessionKeySalt("django.contrib.sessions.SessionStore"); got != legacySalt {
		t.Errorf("LegacySessionKeySalt = %q, want %q", got, legacySalt)
	}
	enc, err := signing.EncodeLegacySession([]byte(legacyJSON), legacySalt, legacyKey)
	if err != nil {
		t.Fatal(err)
	}
	if enc != legacyToken {
		t.Errorf("EncodeLegacySession = %q, want Django's %q", enc, legacyToken)
	}
	for _, in := range []string{legacyToken, legacyToken[:20] + "\n" + legacyToken[20:] + "\n"} {
		got, err := signing.DecodeLegacySession(in, legacySalt, "old-key", legacyKey)
		if err != nil || string(got) != legacyJSON {
			t.Errorf("DecodeLegacySession(%q) = %q, %v", in, got, err)
		}
	}
	for name, in := range map[string]string{
		"another key":  enc,
		"not base64":   "%%%",
		"no separator": "YWJj",
		"altered":      strings.Replace(legacyToken, "7ImEiOjF9", "7ImEiOjJ9", 1),
	} {
		keys := []string{legacyKey}
		if name == "another key" {
			keys = []string{"another-key"}
		}
		if _, err := signing.DecodeLegacySession(in, legacySalt, keys...); !errors.Is(err, signing.ErrBadSignature) {
			t.Errorf("%s: DecodeLegacySession = %v, want ErrBadSignature", name, err)
		}
	}
	if _, err := signing.EncodeLegacySession([]byte(legacyJSON), legacySalt, ""); !errors.Is(err, signing.ErrEmptyKey) {
		t.Errorf("EncodeLegacySession with no key = %v, want ErrEmptyKey", err)
	}
}

func TestAcceptAlgorithms(t *testing.T) {
	sha1, err := signing.NewSigner(signing.Options{Key: "k", Algorithm: "sha1"})
	if err != nil {
		t.Fatal(err)
	}
	tok := sha1.Sign("v")
	plain, _ := signing.NewSigner(signing.Options{Key: "k"})
	if _, err := plain.Unsign(tok); !errors.Is(err, signing.ErrBadSignature) {
		t.Errorf("a sha256 signer verified a sha1 signature: %v", err)
	}
	both, err := signing.NewSigner(signing.Options{Key: "k", FallbackKeys: []string{"old"}, AcceptAlgorithms: []string{"sha1"}})
	if err != nil {
		t.Fatal(err)
	}
	old, _ := signing.NewSigner(signing.Options{Key: "old", Algorithm: "sha1"})
	for _, tok := range []string{tok, old.Sign("v"), plain.Sign("v")} {
		if v, err := both.Unsign(tok); err != nil || v != "v" {
			t.Errorf("Unsign(%q) = %q, %v", tok, v, err)
		}
	}
	if got, want := both.Sign("v"), plain.Sign("v"); got != want {
		t.Errorf("AcceptAlgorithms changed signing: %q, want %q", got, want)
	}
	if _, err := signing.NewSigner(signing.Options{Key: "k", AcceptAlgorithms: []string{"crc32"}}); !errors.Is(err, signing.ErrInvalidAlgorithm) {
		t.Errorf("AcceptAlgorithms crc32: %v", err)
	}
}
