package signing_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/pyjson"
	"github.com/sessionkit/sessionkit/signing"
)

// interopScript runs the requests in stdin through Django's own signing
// functions. Every string crosses the pipe as ASCII JSON (\u escapes), so
// no locale can change it.
const interopScript = `
from django.core import signing
from django.utils.crypto import salted_hmac
req = json.load(sys.stdin)
out = {"loads": [], "dumps": [], "hmac": [], "b64": []}
for r in req["loads"]:
    try:
        v = signing.loads(r["token"], key=r["key"], salt=r["salt"])
        out["loads"].append({"ok": True, "json": json.dumps(v, separators=(",", ":"))})
    except signing.BadSignature as e:
        out["loads"].append({"ok": False, "error": repr(e)})
for r in req["dumps"]:
    obj = json.loads(r["json"])
    tok = signing.dumps(obj, key=r["key"], salt=r["salt"], compress=r["compress"])
    out["dumps"].append({"token": tok, "json": json.dumps(obj, separators=(",", ":"))})
for r in req["hmac"]:
    out["hmac"].append(salted_hmac(r["key_salt"], r["value"], secret=r["secret"], algorithm=r["algorithm"]).hexdigest())
for s in req["b64"]:
    try:
        out["b64"].append(signing.b64_decode(s.encode()).hex())
    except Exception:
        out["b64"].append(None)
print(json.dumps(out))
`

type interopRequest struct {
	Loads []interopLoad `json:"loads"`
	Dumps []interopDump `json:"dumps"`
	HMAC  []interopHMAC `json:"hmac"`
	B64   []string      `json:"b64"`
}

type interopLoad struct {
	Token string `json:"token"`
	Key   string `json:"key"`
	Salt  string `json:"salt"`
}

type interopDump struct {
	JSON     string `json:"json"`
	Key      string `json:"key"`
	Salt     string `json:"salt"`
	Compress bool   `json:"compress"`
}

type interopHMAC struct {
	KeySalt   string `json:"key_salt"`
	Value     string `json:"value"`
	Secret    string `json:"secret"`
	Algorithm string `json:"algorithm"`
}

type interopResponse struct {
	Loads []struct {
		OK    bool   `json:"ok"`
		JSON  string `json:"json"`
		Error string `json:"error"`
	} `json:"loads"`
	Dumps []struct {
		Token string `json:"token"`
		JSON  string `json:"json"`
	} `json:"dumps"`
	HMAC []string  `json:"hmac"`
	B64  []*string `json:"b64"`
}

// The values exchanged, as JSON text, so that both sides start from the
// same numbers (1 and 1.0, big integers) and characters.
var interopValues = []string{
	`"hello"`,
	`{}`,
	`{"zeta":1,"alpha":2,"mid":[3,4]}`,
	`{"greeting":"h\u00e9llo w\u00f6rld \u2713","emoji":"\ud83d\ude00","cjk":"\u6e05\u98a8","lone":"\ud800"}`,
	`{"cart":{"items":[{"sku":"A1","qty":2},{"sku":"B2","qty":1}],"coupon":null},"flags":[true,false]}`,
	`[0.1,1.0,1e+16,1000000000000000.0,1e-05,0.0001,-0.0,1.7976931348623157e+308,5e-324,123456789.125,2.5e-07]`,
	`[18446744073709551617,-9223372036854775809,12345678901234567890123456789,0,-1]`,
	`[NaN,Infinity,-Infinity]`,
	`{"s":"</script><b>&amp;\u2028\u2029","ctrl":"\u0000\u0001\u001f\u007f","q":"\"'\\/"}`,
	`{"blob":"` + strings.Repeat("abcdefgh", 300) + `"}`,
	`[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19]`,
}

func TestInteropWithDjango(t *testing.T) {
	testenv.Python(t)
	for _, version := range testenv.DjangoVersions() {
		t.Run("Django"+version, func(t *testing.T) { interopWithDjango(t, version) })
	}
}

