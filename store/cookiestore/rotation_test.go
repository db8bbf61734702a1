package cookiestore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
)

// Values sealed by the first native format (version 1), before XAES and
// the cookie-name binding: 2026-01-02 03:04:05 UTC, expiring an hour
// later, data fixtureData, under secret and oldSecret.
const (
	fixtureData     = `{"user_id":42,"cart":["a","b"]}`
	v1UnderSecret   = "AUy6is28DfGYQR_VvSjAK5Ql-m3FTEs4bmecEssNOFqBVDhyUhTAxHRIQ1i67CKySlWgFMzXnPtUnOz10myaArZ9gsl1gq8L34FVYVw"
	v1UnderOldOne   = "AcXmGP7T6JL-RYOfM8fxNZZUdQBbrqKOEMZydowCbiTcmuvoaMBQT6y6-sedTtbBhScWnWr1nzq-z2H6_TUfXsfPv11PvZw8kbkslK4"
	fixtureIssuedAt = 1767323045 // 2026-01-02T03:04:05Z
)

// sealV1 seals data as the first native format did: AES-256-GCM under
// HKDF(secret, "…v1: AES-256-GCM session cookie"), a random 96-bit nonce,
// the 1-byte key id HKDF(secret, "…v1: key id"), the header authenticated.
func sealV1(t testing.TB, secret string, issued, expiry time.Time, data string) string {
	t.Helper()
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, "sessionkit/cookiestore v1: AES-256-GCM session cookie", 32)
	if err != nil {
		t.Fatal(err)
	}
	id, err := hkdf.Key(sha256.New, []byte(secret), nil, "sessionkit/cookiestore v1: key id", 1)
	if err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	header := []byte{1, id[0]}
	nonce := make([]byte, 12)
	rand.Read(nonce)
	plain := binary.BigEndian.AppendUint64(nil, uint64(issued.UnixNano()))
	plain = binary.BigEndian.AppendUint64(plain, uint64(expiry.UnixNano()))
	plain = append(plain, data...)
	raw := append(append(header, nonce...), aead.Seal(nil, nonce, plain, header)...)
	return base64.RawURLEncoding.EncodeToString(raw)
}

func v1KeyID(t testing.TB, secret string) byte {
	t.Helper()
	id, err := hkdf.Key(sha256.New, []byte(secret), nil, "sessionkit/cookiestore v1: key id", 1)
	if err != nil {
		t.Fatal(err)
	}
	return id[0]
}

func fixedNow(t time.Time) func() time.Time { return func() time.Time { return t } }

// Cookies sealed by the first native format still load after the upgrade
// (under the main key and a fallback), whatever the store's cookie name,
// and the next save writes version 2.
func TestV1CookiesStillLoad(t *testing.T) {
	now := time.Unix(fixtureIssuedAt, 0).Add(time.Minute)
	for _, name := range []string{"", "sessionid", "admin_sessionid"} {
		s := mustNew(t, Config{FallbackKeys: []string{oldSecret}, CookieName: name, Now: fixedNow(now)})
		for label, v := range map[string]string{"main key": v1UnderSecret, "fallback key": v1UnderOldOne} {
			rec, err := s.Load(t.Context(), v)
			if err != nil {
				t.Fatalf("cookie name %q, %s: Load of a version 1 value: %v", name, label, err)
			}
			if string(rec.Data) != fixtureData || !rec.Expiry.Equal(time.Unix(fixtureIssuedAt, 0).Add(time.Hour)) {
				t.Errorf("cookie name %q, %s: Load = %s, %v", name, label, rec.Data, rec.Expiry)
			}
			resealed, err := s.Update(t.Context(), v, rec)
			if err != nil {
				t.Fatal(err)
			}
			if raw, _ := b64.DecodeString(resealed); len(raw) == 0 || raw[0] != 2 {
				t.Errorf("cookie name %q, %s: re-saved as version %v, want 2", name, label, raw[:1])
			}
		}
	}
	// Expiry still holds for version 1 values.
	late := mustNew(t, Config{Now: fixedNow(now.Add(2 * time.Hour))})
	if _, err := late.Load(t.Context(), v1UnderSecret); !errors.Is(err, sessionkit.ErrNotFound) {
		t.Errorf("Load of an expired version 1 value: %v, want ErrNotFound", err)
	}
}

