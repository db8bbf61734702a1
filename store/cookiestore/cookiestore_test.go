package cookiestore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
)

const (
	secret    = "django-insecure-interop-test-key-0123456789abcdef"
	oldSecret = "django-insecure-OLD-rotated-key-fedcba9876543210"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func mustNew(t testing.TB, cfg Config) *Store {
	t.Helper()
	if cfg.SecretKey == "" {
		cfg.SecretKey = secret
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func modes(t *testing.T, fn func(t *testing.T, django bool)) {
	for _, django := range []bool{false, true} {
		name := "native"
		if django {
			name = "django"
		}
		t.Run(name, func(t *testing.T) { fn(t, django) })
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{Django: true},
		{SecretKey: secret, FallbackKeys: []string{oldSecret, ""}},
		{SecretKey: secret, Django: true, FallbackKeys: []string{""}},
		{SecretKey: secret, MaxAge: -time.Second},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded, want an error", cfg)
		}
	}
	if _, err := New(Config{}); err == nil || !strings.Contains(err.Error(), "SecretKey") {
		t.Errorf("New without a secret = %v, want an error naming Config.SecretKey", err)
	}
}

func TestRoundTrip(t *testing.T) {
	modes(t, func(t *testing.T, django bool) {
		c := &clock{t: time.Unix(1700000000, 500_000_000)}
		s := mustNew(t, Config{Django: django, Now: c.Now})
		data := `{"foo":"bar","n":[1,2.5],"u":"\u00e9"}`
		exp := c.Now().Add(time.Hour)
		v, err := s.Create(t.Context(), "ignored", sessionkit.Record{Data: []byte(data), Expiry: exp, UserID: "42"})
		if err != nil {
			t.Fatal(err)
		}
		if !s.ValidKey(v) {
			t.Errorf("ValidKey(%q) = false for a value the store made", v)
		}
		rec, err := s.Load(t.Context(), v)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if string(rec.Data) != data {
			t.Errorf("Data = %q, want %q", rec.Data, data)
		}
		want := exp
		if django {
			// Django's cookie carries only the issue time, in whole
			// seconds; it expires SESSION_COOKIE_AGE after it.
			want = time.Unix(1700000000, 0).Add(DefaultMaxAge)
		}
		if !rec.Expiry.Equal(want) {
			t.Errorf("Expiry = %v, want %v", rec.Expiry, want)
		}
		if rec.UserID != "" {
			t.Errorf("UserID = %q: a cookie store keeps no owner", rec.UserID)
		}
		v2, err := s.Update(t.Context(), v, sessionkit.Record{Data: []byte(`{"foo":"baz"}`), Expiry: exp})
		if err != nil {
			t.Fatal(err)
		}
		if v2 == v {
			t.Error("Update returned the old value")
		}
		if rec, err := s.Load(t.Context(), v2); err != nil || string(rec.Data) != `{"foo":"baz"}` {
			t.Errorf("Load after Update = %q, %v", rec.Data, err)
		}
		// Delete cannot invalidate anything: both values stay readable.
		if err := s.Delete(t.Context(), v); err != nil {
			t.Errorf("Delete = %v, want nil", err)
		}
		if _, err := s.Load(t.Context(), v); err != nil {
			t.Errorf("Load after Delete = %v: a cookie store cannot revoke", err)
		}
	})
}

func TestNativeIsEncrypted(t *testing.T) {
	s := mustNew(t, Config{})
	data := `{"secret":"hunter2hunter2"}`
	rec := sessionkit.Record{Data: []byte(data), Expiry: time.Now().Add(time.Hour)}
	v1, err := s.Create(t.Context(), "", rec)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := s.Create(t.Context(), "", rec)
	if err != nil {
		t.Fatal(err)
	}
	if v1 == v2 {
		t.Error("two values of one record are equal: the nonce is not fresh")
	}
	raw, err := base64.RawURLEncoding.DecodeString(v1)
	if err != nil {
		t.Fatalf("value %q is not unpadded base64url: %v", v1, err)
	}
	if bytes.Contains(raw, []byte("hunter2")) || strings.Contains(v1, "hunter2") {
		t.Errorf("the value reveals the data: %q", v1)
	}
	if got, want := len(raw), 1+4+24+16+len(data)+16; got != want {
		t.Errorf("sealed value is %d bytes, want %d (version, key id, nonce, stamps, data, tag)", got, want)
	}
	if raw[0] != 2 {
		t.Errorf("version byte %d, want 2", raw[0])
	}
	// Another secret cannot open it.
	other := mustNew(t, Config{SecretKey: "another-secret-of-decent-length-0123456789"})
	if _, err := other.Load(t.Context(), v1); !errors.Is(err, sessionkit.ErrNotFound) {
		t.Errorf("Load under another secret = %v, want ErrNotFound", err)
	}
	// Nor can a Django-mode store with the same secret, or the reverse.
	dj := mustNew(t, Config{Django: true})
	if _, err := dj.Load(t.Context(), v1); !errors.Is(err, sessionkit.ErrNotFound) {
		t.Errorf("Django-mode Load of a native value = %v, want ErrNotFound", err)
	}
	dv, err := dj.Create(t.Context(), "", rec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(t.Context(), dv); !errors.Is(err, sessionkit.ErrNotFound) {
		t.Errorf("native Load of a Django value = %v, want ErrNotFound", err)
	}
}

func TestNativeEnforcesExpiry(t *testing.T) {
	c := &clock{t: time.Unix(1800000000, 0)}
	s := mustNew(t, Config{Now: c.Now, MaxAge: 24 * time.Hour})
	v, err := s.Create(t.Context(), "", sessionkit.Record{Data: []byte(`{}`), Expiry: c.Now().Add(10 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	c.Add(10 * time.Minute)
	if _, err := s.Load(t.Context(), v); err != nil {
		t.Errorf("Load at the expiry instant = %v, want the session (expired means after)", err)
	}
	c.Add(time.Nanosecond)
	if _, err := s.Load(t.Context(), v); !errors.Is(err, sessionkit.ErrNotFound) {
		t.Errorf("Load just after the session's own expiry = %v, want ErrNotFound", err)
	}
}

func TestMaxAgeBoundsEveryCookie(t *testing.T) {
	modes(t, func(t *testing.T, django bool) {
		c := &clock{t: time.Unix(1800000000, 0)}
		s := mustNew(t, Config{Django: django, Now: c.Now, MaxAge: time.Hour})
		// The session asks for a year; the store allows an hour.
		v, err := s.Create(t.Context(), "", sessionkit.Record{Data: []byte(`{}`), Expiry: c.Now().Add(365 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := s.Load(t.Context(), v)
		if err != nil {
			t.Fatal(err)
		}
		if want := c.Now().Add(time.Hour); !rec.Expiry.Equal(want) {
			t.Errorf("Expiry = %v, want issue time + MaxAge = %v", rec.Expiry, want)
		}
		c.Add(time.Hour)
		if _, err := s.Load(t.Context(), v); err != nil {
			t.Errorf("Load exactly MaxAge after issue = %v, want the session (Django: expired iff age > max_age)", err)
		}
		c.Add(time.Millisecond)
		if _, err := s.Load(t.Context(), v); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("Load after MaxAge = %v, want ErrNotFound", err)
		}
	})
}

func TestZeroExpiryMeansMaxAge(t *testing.T) {
	c := &clock{t: time.Unix(1800000000, 0)}
	s := mustNew(t, Config{Now: c.Now, MaxAge: time.Hour})
	v, err := s.Create(t.Context(), "", sessionkit.Record{Data: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := s.Load(t.Context(), v)
	if err != nil || !rec.Expiry.Equal(c.Now().Add(time.Hour)) {
		t.Errorf("Load = %v, %v; want Expiry = now + MaxAge", rec.Expiry, err)
	}
}

func TestExtremeExpiries(t *testing.T) {
	c := &clock{t: time.Unix(1800000000, 0)}
	s := mustNew(t, Config{Now: c.Now})
	for _, exp := range []time.Time{time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)} {
		v, err := s.Create(t.Context(), "", sessionkit.Record{Data: []byte(`{}`), Expiry: exp})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := s.Load(t.Context(), v)
		past := exp.Before(c.Now())
		if past && !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("expiry %v: Load = %v, want ErrNotFound", exp, err)
		}
		if !past && (err != nil || !rec.Expiry.Equal(c.Now().Add(sessionkit.MaxExpiry))) {
			t.Errorf("expiry %v: Load = %v, %v; want capped at now + sessionkit.MaxExpiry", exp, rec.Expiry, err)
		}
	}
}

// TestNativeExpiryFromTheManager: without MaxAge a native cookie lives
// until the expiry the Manager sealed in it, so a 30-day remember-me
// session outlives the two-week default that Django mode keeps.
func TestNativeExpiryFromTheManager(t *testing.T) {
	c := &clock{t: time.Unix(1800000000, 0)}
	s := mustNew(t, Config{Now: c.Now})
	v, err := s.Create(t.Context(), "", sessionkit.Record{Data: []byte(`{}`), Expiry: c.Now().Add(30 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(20 * 24 * time.Hour)
	if _, err := s.Load(t.Context(), v); err != nil {
		t.Errorf("a 30-day session on day 20: %v", err)
	}
	c.t = c.t.Add(11 * 24 * time.Hour)
	if _, err := s.Load(t.Context(), v); !errors.Is(err, sessionkit.ErrNotFound) {
		t.Errorf("a 30-day session on day 31: %v, want ErrNotFound", err)
	}
}

func TestKeyRotation(t *testing.T) {
	modes(t, func(t *testing.T, django bool) {
		old := mustNew(t, Config{SecretKey: oldSecret, Django: django})
		v, err := old.Create(t.Context(), "", sessionkit.Record{Data: []byte(`{"a":1}`), Expiry: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		rotated := mustNew(t, Config{SecretKey: secret, FallbackKeys: []string{"unrelated-key-unrelated-key-unrelated", oldSecret}, Django: django})
		rec, err := rotated.Load(t.Context(), v)
		if err != nil || string(rec.Data) != `{"a":1}` {
			t.Errorf("Load of a value made with a fallback key = %q, %v; want it accepted", rec.Data, err)
		}
		// New values use SecretKey: the old key alone cannot read them.
		v2, err := rotated.Update(t.Context(), v, rec)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := old.Load(t.Context(), v2); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("old key reading a value made after rotation = %v, want ErrNotFound", err)
		}
		// Dropping the old key revokes what it made.
		revoked := mustNew(t, Config{SecretKey: secret, Django: django})
		if _, err := revoked.Load(t.Context(), v); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("Load after the old key was dropped = %v, want ErrNotFound", err)
		}
		if _, err := revoked.Load(t.Context(), v2); err != nil {
			t.Errorf("Load of a value made with SecretKey = %v", err)
		}
	})
}

func TestDataMustBeJSONObject(t *testing.T) {
	modes(t, func(t *testing.T, django bool) {
		s := mustNew(t, Config{Django: django})
		token := "eyJmb28iOiJiYXIifQ:1r31eq:HpP88y98DOPZ44Om-HE6Y8Vqu2uG2I2igVzB_O06hEg" // sessionkit.DjangoCodec's output
		for _, data := range []string{token, "", "[1,2]", `"str"`, "{", "null"} {
			_, err := s.Create(t.Context(), "", sessionkit.Record{Data: []byte(data)})
			if err == nil || !strings.Contains(err.Error(), "JSON codec") {
				t.Errorf("Create with Data %q = %v, want an error pointing to the JSON codec", data, err)
			}
			if _, err := s.Update(t.Context(), "", sessionkit.Record{Data: []byte(data)}); err == nil {
				t.Errorf("Update with Data %q succeeded", data)
			}
		}
		// Python's JSON may hold NaN; it is still an object.
		if _, err := s.Create(t.Context(), "", sessionkit.Record{Data: []byte(` {"x":NaN} `)}); err != nil {
			t.Errorf("Create with a Python JSON object: %v", err)
		}
	})
}

func TestTooLarge(t *testing.T) {
	modes(t, func(t *testing.T, django bool) {
		var logs syncBuffer
		s := mustNew(t, Config{Django: django, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		// Random text does not compress, so Django mode cannot shrink it.
		noise := make([]byte, 3600)
		rand.Read(noise)
		big := `{"blob":"` + base64.RawURLEncoding.EncodeToString(noise)[:4600] + `"}`
		_, err := s.Create(t.Context(), "", sessionkit.Record{Data: []byte(big), Expiry: time.Now().Add(time.Hour)})
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("Create of a %d-byte session = %v, want ErrTooLarge", len(big), err)
		}
		if !strings.Contains(err.Error(), "4096") || !strings.Contains(err.Error(), "server-side store") {
			t.Errorf("error %q does not say the limit and what to do", err)
		}
		if l := logs.String(); !strings.Contains(l, "level=WARN") || !strings.Contains(l, "too large") {
			t.Errorf("log = %q, want a warning naming the oversized cookie", l)
		}
		// The largest value that fits is accepted.
		lo, hi := 0, len(big)
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if _, err := s.Create(t.Context(), "", sessionkit.Record{Data: []byte(big[:mid] + `"}`)}); err == nil {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		v, err := s.Create(t.Context(), "", sessionkit.Record{Data: []byte(big[:lo] + `"}`)})
		if err != nil {
			t.Fatal(err)
		}
		if len(v) > MaxSize || len(v) < MaxSize-8 {
			t.Errorf("the largest session that fits makes a %d-byte value, want just under %d", len(v), MaxSize)
		}
		if !s.ValidKey(v) {
			t.Error("ValidKey rejects a value of the maximum size")
		}
	})
}

func TestLoadRejectsGarbage(t *testing.T) {
	modes(t, func(t *testing.T, django bool) {
		var logs syncBuffer
		s := mustNew(t, Config{Django: django, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		for _, v := range []string{
			"", "not-a-valid-signed-value", "e30", "e30:1r31eq", "e30:1r31eq:x", ":::", "....",
			"eyJmb28iOiJiYXIifQ:1r31eq:HpP88y98DOPZ44Om-HE6Y8Vqu2uG2I2igVzB_O06hEg", // the session salt, not the cookie salt
			strings.Repeat("A", 100), strings.Repeat("A", MaxSize+1), "AQ" + strings.Repeat("A", 80),
			"6psf0wakxoyrk8zmtcnr3mdmrwz2xtzf", "清風", "a\x00b",
		} {
			if _, err := s.Load(t.Context(), v); !errors.Is(err, sessionkit.ErrNotFound) {
				t.Errorf("Load(%.40q) = %v, want ErrNotFound", v, err)
			}
		}
		if !strings.Contains(logs.String(), "level=WARN") {
			t.Error("forged values logged no warning")
		}
		if strings.Contains(logs.String(), "HpP88y98") {
			t.Error("the log repeats a cookie value")
		}
	})
}

func TestValidKey(t *testing.T) {
	native, dj := mustNew(t, Config{}), mustNew(t, Config{Django: true})
	for _, c := range []struct {
		v              string
		native, django bool
	}{
		{"", false, false},
		{"e30:1r31eq:p2VVWPQ8FBJKVb0MYSJLn73kAc66Fe3SStCz3uhSzqU", false, true},
		{".eJyrVsrMK1GyMtdRSsvJTwSyjPRMoez48oz8nFQlK2M9Ax2lpMx0JStDI2MTUzNzC0sDBEtHKS8VKKVrWAsAM6sUVQ:1r31eq:A5fwXnQlB18D9WVC_s39-xLsjaKU_3PHIJKJuVlxvTg", false, true},
		{"e30:1r31eq:p2VVWPQ8FBJKVb0MYSJLn73kAc66Fe3SStCz3uhSzqU:", false, false},
		{"e30::p2VVWPQ8FBJKVb0MYSJLn73kAc66Fe3SStCz3uhSzqU", false, false},
		{":1r31eq:p2VVWPQ8FBJKVb0MYSJLn73kAc66Fe3SStCz3uhSzqU", false, false},
		{"e3.0:1r31eq:p2VVWPQ8FBJKVb0MYSJLn73kAc66Fe3SStCz3uhSzqU", false, false},
		{"1234567", false, false},
		{"12345678", false, false},
		{"6psf0wakxoyrk8zmtcnr3mdmrwz2xtzf", false, false},
		{strings.Repeat("A", minEncoded), true, false},
		{strings.Repeat("A", minEncoded-1), false, false},
		{strings.Repeat("A", MaxSize), true, false},
		{strings.Repeat("A", MaxSize-10) + ":A:A", false, true},
		{strings.Repeat("A", MaxSize+1), false, false},
		{"abc def", false, false},
		{"a;b=c", false, false},
		{"a+b/c=", false, false},
	} {
		if got := native.ValidKey(c.v); got != c.native {
			t.Errorf("native ValidKey(%.30q) = %v, want %v", c.v, got, c.native)
		}
		if got := dj.ValidKey(c.v); got != c.django {
			t.Errorf("Django ValidKey(%.30q) = %v, want %v", c.v, got, c.django)
		}
	}
}

func TestContextCanceled(t *testing.T) {
	s := mustNew(t, Config{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Load(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("Load = %v", err)
	}
	if _, err := s.Create(ctx, "", sessionkit.Record{Data: []byte("{}")}); !errors.Is(err, context.Canceled) {
		t.Errorf("Create = %v", err)
	}
	if err := s.Delete(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete = %v", err)
	}
}

func TestB64Table(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for c := range 256 {
		if onlyB64(string([]byte{byte(c)})) != (strings.IndexByte(alphabet, byte(c)) >= 0) {
			t.Errorf("byte %#x misclassified", c)
		}
	}
	if onlyB64("") {
		t.Error(`onlyB64("") = true`)
	}
}

// encoding/base64 skips line breaks, so a value with one inserted decodes
// to the bytes of the value issued; Load must still refuse it: every
// session has exactly one cookie value.
func TestLineBreaksInValueRejected(t *testing.T) {
	modes(t, func(t *testing.T, django bool) {
		s := mustNew(t, Config{Django: django})
		v, err := s.Create(t.Context(), "", sessionkit.Record{Data: []byte(`{"foo":"bar"}`)})
		if err != nil {
			t.Fatal(err)
		}
		for _, br := range []string{"\r", "\n", "\r\n"} {
			for _, at := range []int{1, len(v) / 2, len(v) - 1} {
				bad := v[:at] + br + v[at:]
				if _, err := s.Load(t.Context(), bad); !errors.Is(err, sessionkit.ErrNotFound) {
					t.Errorf("Load accepted the value with %q inserted at %d (err %v)", br, at, err)
				}
			}
		}
	})
}