func interopWithDjango(t *testing.T, version string) {
	const key = "django-insecure-interop-test-key-0123456789abcdef"
	keys := []string{key, "s\u00e9cret-\u00fcnicode-\u2713"}
	salts := []string{signing.DefaultSalt, "django.contrib.sessions.SessionStore", "my-app.salt"}

	var req interopRequest
	type goDump struct{ json string }
	var goDumps []goDump
	for _, js := range interopValues {
		obj, err := pyjson.UnmarshalUTF8([]byte(js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		want, _ := pyjson.Marshal(obj)
		for i, k := range keys {
			for _, compress := range []bool{false, true} {
				salt := salts[(i+len(goDumps))%len(salts)]
				token, err := signing.Dumps(obj, k, salt, compress)
				if err != nil {
					t.Fatal(err)
				}
				req.Loads = append(req.Loads, interopLoad{token, k, salt})
				goDumps = append(goDumps, goDump{string(want)})
				req.Dumps = append(req.Dumps, interopDump{JSON: js, Key: k, Salt: salt, Compress: compress})
			}
		}
	}
	// A token Django must refuse: signed with another salt.
	bad, _ := signing.Dumps("x", key, "other", false)
	req.Loads = append(req.Loads, interopLoad{bad, key, signing.DefaultSalt})

	for _, alg := range []string{"sha1", "sha224", "sha256", "sha384", "sha512", "md5", "sha3_224", "sha3_256", "sha3_384", "sha3_512"} {
		req.HMAC = append(req.HMAC, interopHMAC{"some-salt", "\u2019 value \U0001F600", keys[1], alg})
	}

	// Django's lenient base64, on junk around valid data.
	r := rand.New(rand.NewPCG(7, 8))
	const junk = "AZaz09-_+/=!.\n YWJj"
	req.B64 = []string{"", "=", "==", "YQ", "YQ=", "YQ==", "YQ===", "YWE=YWE=", "Y", "YW=J"}
	for range 400 {
		b := make([]byte, r.IntN(24))
		for i := range b {
			b[i] = junk[r.IntN(len(junk))]
		}
		req.B64 = append(req.B64, string(b))
	}

	stdin, err := pyjson.Marshal(mustJSONValue(t, req)) // ASCII only
	if err != nil {
		t.Fatal(err)
	}
	out := testenv.DjangoIn(t, version, map[string]any{"SECRET_KEY": key}, interopScript, stdin)
	var resp interopResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("Django's output: %v\n%s", err, out)
	}
	t.Logf("Django %s", version)

	// Go dumps → Django loads.
	if len(resp.Loads) != len(req.Loads) {
		t.Fatalf("%d loads results for %d tokens", len(resp.Loads), len(req.Loads))
	}
	for i, d := range goDumps {
		if got := resp.Loads[i]; !got.OK || got.JSON != d.json {
			t.Errorf("Django loads of Go's %s:\n got %+v\nwant %s", req.Loads[i].Token, got, d.json)
		}
	}
	if last := resp.Loads[len(resp.Loads)-1]; last.OK || !strings.Contains(last.Error, "BadSignature") {
		t.Errorf("Django accepted a token with the wrong salt: %+v", last)
	}

	// Django dumps → Go loads.
	for i, d := range resp.Dumps {
		in := req.Dumps[i]
		v, err := signing.Loads(d.Token, in.Key, in.Salt, signing.NoMaxAge)
		if err != nil {
			t.Errorf("Go Loads of Django's %s: %v", d.Token, err)
			continue
		}
		if got := jsonOf(t, v); got != d.JSON {
			t.Errorf("Go Loads of Django's %s\n got %s\nwant %s", d.Token, got, d.JSON)
		}
		if got := goDumps[i].json; got != d.JSON {
			t.Errorf("Go writes %s as %s, Django as %s", in.JSON, got, d.JSON)
		}
		if _, err := signing.Loads(d.Token, in.Key, in.Salt+"x", signing.NoMaxAge); !errors.Is(err, signing.ErrBadSignature) {
			t.Errorf("Django's token verified with another salt: %v", err)
		}
	}

	for i, h := range req.HMAC {
		mac, err := signing.SaltedHMAC(h.KeySalt, h.Value, h.Secret, h.Algorithm)
		if err != nil {
			t.Errorf("%s: %v", h.Algorithm, err)
			continue
		}
		if got := hex.EncodeToString(mac); got != resp.HMAC[i] {
			t.Errorf("SaltedHMAC %s = %s, Django %s", h.Algorithm, got, resp.HMAC[i])
		}
	}

	for i, s := range req.B64 {
		got, err := signing.B64Decode(s)
		want := resp.B64[i]
		switch {
		case want == nil && err == nil:
			t.Errorf("B64Decode(%q) = %x, Django raises", s, got)
		case want != nil && err != nil:
			t.Errorf("B64Decode(%q): %v, Django gives %s", s, err, *want)
		case want != nil && hex.EncodeToString(got) != *want:
			t.Errorf("B64Decode(%q) = %x, Django gives %s", s, got, *want)
		}
	}
}

// mustJSONValue turns v into generic JSON values (via encoding/json) for
// pyjson to write with every non-ASCII character escaped.
func mustJSONValue(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pyjson.UnmarshalUTF8(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sha1Script signs with DEFAULT_HASHING_ALGORITHM = "sha1" (Django 3.1 and
// 3.2) and loads the tokens in stdin, which Django 3.2 accepts signed with
// sha1 whatever the setting says.
const sha1Script = `
from django.core import signing
req = json.load(sys.stdin)
out = {"dumps": signing.dumps({"n": 1, "s": "x" * 300}, salt="sha1-test", compress=True), "loads": []}
for tok in req:
    try:
        out["loads"].append(json.dumps(signing.loads(tok, salt="sha1-test"), separators=(",", ":")))
    except signing.BadSignature as e:
        out["loads"].append(repr(e))
print(json.dumps(out))
`

// TestInteropSHA1WithDjango32: what Django 3.2 signs under
// DEFAULT_HASHING_ALGORITHM = "sha1" verifies with AcceptAlgorithms
// ["sha1"] and not without; what Go signs with sha1 Django 3.2 loads under
// either setting.
func TestInteropSHA1WithDjango32(t *testing.T) {
	testenv.Python(t)
	const key = "django-insecure-interop-test-key-0123456789abcdef"
	goSHA1, err := signing.NewTimestampSigner(signing.Options{Key: key, Salt: "sha1-test", Algorithm: "sha1"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := goSHA1.SignObject(map[string]any{"go": true}, false)
	if err != nil {
		t.Fatal(err)
	}
	in, _ := json.Marshal([]string{tok})
	for _, alg := range []string{"sha1", "sha256"} {
		out := testenv.DjangoIn(t, "3.2", map[string]any{"SECRET_KEY": key, "DEFAULT_HASHING_ALGORITHM": alg}, sha1Script, in)
		var resp struct {
			Dumps string   `json:"dumps"`
			Loads []string `json:"loads"`
		}
		if err := json.Unmarshal(out, &resp); err != nil {
			t.Fatalf("Django's output: %v\n%s", err, out)
		}
		if len(resp.Loads) != 1 || resp.Loads[0] != `{"go":true}` {
			t.Errorf("Django 3.2 (%s) loads of Go's sha1 token: %q", alg, resp.Loads)
		}
		sigLen := len(resp.Dumps) - strings.LastIndexByte(resp.Dumps, ':') - 1
		if alg == "sha256" {
			if sigLen != 43 {
				t.Errorf("Django 3.2 (sha256) signed %q", resp.Dumps)
			}
			continue
		}
		if sigLen != 27 {
			t.Fatalf("Django 3.2 (sha1) signed %q, not with sha1", resp.Dumps)
		}
		if _, err := signing.Loads(resp.Dumps, key, "sha1-test", signing.NoMaxAge); !errors.Is(err, signing.ErrBadSignature) {
			t.Errorf("Loads of a sha1 token without AcceptAlgorithms = %v, want ErrBadSignature", err)
		}
		accept, err := signing.NewTimestampSigner(signing.Options{Key: key, Salt: "sha1-test", AcceptAlgorithms: []string{"sha1"}})
		if err != nil {
			t.Fatal(err)
		}
		v, err := accept.UnsignObject(resp.Dumps, signing.NoMaxAge)
		if err != nil {
			t.Fatalf("UnsignObject of Django 3.2's sha1 token: %v", err)
		}
		if got := jsonOf(t, v); got != `{"n":1,"s":"`+strings.Repeat("x", 300)+`"}` {
			t.Errorf("Django 3.2's sha1 token carries %s", got)
		}
	}
}
