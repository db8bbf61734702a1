package sessionkit_test

import (
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/pyjson"
	"github.com/sessionkit/sessionkit/signing"
)

// TestDjangoCodecSHA1: with Algorithm "sha1" the codec writes what Django
// 3.2's _legacy_encode writes (the format before Django 3.1); every codec
// reads that format and tokens signed with sha1, as Django 3.2 does.
func TestDjangoCodecSHA1(t *testing.T) {
	d := new(pyjson.Object)
	d.Set("a", 1)
	sha1 := &sessionkit.DjangoCodec{SecretKey: testSecret, Algorithm: "sha1"}
	enc, err := sha1.Encode(d)
	if err != nil {
		t.Fatal(err)
	}
	// SessionStore()._legacy_encode({"a": 1}) in Django 3.2, same key.
	const django = "NjczNDUxYjlkMjM4NDQ3MWQzNmM4NGQ4ZDc0ZmZlMDA5ODE3OTkzYTp7ImEiOjF9"
	if string(enc) != django {
		t.Errorf("Encode = %q, want Django's %q", enc, django)
	}
	// A token signed with sha1, as signing.dumps makes under Django 3.2's
	// DEFAULT_HASHING_ALGORITHM = "sha1" elsewhere.
	s1, err := signing.NewTimestampSigner(signing.Options{Key: testSecret, Salt: sessionkit.DjangoSessionSalt, Algorithm: "sha1"})
	if err != nil {
		t.Fatal(err)
	}
	signed := s1.SignPayload([]byte(`{"a":1}`), false)
	rotated := &sessionkit.DjangoCodec{SecretKey: "new-" + testSecret, FallbackKeys: []string{testSecret}}
	for _, c := range []*sessionkit.DjangoCodec{sha1, {SecretKey: testSecret}, rotated} {
		for _, in := range []string{django, signed} {
			got, err := c.Decode([]byte(in))
			if err != nil {
				t.Errorf("Decode(%q) with Algorithm %q: %v", in, c.Algorithm, err)
				continue
			}
			if v, _ := got.Get("a"); v != 1 {
				t.Errorf("Decode(%q) = %v", in, got)
			}
		}
	}
	other := &sessionkit.DjangoCodec{SecretKey: "other-" + testSecret}
	if _, err := other.Decode([]byte(django)); err == nil || !strings.Contains(err.Error(), "corrupted") {
		t.Errorf("Decode under another key = %v, want session data corrupted", err)
	}
	bad := &sessionkit.DjangoCodec{SecretKey: testSecret, Algorithm: "md5"}
	if _, err := bad.Encode(d); err == nil || !strings.HasPrefix(err.Error(), "sessionkit: DjangoCodec.Algorithm") {
		t.Errorf("Algorithm md5: %v", err)
	}
}
