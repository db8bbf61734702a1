package cookies

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/signing"
)

// fixedClock returns a Now func stuck at t.
func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// signedCase is one set_signed_cookie vector.
type signedCase struct {
	Inputs struct {
		Name  string  `json:"name"`
		Value string  `json:"value"`
		Salt  string  `json:"salt"`
		Time  float64 `json:"time"`
	}
	Outputs struct {
		CookieValue string `json:"cookie_value"`
		SetCookie   string `json:"set_cookie"`
		Result      string `json:"result"`
		Message     string `json:"message"`
	}
	Checks []struct {
		Now    float64  `json:"now"`
		Salt   string   `json:"salt"`
		MaxAge *float64 `json:"max_age"`
		Result string   `json:"result"`
		Value  string   `json:"value"`
	}
}

func loadSigned(t *testing.T, version string) (cases []signedCase, errCases []signedCase) {
	t.Helper()
	v := loadVectors(t, version, "set_signed_cookie.json")
	for _, c := range v.Cases {
		var sc signedCase
		unmarshal(t, c.Inputs, &sc.Inputs)
		unmarshal(t, c.Outputs, &sc.Outputs)
		if len(c.Checks) > 0 {
			unmarshal(t, c.Checks, &sc.Checks)
		}
		switch c.Kind {
		case "set_signed_cookie":
			cases = append(cases, sc)
		case "set_signed_cookie_error":
			errCases = append(errCases, sc)
		default:
			t.Fatalf("%s: unknown kind %q", version, c.Kind)
		}
	}
	return cases, errCases
}

// vectorSigner is the Signer that behaves like the Django that wrote the
// version's vectors: 4.2 uses the legacy salt, 5.2.18 the v2 salt with the
// legacy fallback on (its default).
func vectorSigner(version string, now time.Time) *Signer {
	s := &Signer{SecretKey: djangoSecretKey, Now: fixedClock(now)}
	if version == "django-4.2.28" {
		s.LegacySalt = true
	} else {
		s.LegacyFallback = true
	}
	return s
}

// checkSignedResult compares an Unsign outcome with Django's result name.
func checkSignedResult(t *testing.T, label, got string, err error, result, want string) {
	t.Helper()
	switch result {
	case "ok":
		if err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", label, got, err, want)
		}
	case "BadSignature":
		if !errors.Is(err, signing.ErrBadSignature) || errors.Is(err, signing.ErrSignatureExpired) {
			t.Errorf("%s: err = %v, want a bad signature", label, err)
		}
	case "SignatureExpired":
		if !errors.Is(err, signing.ErrSignatureExpired) || !errors.Is(err, signing.ErrBadSignature) {
			t.Errorf("%s: err = %v, want an expired signature", label, err)
		}
	default:
		t.Fatalf("%s: unknown result %q", label, result)
	}
}

