package cookies

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// frozen is the vectors' clock: 2023-11-14T22:13:20.5Z.
var frozen = time.Unix(1700000000, 5e8)

// attr returns the value of attribute name (case-insensitive) in a
// Set-Cookie line, "" if absent, and whether it is present.
func attr(line, name string) (string, bool) {
	parts := strings.Split(line, "; ")
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(p, "=")
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

func mustFormat(t *testing.T, name, value string, o Options, now time.Time) string {
	t.Helper()
	line, err := Format(name, value, o, now)
	if err != nil {
		t.Fatalf("Format(%q, %q, %+v): %v", name, value, o, err)
	}
	return line
}

// Django's SetCookieTests and DeleteCookieTests (tests/responses/test_cookie.py).

func TestNearExpiration(t *testing.T) {
	// Django: expires 10 s ahead, a 1 ms sleep, then set_cookie: max-age 10,
	// thanks to the +1 s rounding.
	expires := frozen.Add(10 * time.Second)
	line := mustFormat(t, "datetime", "", Options{Expires: expires}, frozen.Add(time.Millisecond))
	if v, _ := attr(line, "Max-Age"); v != "10" {
		t.Errorf("Max-Age = %q, want 10 (%s)", v, line)
	}
}

func TestAwareExpiration(t *testing.T) {
	loc := time.FixedZone("UTC+5", 5*3600)
	expires := frozen.Add(10 * time.Second).In(loc)
	line := mustFormat(t, "datetime", "", Options{Expires: expires}, frozen.Add(time.Millisecond))
	if v, _ := attr(line, "Max-Age"); v != "10" {
		t.Errorf("Max-Age = %q, want 10 (%s)", v, line)
	}
	if v, _ := attr(line, "expires"); !strings.HasSuffix(v, " GMT") {
		t.Errorf("expires = %q, want a GMT date", v)
	}
}

func TestExpiresPastClampsToZero(t *testing.T) {
	line := mustFormat(t, "c", "v", Options{Expires: frozen.Add(-time.Hour)}, frozen)
	if want := "c=v; expires=Tue, 14 Nov 2023 22:13:20 GMT; Max-Age=0; Path=/"; line != want {
		t.Errorf("got  %s\nwant %s", line, want)
	}
}

func TestCreateCookieAfterDeletingCookie(t *testing.T) {
	w := httptest.NewRecorder()
	one := func() string {
		t.Helper()
		hs := w.Header()["Set-Cookie"]
		if len(hs) != 1 {
			t.Fatalf("Set-Cookie headers = %q, want exactly one", hs)
		}
		return hs[0]
	}
	if err := Set(w, "c", "value", Options{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := attr(one(), "expires"); ok {
		t.Errorf("set: %s has expires", one())
	}
	if err := Delete(w, "c", DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if v, _ := attr(one(), "expires"); v != "Thu, 01 Jan 1970 00:00:00 GMT" {
		t.Errorf("delete: expires = %q", v)
	}
	if err := Set(w, "c", "value", Options{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := attr(one(), "expires"); ok {
		t.Errorf("set again: %s has expires", one())
	}
}

func TestFarExpiration(t *testing.T) {
	expires := time.Date(2038, 1, 1, 4, 5, 6, 0, time.UTC)
	for _, now := range []time.Time{frozen, time.Now()} {
		line := mustFormat(t, "datetime", "", Options{Expires: expires}, now)
		v, _ := attr(line, "expires")
		if v != "Fri, 01 Jan 2038 04:05:06 GMT" && v != "Fri, 01 Jan 2038 04:05:07 GMT" {
			t.Errorf("now %v: expires = %q", now, v)
		}
	}
}

func TestVeryFarExpirationDoesNotOverflow(t *testing.T) {
	// Further than a time.Duration can count (292 years). The expected
	// values are Python's, for set_cookie at the frozen time.
	expires := time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)
	line := mustFormat(t, "c", "v", Options{Expires: expires}, frozen)
	if v, _ := attr(line, "expires"); v != "Wed, 01 Jan 9000 00:00:00 GMT" {
		t.Errorf("expires = %q", v)
	}
	if v, _ := attr(line, "Max-Age"); v != "220145392000" {
		t.Errorf("Max-Age = %q", v)
	}
}

func TestMaxAgeExpiration(t *testing.T) {
	line := mustFormat(t, "max_age", "", Options{MaxAge: 10 * time.Second}, frozen)
	if v, _ := attr(line, "Max-Age"); v != "10" {
		t.Errorf("Max-Age = %q", v)
	}
	if v, _ := attr(line, "expires"); v != HTTPDate(frozen.Add(10*time.Second)) {
		t.Errorf("expires = %q", v)
	}
}

func TestMaxAgeTruncated(t *testing.T) {
	// Max-Age is truncated, expires uses the exact value:
	// 20.5 + 10.6 = 31.1, so 22:13:31.
	line := mustFormat(t, "max_age", "", Options{MaxAge: 10600 * time.Millisecond}, frozen)
	if v, _ := attr(line, "Max-Age"); v != "10" {
		t.Errorf("Max-Age = %q", v)
	}
	if v, _ := attr(line, "expires"); v != "Tue, 14 Nov 2023 22:13:31 GMT" {
		t.Errorf("expires = %q", v)
	}
}

func TestMaxAgeTimedelta(t *testing.T) {
	line := mustFormat(t, "max_age", "", Options{MaxAge: time.Hour}, frozen)
	if v, _ := attr(line, "Max-Age"); v != "3600" {
		t.Errorf("Max-Age = %q", v)
	}
}

func TestNegativeMaxAgeIsZero(t *testing.T) {
	line := mustFormat(t, "c", "v", Options{MaxAge: -time.Hour}, frozen)
	if want := "c=v; expires=Tue, 14 Nov 2023 22:13:20 GMT; Max-Age=0; Path=/"; line != want {
		t.Errorf("got  %s\nwant %s", line, want)
	}
}

// Django ≥4.1 raises ValueError for expires together with max_age; here
// Expires wins, as documented.
func TestMaxAgeWithExpiresExpiresWins(t *testing.T) {
	line := mustFormat(t, "c", "v", Options{Expires: frozen.Add(time.Hour), MaxAge: 10 * time.Second}, frozen)
	if v, _ := attr(line, "Max-Age"); v != "3601" {
		t.Errorf("Max-Age = %q, want 3601 (from Expires)", v)
	}
	if v, _ := attr(line, "expires"); v != HTTPDate(frozen.Add(3601*time.Second)) {
		t.Errorf("expires = %q", v)
	}
	// Expires also wins over ExpiresRaw.
	line = mustFormat(t, "c", "v", Options{Expires: frozen.Add(time.Hour), ExpiresRaw: "raw"}, frozen)
	if v, _ := attr(line, "expires"); v == "raw" {
		t.Errorf("ExpiresRaw won over Expires: %s", line)
	}
}

func TestHTTPOnlyCookie(t *testing.T) {
	line := mustFormat(t, "example", "test", Options{HTTPOnly: true}, frozen)
	if !strings.Contains(line, "; HttpOnly") {
		t.Errorf("%s lacks HttpOnly", line)
	}
	line = mustFormat(t, "example", "test", Options{}, frozen)
	if strings.Contains(line, "HttpOnly") {
		t.Errorf("%s has HttpOnly", line)
	}
}

func TestUnicodeCookie(t *testing.T) {
	line := mustFormat(t, "test", "清風", Options{}, frozen)
	if want := `test="清風"; Path=/`; line != want {
		t.Errorf("got %s, want %s", line, want)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", strings.Split(line, "; ")[0])
	if v, _ := Lookup(r, "test"); v != "清風" {
		t.Errorf("read back %q", v)
	}
}

func TestSameSite(t *testing.T) {
	for _, s := range []string{"None", "Lax", "strict", "LAX", "nOnE"} {
		line := mustFormat(t, "example", "", Options{SameSite: s}, frozen)
		if v, _ := attr(line, "SameSite"); v != s {
			t.Errorf("SameSite %q written as %q", s, v)
		}
	}
}

func TestInvalidSameSite(t *testing.T) {
	// "ſtrict" upper-cases to STRICT under Unicode folding, but Python's
	// str.lower() leaves it alone, so Django rejects it.
	for _, s := range []string{"invalid", "ſtrict", "lax ", "Strict;"} {
		_, err := Format("example", "", Options{SameSite: s}, frozen)
		if !errors.Is(err, ErrInvalidAttribute) || !strings.Contains(err.Error(), `samesite must be "lax", "none", or "strict".`) {
			t.Errorf("SameSite %q: err = %v", s, err)
		}
	}
}

func TestPartitioned(t *testing.T) {
	line := mustFormat(t, "c", "v", Options{Partitioned: true, MaxAge: time.Minute, Secure: true, SameSite: "None"}, frozen)
	want := "c=v; expires=Tue, 14 Nov 2023 22:14:20 GMT; Max-Age=60; Partitioned; Path=/; SameSite=None; Secure"
	if line != want {
		t.Errorf("got  %s\nwant %s", line, want)
	}
}

func TestDeleteCookie(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    DeleteOptions
		want string
	}{
		{"c", DeleteOptions{}, `c=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/`},
		{"__Secure-c", DeleteOptions{}, `__Secure-c=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; Secure`},
		{"__Host-c", DeleteOptions{}, `__Host-c=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; Secure`},
		{"c", DeleteOptions{SameSite: "none"}, `c=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=none; Secure`},
		{"c", DeleteOptions{SameSite: "lax"}, `c=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=lax`},
		{"c", DeleteOptions{Path: "/p/", Domain: "example.com"}, `c=""; Domain=example.com; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/p/`},
	} {
		w := httptest.NewRecorder()
		if err := Delete(w, tc.name, tc.o); err != nil {
			t.Fatal(err)
		}
		if got := w.Header()["Set-Cookie"]; len(got) != 1 || got[0] != tc.want {
			t.Errorf("Delete(%q, %+v) = %q, want %q", tc.name, tc.o, got, tc.want)
		}
	}
	w := httptest.NewRecorder()
	if err := Delete(w, "c", DeleteOptions{SameSite: "bogus"}); !errors.Is(err, ErrInvalidAttribute) {
		t.Errorf("Delete with SameSite bogus: %v", err)
	}
	if err := Delete(w, "path", DeleteOptions{}); !errors.Is(err, ErrInvalidName) {
		t.Errorf("Delete of a reserved name: %v", err)
	}
	if len(w.Header()["Set-Cookie"]) != 0 {
		t.Errorf("failed Delete wrote %q", w.Header()["Set-Cookie"])
	}
}

func TestInvalidNames(t *testing.T) {
	for _, tc := range []struct{ name, msg string }{
		{"", "Illegal key ''"},
		{"a b", "Illegal key 'a b'"},
		{"a=b", "Illegal key 'a=b'"},
		{"a;b", "Illegal key 'a;b'"},
		{"a,b", "Illegal key 'a,b'"},
		{"caf\u00e9", "Illegal key 'caf\u00e9'"},
		{"it's\"", `Illegal key 'it\'s"'`},
		{"tab\t", `Illegal key 'tab\t'`},
		{"expires", "Attempt to set a reserved key 'expires'"},
		{"Max-Age", "Attempt to set a reserved key 'Max-Age'"},
		{"HTTPONLY", "Attempt to set a reserved key 'HTTPONLY'"},
		{"samesite", "Attempt to set a reserved key 'samesite'"},
		{"Version", "Attempt to set a reserved key 'Version'"},
		{"comment", "Attempt to set a reserved key 'comment'"},
		// Python lowers "İ" to "i̇" (two code points), so this is not
		// reserved, only illegal; Go's unicode lowering would say "path".
		{"PAT\u0130", "Illegal key 'PAT\u0130'"},
	} {
		_, err := Format(tc.name, "v", Options{}, frozen)
		if !errors.Is(err, ErrInvalidName) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Format(%q): err = %v, want %q", tc.name, err, tc.msg)
		}
	}
	for _, name := range []string{"a", "sessionid", "__Host-x", "key:term", "!#$%&'*+-.^_`|~:", "Partitioned"} {
		if _, err := Format(name, "v", Options{}, frozen); err != nil {
			t.Errorf("Format(%q): %v", name, err)
		}
	}
}

func TestInvalidValue(t *testing.T) {
	_, err := Format("c", "ok\xff", Options{}, frozen)
	if !errors.Is(err, ErrInvalidValue) {
		t.Errorf("invalid UTF-8 value: err = %v", err)
	}
}

func TestAttributeInjectionRefused(t *testing.T) {
	for _, o := range []Options{
		{Path: "/; Domain=evil.example"},
		{Domain: "example.com; Secure"},
		{ExpiresRaw: "Wed, 21 Oct 2015 07:28:00 GMT; Max-Age=99"},
		{Path: "/\r\nX-Evil: 1"},
		{Domain: "a\x00b"},
		{Path: "/\x7f"},
	} {
		if line, err := Format("c", "v", o, frozen); !errors.Is(err, ErrInvalidAttribute) {
			t.Errorf("Format with %+v = %q, %v; want ErrInvalidAttribute", o, line, err)
		}
	}
}

func TestTooLarge(t *testing.T) {
	// name=value of exactly MaxSize bytes is accepted; one more is not.
	name := "big"
	fits := strings.Repeat("x", MaxSize-len(name)-1)
	if line, err := Format(name, fits, Options{}, frozen); err != nil || !strings.HasPrefix(line, name+"="+fits+";") {
		t.Errorf("a %d-byte cookie: %v", MaxSize, err)
	}
	w := httptest.NewRecorder()
	err := Set(w, name, fits+"x", Options{})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("a %d-byte cookie: err = %v, want ErrTooLarge", MaxSize+1, err)
	}
	if msg := err.Error(); !strings.Contains(msg, `"big"`) || !strings.Contains(msg, strconv.Itoa(MaxSize+1)) {
		t.Errorf("error %q does not name the cookie and its size", msg)
	}
	if hs := w.Header()["Set-Cookie"]; len(hs) != 0 {
		t.Errorf("an oversized cookie was sent: %d headers", len(hs))
	}
	// Quoting counts: 1400 commas are 4200 bytes once escaped.
	if _, err := Format("c", strings.Repeat(",", 1400), Options{}, frozen); !errors.Is(err, ErrTooLarge) {
		t.Errorf("quoted size not counted: %v", err)
	}
	// Attributes do not count.
	if _, err := Format(name, fits, Options{Domain: strings.Repeat("d", 200) + ".example", MaxAge: time.Hour}, frozen); err != nil {
		t.Errorf("attributes counted towards the limit: %v", err)
	}
}

func TestSetReplacesSameName(t *testing.T) {
	w := httptest.NewRecorder()
	http.SetCookie(w, &http.Cookie{Name: "other", Value: "1"})
	http.SetCookie(w, &http.Cookie{Name: "c", Value: "from-net-http"})
	if err := Set(w, "b", "1", Options{}); err != nil {
		t.Fatal(err)
	}
	http.SetCookie(w, &http.Cookie{Name: "c", Value: "again"})
	if err := Set(w, "c", "2", Options{HTTPOnly: true}); err != nil {
		t.Fatal(err)
	}
	if err := Set(w, "b", "3", Options{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"other=1", "c=2; HttpOnly; Path=/", "b=3; Path=/"}
	if got := w.Header()["Set-Cookie"]; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Set-Cookie = %q, want %q", got, want)
	}
	// Replacing means replacing: attributes of the earlier header are not
	// merged into the new one (Django would keep HttpOnly here).
	if err := Delete(w, "c", DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := w.Header()["Set-Cookie"][1]; got != `c=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/` {
		t.Errorf("after Delete: %q", got)
	}
	// A name that is a prefix of another is a different cookie.
	if err := Set(w, "o", "x", Options{}); err != nil {
		t.Fatal(err)
	}
	if got := len(w.Header()["Set-Cookie"]); got != 4 {
		t.Errorf("%d headers after setting \"o\", want 4: %q", got, w.Header()["Set-Cookie"])
	}
}

func TestSetUsesCurrentTime(t *testing.T) {
	w := httptest.NewRecorder()
	before := time.Now()
	if err := Set(w, "c", "v", Options{MaxAge: time.Hour}); err != nil {
		t.Fatal(err)
	}
	v, _ := attr(w.Header().Get("Set-Cookie"), "expires")
	got, err := http.ParseTime(v)
	if err != nil {
		t.Fatal(err)
	}
	if lo, hi := before.Add(time.Hour-time.Second), time.Now().Add(time.Hour+time.Second); got.Before(lo) || got.After(hi) {
		t.Errorf("expires %v not about an hour from now", got)
	}
}

// The header Format writes is what net/http's own parser reads back.
func TestFormatParsesWithNetHTTP(t *testing.T) {
	line := mustFormat(t, "sessionid", "abc123", Options{
		MaxAge: 2 * 7 * 24 * time.Hour, Domain: "example.com", Path: "/app", Secure: true, HTTPOnly: true, SameSite: "Lax",
	}, frozen)
	c, err := http.ParseSetCookie(line)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "sessionid" || c.Value != "abc123" || c.MaxAge != 1209600 || c.Domain != "example.com" ||
		c.Path != "/app" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode ||
		!c.Expires.Equal(time.Unix(1700000000+1209600, 0)) {
		t.Errorf("net/http read %s as %+v", line, c)
	}
}

// The hand-written date must be http.TimeFormat's, from year 0 to far
// past 9999.
func TestHTTPDateMatchesTimeFormat(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	times := []time.Time{
		time.Unix(0, 0),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 6, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 2, 29, 12, 0, 0, 0, time.FixedZone("x", -11*3600)),
	}
	for range 10000 {
		times = append(times, time.Unix(r.Int64N(300000000000)-62135596800, r.Int64N(1e9)).In(time.FixedZone("y", int(r.Int64N(50000))-25000)))
	}
	for _, tm := range times {
		if got, want := HTTPDate(tm), tm.UTC().Format(http.TimeFormat); got != want {
			t.Fatalf("HTTPDate(%v) = %q, want %q", tm, got, want)
		}
	}
}
