package cookies

import (
	"encoding/hex"
	"encoding/json"
	"github.com/sessionkit/sessionkit/signing"
	"math/rand/v2"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/internal/testenv"
)

// These tests run real Django (internal/testenv: each of
// testenv.DjangoVersions) beside the Go code. Its clock is frozen
// at the vectors' time, so that headers can be compared byte for byte.

// djangoSecretKey is the vectors' SECRET_KEY.
const djangoSecretKey = "django-insecure-interop-test-key-0123456789abcdef"

// djangoScript answers a JSON list of operations with a JSON list of
// results: {"ok": …} or {"error": exception class name, "message": str(e)}.
const djangoScript = `
import datetime, json, sys, time
from http.cookies import SimpleCookie
from django.http import HttpResponse
from django.http.cookie import parse_cookie
from django.test import RequestFactory

NOW = [1700000000.5]
time.time = lambda: NOW[0]  # signing and http_date read time.time()

class FrozenDatetime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return datetime.datetime.utcfromtimestamp(NOW[0])
    @classmethod
    def now(cls, tz=None):
        return datetime.datetime.fromtimestamp(NOW[0], tz)

# Django 4.0 and later compute a datetime expires against
# datetime.datetime.now in django.http.response: freeze that clock too.
import types, django.http.response as _response
_response.datetime = types.SimpleNamespace(datetime=FrozenDatetime, timedelta=datetime.timedelta, timezone=datetime.timezone)

def kwargs(c):
    kw = dict(c.get("kwargs", {}))
    if "expires_unix" in kw:
        # Naive UTC, as Django 3.2 computes delta = expires - expires.utcnow().
        kw["expires"] = FrozenDatetime.utcfromtimestamp(kw.pop("expires_unix"))
    return kw

def request(header_hex):
    # WSGI: the header arrives as a latin-1 str of the raw bytes.
    return RequestFactory().get("/", HTTP_COOKIE=bytes.fromhex(header_hex).decode("latin-1"))

def run(c):
    op = c["op"]
    NOW[0] = c.get("now", 1700000000.5)
    if op == "set_cookie":
        r = HttpResponse()
        r.set_cookie(c["name"], c["value"], **kwargs(c))
        return r.cookies[c["name"]].OutputString()
    if op == "delete_cookie":
        r = HttpResponse()
        r.delete_cookie(c["name"], **kwargs(c))
        return r.cookies[c["name"]].OutputString()
    if op == "simplecookie":
        sc = SimpleCookie()
        sc.load(c["header"])
        return {k: [m.value, m["path"], m["expires"], str(m["max-age"])] for k, m in sc.items()}
    if op == "parse_cookie":
        return list(parse_cookie(c["header"]).items())
    if op == "cookies":
        return list(request(c["hex"]).COOKIES.items())
    if op == "set_signed_cookie":
        r = HttpResponse()
        r.set_signed_cookie(c["name"], c["value"], salt=c["salt"], **kwargs(c))
        return r.cookies[c["name"]].OutputString()
    if op == "get_signed_cookie":
        return request(c["hex"]).get_signed_cookie(c["name"], salt=c["salt"], max_age=c.get("max_age"))
    raise ValueError("unknown op " + op)

out = []
for c in json.load(sys.stdin):
    try:
        out.append({"ok": run(c)})
    except Exception as e:
        out.append({"error": type(e).__name__, "message": str(e)})
json.dump(out, sys.stdout)
`

type djangoResult struct {
	OK      json.RawMessage `json:"ok"`
	Error   string          `json:"error"`
	Message string          `json:"message"`
}

// runDjango runs ops in one process of Django version (see
// testenv.DjangoVersions).
func runDjango(t *testing.T, version string, ops []map[string]any) []djangoResult {
	t.Helper()
	in, err := json.Marshal(ops)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]any{"SECRET_KEY": djangoSecretKey, "USE_TZ": true, "TIME_ZONE": "UTC"}
	out := testenv.DjangoIn(t, version, settings, djangoScript, in)
	var res []djangoResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("django output: %v\n%s", err, out)
	}
	if len(res) != len(ops) {
		t.Fatalf("django answered %d of %d operations", len(res), len(ops))
	}
	return res
}

func (r djangoResult) str(t *testing.T) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(r.OK, &s); err != nil {
		t.Fatalf("django result %s: %v", r.OK, err)
	}
	return s
}

