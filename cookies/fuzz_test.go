package cookies

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParse: Parse never panics, never returns a name holding ';', and
// agrees with ParsePairs, Lookup and FromRequest.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "a=b", "a=b; h=i; a=c", `keebler="E=mc2; L=\"Loves\"; fudge=\012;"`,
		"  =  b  ;  ;  =  ;   c  =  ;  ", `c="An\054awkward\073value"`, `c="\"`, `"`,
		"x=W\x03c(h]\x8e", "want=\"caf\xc3\xa9\"", "a=\"\\\n\"", "\u3000a\u3000=\x1c\"\\377\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		m := Parse(header)
		pairs := ParsePairs(header)
		if len(pairs) != len(m) {
			t.Fatalf("ParsePairs has %d cookies, Parse %d", len(pairs), len(m))
		}
		for _, p := range pairs {
			if strings.Contains(p.Name, ";") {
				t.Fatalf("name %q holds ';'", p.Name)
			}
			if m[p.Name] != p.Value {
				t.Fatalf("%q: ParsePairs %q, Parse %q", p.Name, p.Value, m[p.Name])
			}
			if p.Name != pyStrip(p.Name) {
				t.Fatalf("name %q is not stripped", p.Name)
			}
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", header)
		fr := FromRequest(r)
		for k, v := range fr {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				t.Fatalf("FromRequest returned invalid UTF-8: %q=%q", k, v)
			}
		}
		// Lookup scans the whole header: check a few names, not all, so
		// that the target stays linear.
		names := []string{"", "missing\x00"}
		if n := len(pairs); n > 0 {
			names = append(names, decodeUTF8(pairs[0].Name), decodeUTF8(pairs[n-1].Name))
		}
		for _, k := range names {
			v, ok := Lookup(r, k)
			if w, wok := fr[k]; v != w || ok != wok {
				t.Fatalf("Lookup(%q) = %q, %v; FromRequest has %q, %v", k, v, ok, w, wok)
			}
		}
		if utf8.ValidString(header) && len(fr) != len(m) {
			t.Fatalf("FromRequest has %d cookies, Parse %d, for valid UTF-8", len(fr), len(m))
		}
	})
}

// FuzzFormat: Format never panics; what it accepts is one header line that
// reads back to the value, and that holds no byte that could split it.
func FuzzFormat(f *testing.F) {
	for _, s := range []string{"", "v", "An,awkward;value", "清風", `say "hi" \o/`, "\x00\x7f\xff"} {
		f.Add("c", s, "/", "Lax", int64(60))
	}
	f.Fuzz(func(t *testing.T, name, value, path, sameSite string, maxAge int64) {
		line, err := Format(name, value, Options{Path: path, SameSite: sameSite, MaxAge: time.Duration(maxAge)}, frozen)
		if err != nil {
			if line != "" {
				t.Fatalf("error %v with header %q", err, line)
			}
			return
		}
		if strings.ContainsAny(line, "\r\n\x00") {
			t.Fatalf("header %q holds a line break or NUL", line)
		}
		pair, _, _ := strings.Cut(line, "; ")
		if len(pair) > MaxSize {
			t.Fatalf("accepted a %d-byte cookie", len(pair))
		}
		got := ParsePairs(pair)
		if len(got) != 1 || got[0].Name != name || got[0].Value != value {
			t.Fatalf("%q: %q=%q read back as %q", line, name, value, got)
		}
	})
}