// TestVectorsSignedCookie checks every set_signed_cookie case of Django 4.2
// (legacy salt) and 5.2.18 (v2 salt): the cookie value, the exact header,
// and each get_signed_cookie check at its time, salt and max_age.
func TestVectorsSignedCookie(t *testing.T) {
	for _, version := range djangoVersions {
		cases, errCases := loadSigned(t, version)
		if len(cases) != 8 || len(errCases) != 1 {
			t.Fatalf("%s: %d cases and %d error cases, want 8 and 1", version, len(cases), len(errCases))
		}
		for _, c := range cases {
			in := c.Inputs
			label := version + "/" + in.Name + "/" + in.Salt
			s := vectorSigner(version, pyTime(in.Time))
			if got, err := s.Sign(in.Name, in.Value, in.Salt); err != nil || got != c.Outputs.CookieValue {
				t.Errorf("%s: Sign = %q, %v; want %q", label, got, err, c.Outputs.CookieValue)
			}
			w := httptest.NewRecorder()
			if err := s.Set(w, in.Name, in.Value, in.Salt, Options{}); err != nil {
				t.Errorf("%s: Set: %v", label, err)
			} else if got := w.Header().Get("Set-Cookie"); got != c.Outputs.SetCookie {
				t.Errorf("%s: Set wrote\n  %s\nwant\n  %s", label, got, c.Outputs.SetCookie)
			}
			if len(c.Checks) == 0 {
				t.Errorf("%s: no checks", label)
			}
			for _, ch := range c.Checks {
				s := vectorSigner(version, pyTime(ch.Now))
				maxAge := signing.NoMaxAge
				if ch.MaxAge != nil {
					maxAge = time.Duration(*ch.MaxAge * float64(time.Second))
				}
				r := newRequest(strings.SplitN(c.Outputs.SetCookie, "; ", 2)[0])
				got, err := s.Get(r, in.Name, ch.Salt, maxAge)
				checkSignedResult(t, label+" checked at "+pyTime(ch.Now).String(), got, err, ch.Result, ch.Value)
			}
		}
		for _, c := range errCases {
			s := vectorSigner(version, frozen)
			err := s.Set(httptest.NewRecorder(), c.Inputs.Name, c.Inputs.Value, c.Inputs.Salt, Options{})
			if !errors.Is(err, ErrInvalidName) || !strings.Contains(err.Error(), c.Outputs.Message) {
				t.Errorf("%s: Set(%q): err = %v, want %q", version, c.Inputs.Name, err, c.Outputs.Message)
			}
		}
	}
}

// TestSaltSchemeInterop is the interop matrix of SPEC §8.3 and TESTS §7.2,
// §7.3, on the recorded cookies of each Django.
func TestSaltSchemeInterop(t *testing.T) {
	legacy, _ := loadSigned(t, "django-4.2.28")
	v2, _ := loadSigned(t, "django-5.2.18")
	read := func(s *Signer, c signedCase) (string, error) {
		return s.Unsign(c.Inputs.Name, c.Outputs.CookieValue, c.Inputs.Salt, signing.NoMaxAge)
	}
	for i := range legacy {
		l, v := legacy[i], v2[i]
		if l.Inputs != v.Inputs {
			t.Fatalf("vector files differ in order: %+v vs %+v", l.Inputs, v.Inputs)
		}
		// Legacy cookies: read by legacy, by v2 with fallback; not by v2 alone.
		if got, err := read(&Signer{SecretKey: djangoSecretKey, LegacySalt: true}, l); err != nil || got != l.Inputs.Value {
			t.Errorf("legacy signer on legacy cookie %q: %q, %v", l.Outputs.CookieValue, got, err)
		}
		if got, err := read(&Signer{SecretKey: djangoSecretKey, LegacyFallback: true}, l); err != nil || got != l.Inputs.Value {
			t.Errorf("v2+fallback signer on legacy cookie %q: %q, %v", l.Outputs.CookieValue, got, err)
		}
		if _, err := read(&Signer{SecretKey: djangoSecretKey}, l); !errors.Is(err, signing.ErrBadSignature) {
			t.Errorf("v2 signer (6.1 default) accepted legacy cookie %q: %v", l.Outputs.CookieValue, err)
		}
		// v2 cookies: read by v2 with or without fallback; not by legacy.
		for _, s := range []*Signer{{SecretKey: djangoSecretKey}, {SecretKey: djangoSecretKey, LegacyFallback: true}} {
			if got, err := read(s, v); err != nil || got != v.Inputs.Value {
				t.Errorf("v2 signer %+v on v2 cookie %q: %q, %v", *s, v.Outputs.CookieValue, got, err)
			}
		}
		if _, err := read(&Signer{SecretKey: djangoSecretKey, LegacySalt: true}, v); !errors.Is(err, signing.ErrBadSignature) {
			t.Errorf("legacy signer accepted v2 cookie %q: %v", v.Outputs.CookieValue, err)
		}
	}

	// §7.2: ("ab", salt "c") and ("a", salt "bc") collide in the legacy
	// scheme only.
	for _, tc := range []struct {
		legacy, want bool
	}{{true, true}, {false, false}} {
		s := &Signer{SecretKey: djangoSecretKey, LegacySalt: tc.legacy, Now: fixedClock(frozen)}
		x, _ := s.Sign("ab", "v", "c")
		y, _ := s.Sign("a", "v", "bc")
		if (x == y) != tc.want {
			t.Errorf("LegacySalt=%v: Sign(ab,c)=%q Sign(a,bc)=%q", tc.legacy, x, y)
		}
		_, err := s.Unsign("a", x, "bc", signing.NoMaxAge)
		if (err == nil) != tc.want {
			t.Errorf("LegacySalt=%v: cookie ab/c read as a/bc: %v", tc.legacy, err)
		}
	}
	if v2Salt("ck", "sél") != "django.http.cookies.v2:3:sélck" {
		t.Errorf("v2Salt counts bytes, not code points: %q", v2Salt("ck", "sél"))
	}
}