// randText returns n characters drawn from pools that exercise every
// quoting rule: legal, unescaped, escaped ASCII, Latin-1, wider text.
func randText(rng *rand.Rand, n int) string {
	pools := [][]rune{
		[]rune(legalChars), []rune(legalChars), []rune(unescapedExtra),
		[]rune("\"\\;,\t\n\r\x00\x1f\x7f"),
		[]rune("éÿ\u0080\u00a0\u00ad×"),
		[]rune("清風\u0100\u2028\u3000\U0001f600"),
	}
	var b strings.Builder
	for range n {
		p := pools[rng.IntN(len(pools))]
		b.WriteRune(p[rng.IntN(len(p))])
	}
	return b.String()
}

func randName(rng *rand.Rand) string {
	switch rng.IntN(8) {
	case 0:
		reserved := []string{"expires", "Path", "COMMENT", "domain", "Max-Age", "secure", "HttpOnly", "version", "SameSite"}
		return reserved[rng.IntN(len(reserved))]
	case 1:
		return randText(rng, rng.IntN(6)) // mostly illegal
	default:
		var b strings.Builder
		for range 1 + rng.IntN(12) {
			b.WriteByte(legalChars[rng.IntN(len(legalChars))])
		}
		return b.String()
	}
}

// TestDjangoSetCookie renders random set_cookie and delete_cookie calls
// with Django and with Format/Delete, and compares the headers, or the
// errors, exactly.
func TestDjangoSetCookie(t *testing.T) {
	testenv.Python(t)
	for _, version := range testenv.DjangoVersions() {
		t.Run("Django"+version, func(t *testing.T) { djangoSetCookie(t, version) })
	}
}