// RejectV1 ends the upgrade: version 1 values are refused.
func TestRejectV1(t *testing.T) {
	now := time.Unix(fixtureIssuedAt, 0).Add(time.Minute)
	s := mustNew(t, Config{RejectV1: true, Now: fixedNow(now)})
	if _, err := s.Load(t.Context(), v1UnderSecret); !errors.Is(err, sessionkit.ErrNotFound) {
		t.Errorf("Load of a version 1 value with RejectV1: %v, want ErrNotFound", err)
	}
	v, err := s.Create(t.Context(), "", sessionkit.Record{Data: []byte(fixtureData)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(t.Context(), v); err != nil {
		t.Errorf("Load of a version 2 value with RejectV1: %v", err)
	}
}

// A value issued for one cookie name is refused by a store for another,
// under the same secret: a sessionid cookie is no admin_sessionid cookie.
func TestCookieNameBound(t *testing.T) {
	user := mustNew(t, Config{CookieName: "sessionid"})
	admin := mustNew(t, Config{CookieName: "admin_sessionid"})
	byDefault := mustNew(t, Config{})
	v, err := user.Create(t.Context(), "", sessionkit.Record{Data: []byte(`{"_auth_user_id":"7"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if rec, err := admin.Load(t.Context(), v); !errors.Is(err, sessionkit.ErrNotFound) {
		t.Errorf("the admin_sessionid store loaded a sessionid value: %s, %v", rec.Data, err)
	}
	if _, err := user.Load(t.Context(), v); err != nil {
		t.Errorf("the sessionid store: Load = %v", err)
	}
	if _, err := byDefault.Load(t.Context(), v); err != nil {
		t.Errorf("a store with the default cookie name (sessionid): Load = %v", err)
	}
	if _, err := New(Config{SecretKey: secret, CookieName: "a=b"}); err == nil {
		t.Error(`New accepted the cookie name "a=b"`)
	}
}

// When a value's 1-byte key id belongs to two keys, the one that cannot
// open it must not spoil it for the one that can: 1 pair of keys in 256
// share an id. Version 1 values keep that id.
func TestKeyIDCollisionV1(t *testing.T) {
	first := secret
	var second string
	for i := 0; ; i++ {
		second = fmt.Sprintf("rotated-secret-%d-0123456789abcdefghijklmnopqrstuvwxyz", i)
		if v1KeyID(t, second) == v1KeyID(t, first) {
			break
		}
	}
	now := time.Now()
	v := sealV1(t, second, now, now.Add(time.Hour), fixtureData)
	s := mustNew(t, Config{SecretKey: first, FallbackKeys: []string{second}})
	if rec, err := s.Load(t.Context(), v); err != nil || string(rec.Data) != fixtureData {
		t.Errorf("Load of a value of the second of two keys sharing the id %d: %s, %v", v1KeyID(t, first), rec.Data, err)
	}
	// And the other way round: the first key sealed it, the second is tried first.
	v = sealV1(t, first, now, now.Add(time.Hour), fixtureData)
	s = mustNew(t, Config{SecretKey: second, FallbackKeys: []string{first}})
	if rec, err := s.Load(t.Context(), v); err != nil || string(rec.Data) != fixtureData {
		t.Errorf("Load with the keys in the other order: %s, %v", rec.Data, err)
	}
}

// Version 2 key ids have 4 bytes, so two keys share one only by a 1 in 2³²
// chance; if they do, both are tried. This pair was found by a birthday
// search over "secret-%d-0123…xyz" (43,574 tries).
func TestKeyIDCollisionV2(t *testing.T) {
	const (
		first  = "secret-10244-0123456789abcdefghijklmnopqrstuvwxyz"
		second = "secret-43574-0123456789abcdefghijklmnopqrstuvwxyz"
	)
	if keyID(first) != keyID(second) {
		t.Fatalf("the key ids %x and %x differ: the key id derivation changed", keyID(first), keyID(second))
	}
	sealer := mustNew(t, Config{SecretKey: second})
	v, err := sealer.Create(t.Context(), "", sessionkit.Record{Data: []byte(fixtureData)})
	if err != nil {
		t.Fatal(err)
	}
	s := mustNew(t, Config{SecretKey: first, FallbackKeys: []string{second}})
	if rec, err := s.Load(t.Context(), v); err != nil || string(rec.Data) != fixtureData {
		t.Errorf("Load of a value of the second of two keys sharing an id: %s, %v", rec.Data, err)
	}
}
