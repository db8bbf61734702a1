package cookies

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Django's CookieTests (tests/httpwrappers/tests.py); the parse_cookie
// cases that have vectors run in TestVectorsSetCookie.

func TestEncodeDecode(t *testing.T) {
	// test_encode: no raw ';' or ',' in the header.
	line := mustFormat(t, "test", "An,awkward;value", Options{}, frozen)
	pair := strings.Split(line, "; ")[0]
	if want := `test="An\054awkward\073value"`; pair != want {
		t.Errorf("got %s, want %s", pair, want)
	}
	// test_decode: it reads back through parse_cookie.
	if got := Parse(pair)["test"]; got != "An,awkward;value" {
		t.Errorf("Parse(%s) = %q", pair, got)
	}
}

func TestNonstandardKeys(t *testing.T) {
	if _, ok := Parse("good_cookie=yes;bad:cookie=yes")["good_cookie"]; !ok {
		t.Error("good_cookie lost next to bad:cookie")
	}
}

func TestRepeatedNonstandardKeys(t *testing.T) {
	got := Parse("a:=b; a:=c; good_cookie=yes")
	if got["good_cookie"] != "yes" || got["a:"] != "c" {
		t.Errorf("got %q", got)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, h := range []string{"", " ", ";", " ; ;; ", "="} {
		if got := Parse(h); got == nil || len(got) != 0 {
			t.Errorf("Parse(%q) = %#v, want an empty map", h, got)
		}
		if got := ParsePairs(h); len(got) != 0 {
			t.Errorf("ParsePairs(%q) = %q", h, got)
		}
	}
}

func TestParsePairsOrder(t *testing.T) {
	got := ParsePairs("b=1; a=2; c=3; b=4; =x; a=5")
	want := []Pair{{"b", "4"}, {"a", "5"}, {"c", "3"}, {"", "x"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// Django's RequestsTests and HandlerTests.

func TestRequestWithoutCookies(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	if got := FromRequest(r); got == nil || len(got) != 0 {
		t.Errorf("FromRequest = %#v, want an empty map", got)
	}
	if _, ok := Lookup(r, "sessionid"); ok {
		t.Error("Lookup found a cookie in a request without any")
	}
	if _, ok := Lookup(r, ""); ok {
		t.Error(`Lookup found cookie "" in a request without any`)
	}
}

func TestNonASCIICookie(t *testing.T) {
	// The raw UTF-8 bytes of want="café", as a browser sends them.
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", "want=\"caf\xc3\xa9\"")
	if got := FromRequest(r)["want"]; got != "café" {
		t.Errorf("want = %q, want café", got)
	}
}

func TestInvalidUnicodeCookie(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", "x=W\x03c(h]\x8e")
	got := FromRequest(r)
	if want := map[string]string{"x": "W\x03c(h]\ufffd"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	for k, v := range got {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			t.Errorf("invalid UTF-8 reached the application: %q=%q", k, v)
		}
	}
}

// TESTS §7.5: several Cookie headers (HTTP/2) are joined with "; ".
func TestSeveralCookieHeaders(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Add("Cookie", "a=1")
	r.Header.Add("Cookie", "b=2; ")
	r.Header.Add("Cookie", "c=3;;")
	r.Header.Add("Cookie", "a=4")
	if got, want := RequestHeader(r), "a=1; b=2; c=3; a=4"; got != want {
		t.Errorf("RequestHeader = %q, want %q", got, want)
	}
	if got, want := FromRequest(r), map[string]string{"a": "4", "b": "2", "c": "3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("FromRequest = %q, want %q", got, want)
	}
	if v, ok := Lookup(r, "a"); !ok || v != "4" {
		t.Errorf("Lookup(a) = %q, %v", v, ok)
	}
}

func TestLookupMatchesParse(t *testing.T) {
	for _, h := range []string{
		"a=b; h=i; a=c",
		"  =  b  ;  ;  =  ;   c  =  ;  ",
		`keebler="E=mc2; L=\"Loves\"; fudge=\012;"`,
		"abc=def; unnamed; django_language=en",
		"x=\"\xff\"; y",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", h)
		want := FromRequest(r)
		for _, name := range []string{"a", "h", "", "c", "keebler", "L", "fudge", "abc", "django_language", "x", "missing"} {
			v, ok := Lookup(r, name)
			if w, wok := want[name]; v != w || ok != wok {
				t.Errorf("%q: Lookup(%q) = %q, %v; FromRequest has %q, %v", h, name, v, ok, w, wok)
			}
		}
	}
}

// A value that Format writes reads back unchanged through the request side
// (what a browser sends back is the name=value part).
func TestFormatThenParse(t *testing.T) {
	for _, v := range []string{"", "plain", "a b", `"quoted"`, "semi;colon", "tab\tand\nnewline", "é清\U0001f600", `\`, "==", " lead and trail "} {
		line := mustFormat(t, "c", v, Options{MaxAge: time.Hour}, frozen)
		pair, _, _ := strings.Cut(line, "; ")
		if got := Parse(pair + "; other=1")["c"]; got != v {
			t.Errorf("value %q: sent as %s, read back as %q", v, pair, got)
		}
	}
}

// newRequest returns a GET request whose Cookie header is header, if any.
func newRequest(header string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	if header != "" {
		r.Header.Set("Cookie", header)
	}
	return r
}