// TESTS §7.3: an expired v2 signature is not retried with the legacy salt,
// while a legacy cookie under the fallback expires like any other.
func TestLegacyFallbackExpiry(t *testing.T) {
	signedAt := frozen
	later := frozen.Add(time.Hour)
	v2 := &Signer{SecretKey: djangoSecretKey, Now: fixedClock(signedAt)}
	legacy := &Signer{SecretKey: djangoSecretKey, LegacySalt: true, Now: fixedClock(signedAt)}
	reader := &Signer{SecretKey: djangoSecretKey, LegacyFallback: true, Now: fixedClock(later)}

	c, _ := v2.Sign("c", "v", "s")
	_, err := reader.Unsign("c", c, "s", time.Minute)
	if !errors.Is(err, signing.ErrSignatureExpired) {
		t.Errorf("expired v2 cookie: err = %v, want ErrSignatureExpired (a legacy retry would say bad signature)", err)
	}
	c, _ = legacy.Sign("c", "v", "s")
	if _, err := reader.Unsign("c", c, "s", time.Minute); !errors.Is(err, signing.ErrSignatureExpired) {
		t.Errorf("expired legacy cookie through the fallback: err = %v", err)
	}
	if v, err := reader.Unsign("c", c, "s", 2*time.Hour); err != nil || v != "v" {
		t.Errorf("fresh legacy cookie through the fallback: %q, %v", v, err)
	}
}

// Django's SignedCookieTest (tests/signed_cookies_tests/tests.py).

func TestCanSetAndReadSignedCookies(t *testing.T) {
	s := &Signer{SecretKey: djangoSecretKey}
	w := httptest.NewRecorder()
	if err := s.Set(w, "c", "hello", "", Options{}); err != nil {
		t.Fatal(err)
	}
	line := w.Header().Get("Set-Cookie")
	if !strings.HasPrefix(line, "c=hello:") {
		t.Errorf("header %q does not start with c=hello:", line)
	}
	r := newRequest(strings.SplitN(line, "; ", 2)[0])
	if v, err := s.Get(r, "c", "", signing.NoMaxAge); err != nil || v != "hello" {
		t.Errorf("Get = %q, %v", v, err)
	}
}

func TestCanUseSalt(t *testing.T) {
	s := &Signer{SecretKey: djangoSecretKey}
	signed, err := s.Sign("a", "hello", "one")
	if err != nil {
		t.Fatal(err)
	}
	r := newRequest("a=" + signed)
	if v, err := s.Get(r, "a", "one", signing.NoMaxAge); err != nil || v != "hello" {
		t.Errorf("salt one: %q, %v", v, err)
	}
	if _, err := s.Get(r, "a", "two", signing.NoMaxAge); !errors.Is(err, signing.ErrBadSignature) {
		t.Errorf("salt two: err = %v, want a bad signature", err)
	}
}

