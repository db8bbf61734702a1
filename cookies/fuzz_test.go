package cookies

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
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

// FuzzSignedGet: Get never accepts a cookie whose signature does not
// verify. The check recomputes Django's signature here, independently of
// package signing: base64url(HMAC-SHA256(sha256(salt + "signer" +
// "django.http.cookies" + SECRET_KEY), value:timestamp)).
func FuzzSignedGet(f *testing.F) {
	v2 := &Signer{SecretKey: djangoSecretKey, Now: fixedClock(frozen)}
	legacy := &Signer{SecretKey: djangoSecretKey, LegacySalt: true, Now: fixedClock(frozen)}
	for _, v := range []string{"hello", "", "a:b", "清風", `{"theme":"dark"}`} {
		for _, s := range []*Signer{v2, legacy} {
			signed, err := s.Sign("c", v, "salt")
			if err != nil {
				f.Fatal(err)
			}
			f.Add(signed)
			f.Add(Quote(signed))
			f.Add(signed[:len(signed)-2] + "$$")
		}
	}
	f.Add("hello:1r31eq:")
	f.Add(":::")
	reader := &Signer{SecretKey: djangoSecretKey, LegacyFallback: true, Now: fixedClock(frozen)}
	validSig := func(salt, msg, sig string) bool {
		k := sha256.Sum256([]byte(salt + "signer" + cookieKeyPrefix + djangoSecretKey))
		m := hmac.New(sha256.New, k[:])
		m.Write([]byte(msg))
		return sig == base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	f.Fuzz(func(t *testing.T, cookie string) {
		r := newRequest("c=" + cookie)
		got, err := reader.Get(r, "c", "salt", time.Hour)
		if err != nil {
			return
		}
		raw, _ := Lookup(r, "c") // what Django's request.COOKIES holds
		i := strings.LastIndexByte(raw, ':')
		if i < 0 {
			t.Fatalf("accepted %q, which has no signature", raw)
		}
		msg, sig := raw[:i], raw[i+1:]
		if !validSig(v2Salt("c", "salt"), msg, sig) && !validSig(legacySalt("c", "salt"), msg, sig) {
			t.Fatalf("accepted %q, whose signature does not verify", raw)
		}
		j := strings.LastIndexByte(msg, ':')
		if j < 0 || got != msg[:j] {
			t.Fatalf("accepted %q as %q", raw, got)
		}
	})
}
