package signing_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/signing"
)

const fuzzKey = "django-insecure-interop-test-key-0123456789abcdef"

// FuzzLoads: Loads never panics, accepts a token only if its signature is
// the HMAC of what precedes it (checked independently with SaltedHMAC),
// and rejects every one-byte change of a valid token.
func FuzzLoads(f *testing.F) {
	for _, s := range []string{
		"ImhlbGxvIg:1r31eq:qU4zA6CgHWntt9gYUmb9B7o6qB2OZXfZWSp12zNs-tI",
		".eJwFwcERACAIwLCF-rCiILN47r-GyZVJsNgkxaFxoDgxcOHGxMKD_T7vhAml:1r31eq:3ejkCdTnaoSuKuMec2MbAPxQby-0juYSp7IkmX_pbaw",
		"eyJrIjoiw6nmuIUifQ:1r31eq:rN3nBaG6ys6SeJnilb2arjtiwHBzP9IiRZM_3wHHdFU",
		"bm90IGpzb24:1r31eq:Tlc8wrMQ8gIAGwkP37E5Ol6s9syIlcmlD63qEg7zokY",
		"bad:encoded:value",
		"",
		":",
		"::",
	} {
		f.Add(s, uint16(0), byte(1), false)
	}
	s, err := signing.NewTimestampSigner(signing.Options{Key: fuzzKey, Salt: signing.DefaultSalt,
		Now: func() time.Time { return time.Unix(1700000000, 0) }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, token string, pos uint16, flip byte, compress bool) {
		if _, err := signing.Loads(token, fuzzKey, "", signing.NoMaxAge); err == nil {
			i := strings.LastIndexByte(token, ':')
			mac, _ := signing.SaltedHMAC(signing.DefaultSalt+"signer", token[:i], fuzzKey, "sha256")
			if token[i+1:] != signing.B64Encode(mac) {
				t.Fatalf("Loads accepted %q, whose signature is not the HMAC of its value", token)
			}
		}
		if _, err := s.UnsignPayload(token, time.Hour); err == nil && !strings.Contains(token, ":") {
			t.Fatalf("UnsignPayload accepted %q without a separator", token)
		}

		// Sign something derived from the input and change one byte.
		valid, err := s.SignObject([]any{token, len(token)}, compress)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := signing.Loads(valid, fuzzKey, "", signing.NoMaxAge); err != nil {
			t.Fatalf("Loads rejected a valid token %q: %v", valid, err)
		}
		b := []byte(valid)
		b[int(pos)%len(b)] ^= flip
		if mutated := string(b); mutated != valid {
			if v, err := signing.Loads(mutated, fuzzKey, "", signing.NoMaxAge); err == nil {
				t.Fatalf("Loads accepted %q, a changed copy of %q, as %v", mutated, valid, v)
			}
		}
	})
}
