package signing_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/signing"
)

// forgeWithEmptyKey returns what anyone can make: a signing.dumps token of
// value signed under the empty key, built from Django's salted_hmac.
func forgeWithEmptyKey(t *testing.T, value, salt string) string {
	t.Helper()
	body := signing.B64Encode([]byte(value)) + ":" + signing.B62Encode(time.Now().Unix())
	mac, err := signing.SaltedHMAC(salt+"signer", body, "", "sha256")
	if err != nil {
		t.Fatal(err)
	}
	return body + ":" + signing.B64Encode(mac)
}

// An empty fallback key is refused wherever keys are taken: with it, a
// token anyone can sign (under the empty key) would verify. The easy way to
// get one is splitting an unset SECRET_KEY_FALLBACKS on commas.
func TestEmptyFallbackKeyRefused(t *testing.T) {
	os.Unsetenv("SESSIONKIT_TEST_UNSET_FALLBACKS")
	fallbacks := strings.Split(os.Getenv("SESSIONKIT_TEST_UNSET_FALLBACKS"), ",") // [""]
	forged := forgeWithEmptyKey(t, `{"admin":true}`, signing.DefaultSalt)

	v, err := signing.Loads(forged, "the-real-secret", "", signing.NoMaxAge, fallbacks...)
	if err == nil {
		t.Fatalf("Loads with fallback keys [\"\"] verified a token signed with the empty key: %v", v)
	}
	if !errors.Is(err, signing.ErrEmptyKey) || !strings.Contains(err.Error(), "FallbackKeys[0] is empty") {
		t.Errorf("Loads: err = %v, want ErrEmptyKey naming FallbackKeys[0]", err)
	}

	o := signing.Options{Key: "the-real-secret", FallbackKeys: []string{"old", ""}}
	if _, err := signing.NewSigner(o); !errors.Is(err, signing.ErrEmptyKey) || !strings.Contains(err.Error(), "FallbackKeys[1] is empty") {
		t.Errorf("NewSigner: err = %v, want ErrEmptyKey naming FallbackKeys[1]", err)
	}
	if _, err := signing.NewTimestampSigner(o); !errors.Is(err, signing.ErrEmptyKey) || !strings.HasPrefix(err.Error(), "signing: ") {
		t.Errorf("NewTimestampSigner: err = %v, want an ErrEmptyKey starting with \"signing: \"", err)
	}
}

// NoMaxAge is the only way to turn the age check off: a zero or negative
// maximum age is a limit, as Django's max_age=0 is, and expires every
// signature made before now.
func TestZeroOrNegativeMaxAgeExpires(t *testing.T) {
	now := time.Unix(1700000000, 250_000_000)
	s, err := signing.NewTimestampSigner(signing.Options{Key: "k", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	signed := s.Sign("v") // stamped 1700000000; the age is 0.25 s
	token := s.SignPayload([]byte(`{"a":1}`), false)
	for _, maxAge := range []time.Duration{0, -time.Second, -1 << 63} {
		if v, err := s.Unsign(signed, maxAge); !errors.Is(err, signing.ErrSignatureExpired) {
			t.Errorf("Unsign(maxAge %v) = %q, %v; want ErrSignatureExpired", maxAge, v, err)
		}
		if _, err := s.UnsignPayload(token, maxAge); !errors.Is(err, signing.ErrSignatureExpired) {
			t.Errorf("UnsignPayload(maxAge %v): err = %v; want ErrSignatureExpired", maxAge, err)
		}
		if _, err := s.UnsignObject(token, maxAge); !errors.Is(err, signing.ErrSignatureExpired) {
			t.Errorf("UnsignObject(maxAge %v): err = %v; want ErrSignatureExpired", maxAge, err)
		}
	}
	if v, err := s.Unsign(signed, signing.NoMaxAge); err != nil || v != "v" {
		t.Errorf("Unsign(NoMaxAge) = %q, %v; want v", v, err)
	}
	// NoMaxAge accepts any age, even the largest.
	now = time.Unix(1<<62, 0)
	if v, err := s.Unsign(signed, signing.NoMaxAge); err != nil || v != "v" {
		t.Errorf("Unsign(NoMaxAge) a long time later = %q, %v; want v", v, err)
	}
	if _, err := s.Unsign(signed, 1<<62); !errors.Is(err, signing.ErrSignatureExpired) {
		t.Errorf("Unsign(1<<62 ns) a long time later: err = %v; want ErrSignatureExpired", err)
	}
	tok, err := signing.Dumps("x", "k", "", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signing.Loads(tok, "k", "", 0); !errors.Is(err, signing.ErrSignatureExpired) {
		t.Errorf("Loads(maxAge 0): err = %v; want ErrSignatureExpired", err)
	}
}