func TestDetectsTampering(t *testing.T) {
	s := &Signer{SecretKey: djangoSecretKey}
	signed, _ := s.Sign("c", "hello", "")
	for _, bad := range []string{
		signed[:len(signed)-2] + "$$",
		"jello" + signed[5:],
		signed + "x",
		signed[:len(signed)-1],
		"hello",
		"",
	} {
		if v, err := s.Unsign("c", bad, "", signing.NoMaxAge); !errors.Is(err, signing.ErrBadSignature) {
			t.Errorf("Unsign(%q) = %q, %v; want a bad signature", bad, v, err)
		}
	}
	// The cookie name is part of the salt: a cookie moved to another name
	// does not verify.
	if _, err := s.Unsign("d", signed, "", signing.NoMaxAge); !errors.Is(err, signing.ErrBadSignature) {
		t.Errorf("cookie c read as d: %v", err)
	}
}

func TestMissingSignedCookie(t *testing.T) {
	s := &Signer{SecretKey: djangoSecretKey}
	_, err := s.Get(newRequest("other=1"), "c", "", signing.NoMaxAge)
	if !errors.Is(err, http.ErrNoCookie) || errors.Is(err, signing.ErrBadSignature) {
		t.Errorf("err = %v, want http.ErrNoCookie only", err)
	}
}

func TestMaxAgeArgument(t *testing.T) {
	set := time.Unix(123456789, 0)
	s := &Signer{SecretKey: djangoSecretKey, Now: fixedClock(set)}
	signed, _ := s.Sign("c", "hello", "")
	r := newRequest("c=" + signed)
	s.Now = fixedClock(time.Unix(123456800, 0))
	for _, tc := range []struct {
		maxAge  time.Duration
		expired bool
	}{{12 * time.Second, false}, {11 * time.Second, false}, {10 * time.Second, true}, {0, true}, {-time.Second, true}, {signing.NoMaxAge, false}} {
		v, err := s.Get(r, "c", "", tc.maxAge)
		if tc.expired {
			if !errors.Is(err, signing.ErrSignatureExpired) {
				t.Errorf("max age %v: %q, %v; want expired", tc.maxAge, v, err)
			}
		} else if err != nil || v != "hello" {
			t.Errorf("max age %v: %q, %v", tc.maxAge, v, err)
		}
	}
}

func TestSetSignedCookieMaxAgeArgument(t *testing.T) {
	s := &Signer{SecretKey: djangoSecretKey, Now: fixedClock(frozen)}
	for _, tc := range []struct {
		maxAge time.Duration
		want   string
	}{{100 * time.Second, "100"}, {2 * time.Hour, "7200"}} {
		w := httptest.NewRecorder()
		if err := s.Set(w, "c", "value", "", Options{MaxAge: tc.maxAge}); err != nil {
			t.Fatal(err)
		}
		line := w.Header().Get("Set-Cookie")
		if v, _ := attr(line, "Max-Age"); v != tc.want {
			t.Errorf("Max-Age = %q, want %s", v, tc.want)
		}
		// expires comes from the Signer's clock.
		if v, _ := attr(line, "expires"); v != HTTPDate(frozen.Add(tc.maxAge)) {
			t.Errorf("expires = %q", v)
		}
	}
}

func TestSignedCookiesWithBinaryKey(t *testing.T) {
	s := &Signer{SecretKey: "\xe7"}
	signed, err := s.Sign("c", "hello", "")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.Get(newRequest("c="+signed), "c", "", signing.NoMaxAge); err != nil || v != "hello" {
		t.Errorf("Get = %q, %v", v, err)
	}
}

func TestSignedCookieFallbackKeys(t *testing.T) {
	const old = "django-insecure-OLD-rotated-key-fedcba9876543210"
	signed, _ := (&Signer{SecretKey: old}).Sign("c", "v", "s")
	if _, err := (&Signer{SecretKey: djangoSecretKey}).Unsign("c", signed, "s", signing.NoMaxAge); !errors.Is(err, signing.ErrBadSignature) {
		t.Errorf("old key accepted without fallback: %v", err)
	}
	rotated := &Signer{SecretKey: djangoSecretKey, FallbackKeys: []string{"unrelated", old}}
	if v, err := rotated.Unsign("c", signed, "s", signing.NoMaxAge); err != nil || v != "v" {
		t.Errorf("with fallback: %q, %v", v, err)
	}
	// Signing uses the current key only.
	again, _ := rotated.Sign("c", "v", "s")
	if _, err := (&Signer{SecretKey: old}).Unsign("c", again, "s", signing.NoMaxAge); !errors.Is(err, signing.ErrBadSignature) {
		t.Errorf("a rotated Signer signed with an old key: %v", err)
	}
}