func djangoSetCookie(t *testing.T, version string) {
	rng := rand.New(rand.NewPCG(1, 2))
	type goCall struct {
		name, value string
		o           Options
		delete      *DeleteOptions
	}
	var (
		ops   []map[string]any
		calls []goCall
	)
	for range 400 {
		name, value := randName(rng), randText(rng, rng.IntN(20))
		kw := map[string]any{}
		var o Options
		switch rng.IntN(4) {
		case 0:
			secs := rng.IntN(100000)
			kw["max_age"] = secs
			o.MaxAge = time.Duration(secs) * time.Second
			if secs == 0 {
				o.MaxAge = -1
			}
		case 1:
			f := float64(rng.IntN(100000)) / 10
			kw["max_age"] = f
			o.MaxAge = time.Duration(f * float64(time.Second))
			if f == 0 {
				o.MaxAge = -1
			}
		case 2:
			// A datetime expires, in the past or the future; with a
			// max_age too, which Django 3.2 ignores, as Format does, and
			// Django 4.0 and later refuse.
			e := 1700000000 + rng.IntN(4000000) - 1000000
			kw["expires_unix"] = e
			o.Expires = time.Unix(int64(e), 0)
			if rng.IntN(2) == 0 {
				kw["max_age"] = 60
				o.MaxAge = time.Minute
			}
		}
		if rng.IntN(4) == 0 {
			kw["expires"] = "Wed, 21 Oct 2015 07:28:00 GMT"
			o.ExpiresRaw = "Wed, 21 Oct 2015 07:28:00 GMT"
			delete(kw, "expires_unix")
			o.Expires = time.Time{}
		}
		switch rng.IntN(4) {
		case 0:
			kw["path"] = nil
			o.NoPath = true
		case 1:
			kw["path"] = "/p/" + strings.Trim(randText(rng, 3), "; \t\n\r\x00\x1f\x7f\u2028\u3000")
			o.Path = kw["path"].(string)
			if strings.ContainsFunc(o.Path, isCTLOrSemicolon) {
				kw["path"], o.Path = "/x", "/x"
			}
		}
		if rng.IntN(3) == 0 {
			kw["domain"], o.Domain = ".example.com", ".example.com"
		}
		if rng.IntN(2) == 0 {
			kw["secure"], o.Secure = true, true
		}
		if rng.IntN(2) == 0 {
			kw["httponly"], o.HTTPOnly = true, true
		}
		if rng.IntN(2) == 0 {
			ss := []string{"Lax", "lax", "STRICT", "None", "nOne", "invalid", "ſtrict"}
			kw["samesite"] = ss[rng.IntN(len(ss))]
			o.SameSite = kw["samesite"].(string)
		}
		if rng.IntN(8) == 0 {
			d := DeleteOptions{Path: "/", Domain: o.Domain, SameSite: o.SameSite}
			dkw := map[string]any{"path": "/", "samesite": nil, "domain": nil}
			if d.Domain != "" {
				dkw["domain"] = d.Domain
			}
			if d.SameSite != "" {
				dkw["samesite"] = d.SameSite
			}
			if rng.IntN(2) == 0 {
				name = "__Host-" + name
			}
			ops = append(ops, map[string]any{"op": "delete_cookie", "name": name, "kwargs": dkw})
			calls = append(calls, goCall{name: name, delete: &d})
			continue
		}
		ops = append(ops, map[string]any{"op": "set_cookie", "name": name, "value": value, "kwargs": kw})
		calls = append(calls, goCall{name, value, o, nil})
	}
	res := runDjango(t, version, ops)
	var nOK, nErr, nBoth int
	for i, c := range calls {
		var got string
		var err error
		if c.delete != nil {
			got, err = Format(c.name, "", deleteOptions(c.name, *c.delete), frozen)
		} else {
			got, err = Format(c.name, c.value, c.o, frozen)
		}
		r := res[i]
		_, hasMax := ops[i]["kwargs"].(map[string]any)["max_age"]
		if _, hasExp := ops[i]["kwargs"].(map[string]any)["expires_unix"]; hasExp && hasMax && version != "3.2" {
			// Django 4.0 and later refuse a datetime expires with a
			// max_age (after checking the name); Format, like Django 3.2,
			// lets expires win.
			if r.Error == "" {
				t.Errorf("%v: Django %s accepted expires with max_age: %s", ops[i], version, r.OK)
			}
			if r.Error == "ValueError" && strings.Contains(r.Message, "can't be used together") {
				nBoth++
				continue
			}
		}
		if r.Error != "" {
			nErr++
			if err == nil || !strings.Contains(err.Error(), r.Message) {
				t.Errorf("%v: Django raised %s(%q); Go: %q, %v", ops[i], r.Error, r.Message, got, err)
			}
			continue
		}
		nOK++
		if want := r.str(t); err != nil || got != want {
			t.Errorf("%v:\n  go     %q (err %v)\n  django %q", ops[i], got, err, want)
		}
	}
	t.Logf("%d headers and %d errors identical to Django %s; %d refusals of expires with max_age", nOK, nErr, version, nBoth)
	if nOK < 100 || nErr < 20 {
		t.Errorf("too few cases of a kind: %d headers, %d errors", nOK, nErr)
	}
}

// TestDjangoReadsGoHeaders: a header rendered by Format parses, in Python's
// SimpleCookie, to the value and attributes Go wrote, and its name=value
// part parses to the value in Django's parse_cookie.
func TestDjangoReadsGoHeaders(t *testing.T) {
	testenv.Python(t)
	for _, version := range testenv.DjangoVersions() {
		t.Run("Django"+version, func(t *testing.T) { djangoReadsGoHeaders(t, version) })
	}
}

func djangoReadsGoHeaders(t *testing.T, version string) {
	rng := rand.New(rand.NewPCG(3, 4))
	var (
		ops    []map[string]any
		values []string
		lines  []string
	)
	fixed := []string{"", "v", "An,awkward;value", `say "hi" \o/`, "清風", "été", "\x00\x1f\x7f\u0080\u00ff", "a\\012b"}
	for i := range 200 {
		v := randText(rng, rng.IntN(24))
		if i < len(fixed) {
			v = fixed[i]
		}
		line, err := Format("c", v, Options{MaxAge: time.Hour, Path: "/p"}, frozen)
		if err != nil {
			t.Fatal(err)
		}
		pair, _, _ := strings.Cut(line, "; ")
		values, lines = append(values, v), append(lines, line)
		ops = append(ops,
			map[string]any{"op": "simplecookie", "header": line},
			map[string]any{"op": "parse_cookie", "header": pair + "; d=1"})
	}
	res := runDjango(t, version, ops)
	for i, v := range values {
		sc, pc := res[2*i], res[2*i+1]
		var morsels map[string][4]string
		if sc.Error != "" || json.Unmarshal(sc.OK, &morsels) != nil {
			t.Errorf("SimpleCookie.load(%q): %s %s", lines[i], sc.Error, sc.Message)
			continue
		}
		want := [4]string{v, "/p", "Tue, 14 Nov 2023 23:13:20 GMT", "3600"}
		if m, ok := morsels["c"]; !ok || m != want {
			t.Errorf("SimpleCookie.load(%q) = %q, want %q", lines[i], morsels, want)
		}
		var pairs [][2]string
		if pc.Error != "" || json.Unmarshal(pc.OK, &pairs) != nil {
			t.Errorf("parse_cookie(%q): %s %s", lines[i], pc.Error, pc.Message)
			continue
		}
		if want := [][2]string{{"c", v}, {"d", "1"}}; !reflect.DeepEqual(pairs, want) {
			t.Errorf("parse_cookie of %q = %q, want %q", lines[i], pairs, want)
		}
	}
}

