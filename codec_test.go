package sessionkit_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/pyjson"
	"github.com/sessionkit/sessionkit/signing"
)

const testSecret = "django-insecure-interop-test-key-0123456789abcdef"

// The worked example of SPEC §4.1, minus the timestamp: the payload and
// salt are Django's.
func TestDjangoCodecMatchesDjango(t *testing.T) {
	c := &sessionkit.DjangoCodec{SecretKey: testSecret}
	d := new(pyjson.Object)
	d.Set("foo", "bar")
	b, err := c.Encode(d)
	if err != nil {
		t.Fatal(err)
	}
	payload, _, _ := strings.Cut(string(b), ":")
	if payload != "eyJmb28iOiJiYXIifQ" {
		t.Errorf("payload %q, want Django's eyJmb28iOiJiYXIifQ", payload)
	}
	// Django's own token for {"foo":"bar"} (session_encode vector) decodes.
	got, err := c.Decode([]byte("eyJmb28iOiJiYXIifQ:1r31eq:HpP88y98DOPZ44Om-HE6Y8Vqu2uG2I2igVzB_O06hEg"))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := got.Get("foo"); v != "bar" {
		t.Errorf("decoded foo = %v", v)
	}
}

func TestDjangoCodecRejects(t *testing.T) {
	c := &sessionkit.DjangoCodec{SecretKey: testSecret}
	for _, bad := range []string{"", "bad:encoded:value", "eyJmb28iOiJiYXIifQ:1r31eq:HpP88y98DOPZ44Om-HE6Y8Vqu2uG2I2igVzB_O06hEh", "eyJmb28iOiJiYXIifQ:1r31eq:HpP88y98DOPZ44Om-HE6Y8Vqu2uG2I2igVzB_O06hEg\n"} {
		if _, err := c.Decode([]byte(bad)); !errors.Is(err, signing.ErrBadSignature) {
			t.Errorf("Decode(%q) = %v, want ErrBadSignature", bad, err)
		}
	}
	other := &sessionkit.DjangoCodec{SecretKey: "another key"}
	tok, _ := other.Encode(new(pyjson.Object))
	if _, err := c.Decode(tok); err == nil {
		t.Error("a token signed with another key decoded")
	}
	// Key rotation: the old key is accepted as a fallback.
	rotated := &sessionkit.DjangoCodec{SecretKey: "new key", FallbackKeys: []string{"another key"}}
	if _, err := rotated.Decode(tok); err != nil {
		t.Errorf("a token signed with a fallback key: %v", err)
	}
	if _, err := (&sessionkit.DjangoCodec{}).Encode(new(pyjson.Object)); err == nil || !strings.Contains(err.Error(), "SecretKey") {
		t.Errorf("empty SecretKey: %v", err)
	}
}

func TestJSONCodecIsPythonJSON(t *testing.T) {
	d := new(pyjson.Object)
	d.Set("b", 1)
	d.Set("a", "é😀<>&")
	d.Set("f", 1.0)
	b, err := sessionkit.JSONCodec{}.Encode(d)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"b":1,"a":"\u00e9\ud83d\ude00<>&","f":1.0}`; string(b) != want {
		t.Errorf("Encode = %s, want %s", b, want)
	}
}

func TestDjangoCodecCompressesLargeSessions(t *testing.T) {
	c := &sessionkit.DjangoCodec{SecretKey: testSecret}
	small := new(pyjson.Object)
	small.Set("cart", strings.Repeat("mug,", 20))
	large := new(pyjson.Object)
	large.Set("cart", strings.Repeat("mug,", 200))
	for _, tc := range []struct {
		d          *pyjson.Object
		compressed bool
	}{{small, false}, {large, true}} {
		b, err := c.Encode(tc.d)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.HasPrefix(string(b), "."); got != tc.compressed {
			t.Errorf("%d-byte session: compressed = %v, want %v", len(b), got, tc.compressed)
		}
		back, err := c.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := back.Get("cart"); v != func() any { v, _ := tc.d.Get("cart"); return v }() {
			t.Error("round trip changed the data")
		}
	}
}

// A DjangoCodec with an empty fallback key decodes nothing: session data
// signed under the empty key, which anyone can make, would otherwise
// decode. Splitting an unset SECRET_KEY_FALLBACKS on commas gives one.
func TestDjangoCodecEmptyFallbackKey(t *testing.T) {
	forger, err := signing.NewTimestampSigner(signing.Options{Key: "x", Salt: sessionkit.DjangoSessionSalt})
	if err != nil {
		t.Fatal(err)
	}
	// The same token under the empty key: Django's salted HMAC of the body.
	tok := forger.SignPayload([]byte(`{"_auth_user_id":"1"}`), false)
	body := tok[:strings.LastIndexByte(tok, ':')]
	mac, err := signing.SaltedHMAC(sessionkit.DjangoSessionSalt+"signer", body, "", "sha256")
	if err != nil {
		t.Fatal(err)
	}
	forged := body + ":" + signing.B64Encode(mac)

	c := &sessionkit.DjangoCodec{SecretKey: testSecret, FallbackKeys: strings.Split("", ",")}
	if got, err := c.Decode([]byte(forged)); err == nil {
		t.Fatalf("Decode accepted data signed with the empty key: %v", got)
	} else if !errors.Is(err, signing.ErrEmptyKey) || !strings.HasPrefix(err.Error(), "sessionkit: DjangoCodec.FallbackKeys[0] is empty") {
		t.Errorf("Decode: err = %v, want one naming DjangoCodec.FallbackKeys[0]", err)
	}
	if _, err := c.Encode(&pyjson.Object{}); !errors.Is(err, signing.ErrEmptyKey) {
		t.Errorf("Encode: err = %v, want ErrEmptyKey", err)
	}
}