func TestSignerWithoutKey(t *testing.T) {
	var s Signer
	if _, err := s.Sign("c", "v", ""); err == nil {
		t.Error("Sign with no SecretKey succeeded")
	}
	if _, err := s.Get(newRequest("c=v:1r31eq:abc"), "c", "", signing.NoMaxAge); err == nil {
		t.Error("Get with no SecretKey succeeded")
	}
	if err := s.Set(httptest.NewRecorder(), "c", "v", "", Options{}); err == nil {
		t.Error("Set with no SecretKey succeeded")
	}
}

func TestSignedCookieTooLarge(t *testing.T) {
	s := &Signer{SecretKey: djangoSecretKey}
	w := httptest.NewRecorder()
	err := s.Set(w, "c", strings.Repeat("x", MaxSize), "", Options{})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
	if len(w.Header()["Set-Cookie"]) != 0 {
		t.Error("oversized signed cookie was sent")
	}
}

// A signature that matches over a value without a timestamp (only a key
// holder can make one, e.g. with a plain Signer) is malformed, not a bad
// signature, and is not retried with the legacy salt, as in Django, where
// it is a ValueError.
func TestSignedCookieWithoutTimestamp(t *testing.T) {
	plain, err := signing.NewSigner(signing.Options{Key: cookieKeyPrefix + djangoSecretKey, Salt: v2Salt("c", "")})
	if err != nil {
		t.Fatal(err)
	}
	token := plain.Sign("hello")
	s := &Signer{SecretKey: djangoSecretKey, LegacyFallback: true}
	_, err = s.Get(newRequest("c="+token), "c", "", signing.NoMaxAge)
	if !errors.Is(err, signing.ErrMalformed) || errors.Is(err, signing.ErrBadSignature) {
		t.Errorf("err = %v, want signing.ErrMalformed only", err)
	}
}

// A Signer with an empty fallback key verifies nothing: with it, a cookie
// signed under the empty key — which anyone can make — would verify.
// Splitting an unset SECRET_KEY_FALLBACKS on commas gives just that.
func TestEmptyFallbackKeyVerifiesNothing(t *testing.T) {
	forger, err := signing.NewTimestampSigner(signing.Options{Key: cookieKeyPrefix + "", Salt: v2Salt("c", "s")})
	if err != nil {
		t.Fatal(err)
	}
	forged := forger.Sign("admin")
	s := &Signer{SecretKey: djangoSecretKey, FallbackKeys: strings.Split("", ",")}
	if v, err := s.Unsign("c", forged, "s", signing.NoMaxAge); err == nil {
		t.Fatalf("Unsign verified a cookie signed with the empty key: %q", v)
	} else if !errors.Is(err, signing.ErrEmptyKey) || !strings.HasPrefix(err.Error(), "cookies: Signer.FallbackKeys[0] is empty") {
		t.Errorf("Unsign: err = %v, want one naming Signer.FallbackKeys[0]", err)
	}
	if _, err := s.Get(newRequest("c="+forged), "c", "s", signing.NoMaxAge); !errors.Is(err, signing.ErrEmptyKey) {
		t.Errorf("Get: err = %v, want ErrEmptyKey", err)
	}
	if _, err := s.Sign("c", "v", "s"); !errors.Is(err, signing.ErrEmptyKey) {
		t.Errorf("Sign: err = %v, want ErrEmptyKey (the configuration is wrong)", err)
	}
}