// TestDjangoCookies sends random raw Cookie headers (invalid UTF-8
// included) to Django's WSGIRequest.COOKIES and to FromRequest.
func TestDjangoCookies(t *testing.T) {
	testenv.Python(t)
	for _, version := range testenv.DjangoVersions() {
		t.Run("Django"+version, func(t *testing.T) { djangoCookies(t, version) })
	}
}

func djangoCookies(t *testing.T, version string) {
	rng := rand.New(rand.NewPCG(5, 6))
	raw := []string{
		"a=b; h=i; a=c", "x=W\x03c(h]\x8e", "want=\"caf\xc3\xa9\"", "\xe2\x82=\xed\xa0\x80; \xc0\xaf",
		`keebler="E=mc2; L=\"Loves\"; fudge=\012;"`, "  =  b  ;  ;  =  ;   c  =  ;  ",
		"a=\"\\\n\"", "\x1cx\x1f=\x1d\"\\377\"\x1e", "\u3000k\u3000=\u2028v\u0085",
	}
	pieces := []string{"a", "b", "=", "; ", ";", " ", `"`, `\`, `\0`, `\12`, "\\351", "é", "\xff", "\xe2\x82", "\t", "\u00a0", "\x1c", "清"}
	for range 300 {
		var b strings.Builder
		for range rng.IntN(16) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		raw = append(raw, b.String())
	}
	ops := make([]map[string]any, len(raw))
	for i, h := range raw {
		ops[i] = map[string]any{"op": "cookies", "hex": hex.EncodeToString([]byte(h))}
	}
	res := runDjango(t, version, ops)
	for i, h := range raw {
		var want [][2]string
		if res[i].Error != "" || json.Unmarshal(res[i].OK, &want) != nil {
			t.Fatalf("COOKIES of %q: %s %s", h, res[i].Error, res[i].Message)
		}
		r := newRequest(h)
		got := [][2]string{}
		for _, p := range ParsePairs(RequestHeader(r)) {
			got = append(got, [2]string{p.Name, p.Value})
		}
		if want == nil {
			want = [][2]string{}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("header %q:\n  go     %q\n  django %q", h, got, want)
		}
		for _, p := range want {
			if v, ok := Lookup(r, p[0]); !ok || v != p[1] {
				t.Errorf("header %q: Lookup(%q) = %q, %v; Django has %q", h, p[0], v, ok, p[1])
			}
		}
	}
}

// TestDjangoSignedCookies: set_signed_cookie in Django and Signer.Set (the
// legacy scheme, which Django 3.2 uses) write identical headers; and each
// side's get_signed_cookie reads the other's cookie with the same outcome at
// several later times and maximum ages.
func TestDjangoSignedCookies(t *testing.T) {
	testenv.Python(t)
	for _, version := range testenv.DjangoVersions() {
		t.Run("Django"+version, func(t *testing.T) { djangoSignedCookies(t, version) })
	}
}

func djangoSignedCookies(t *testing.T, version string) {
	// Django 3.2 and 4.2 sign with the legacy salt; the 5.2 of the tests
	// (5.2.15 or later) with the v2 salt, and reads legacy cookies too.
	legacy := version == "3.2" || version == "4.2"
	rng := rand.New(rand.NewPCG(7, 8))
	type tc struct {
		name, value, salt string
		o                 Options
		kw                map[string]any
	}
	var cases []tc
	for i := range 60 {
		c := tc{name: randName(rng), value: randText(rng, rng.IntN(20)), salt: randText(rng, rng.IntN(4)), kw: map[string]any{}}
		if i < 3 {
			c.name = []string{"c", "basket", "prefs"}[i]
		}
		if !isLegal(c.name) || isReserved(c.name) {
			c.name = "n" + strings.Map(func(r rune) rune {
				if r < 0x80 && byteClass(byte(r)) == 1 {
					return r
				}
				return -1
			}, c.name)
		}
		if rng.IntN(2) == 0 {
			c.kw["max_age"], c.o.MaxAge = 3600, time.Hour
		}
		if rng.IntN(2) == 0 {
			c.kw["httponly"], c.o.HTTPOnly = true, true
		}
		cases = append(cases, c)
	}
	var ops []map[string]any
	for _, c := range cases {
		ops = append(ops, map[string]any{"op": "set_signed_cookie", "name": c.name, "value": c.value, "salt": c.salt, "kwargs": c.kw})
	}
	res := runDjango(t, version, ops)

	s := &Signer{SecretKey: djangoSecretKey, LegacySalt: legacy, LegacyFallback: !legacy, Now: fixedClock(frozen)}
	checks := []struct {
		after  time.Duration
		maxAge *float64
	}{{0, nil}, {100 * time.Second, ptr(100.0)}, {100*time.Second + time.Millisecond, ptr(100.0)}, {time.Hour, ptr(60.0)}}
	type read struct {
		header, name, salt string
		now                time.Time
		maxAge             *float64
	}
	var reads []read
	for i, c := range cases {
		if res[i].Error != "" {
			t.Fatalf("Django set_signed_cookie(%q, %q, salt=%q): %s %s", c.name, c.value, c.salt, res[i].Error, res[i].Message)
		}
		djangoLine := res[i].str(t)
		w := httptest.NewRecorder()
		if err := s.Set(w, c.name, c.value, c.salt, c.o); err != nil {
			t.Fatalf("Set(%q, %q, %q): %v", c.name, c.value, c.salt, err)
		}
		goLine := w.Header().Get("Set-Cookie")
		if goLine != djangoLine {
			t.Errorf("set_signed_cookie(%q, %q, salt=%q):\n  go     %q\n  django %q", c.name, c.value, c.salt, goLine, djangoLine)
		}
		wrong := c.salt + "x"
		for _, line := range []string{goLine, djangoLine} {
			pair, _, _ := strings.Cut(line, "; ")
			for _, ch := range checks {
				reads = append(reads, read{pair, c.name, c.salt, frozen.Add(ch.after), ch.maxAge})
			}
			reads = append(reads, read{pair, c.name, wrong, frozen, nil})
			tampered := pair[:len(pair)-2] + "$$"
			reads = append(reads, read{tampered, c.name, c.salt, frozen, nil})
		}
	}
	ops = ops[:0]
	for _, rd := range reads {
		op := map[string]any{"op": "get_signed_cookie", "hex": hex.EncodeToString([]byte(rd.header)),
			"name": rd.name, "salt": rd.salt, "now": float64(rd.now.UnixNano()) / 1e9}
		if rd.maxAge != nil {
			op["max_age"] = *rd.maxAge
		}
		ops = append(ops, op)
	}
	res = runDjango(t, version, ops)
	outcomes := map[string]int{}
	for i, rd := range reads {
		reader := &Signer{SecretKey: djangoSecretKey, LegacySalt: legacy, LegacyFallback: !legacy, Now: fixedClock(rd.now)}
		maxAge := signing.NoMaxAge // Django's max_age=None
		if rd.maxAge != nil {
			maxAge = time.Duration(*rd.maxAge * float64(time.Second))
		}
		got, err := reader.Get(newRequest(rd.header), rd.name, rd.salt, maxAge)
		want := res[i]
		result := want.Error
		if result == "" {
			result = "ok"
		}
		outcomes[result]++
		var wantValue string
		if result == "ok" {
			wantValue = want.str(t)
		}
		checkSignedResult(t, "get_signed_cookie of "+rd.header, got, err, result, wantValue)
	}
	t.Logf("outcomes shared with Django %s: %v", version, outcomes)
	for _, r := range []string{"ok", "BadSignature", "SignatureExpired"} {
		if outcomes[r] == 0 {
			t.Errorf("no read ended in %s", r)
		}
	}
}

func ptr[T any](v T) *T { return &v }
