package cookies

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/sessionkit/sessionkit/signing"
)

// Signer writes and reads signed cookies as Django's set_signed_cookie and
// get_signed_cookie do. A signed cookie holds value:timestamp:signature,
// made by a TimestampSigner (HMAC-SHA256) whose key is
// "django.http.cookies" + SecretKey and whose salt depends on the cookie
// name, the salt argument and the salt scheme:
//
//   - v2 (the default): "django.http.cookies.v2:" + the length of salt in
//     code points + ":" + salt + name, used by Django 5.2.15+, 6.0.6+ and
//     6.1 (the fix for CVE-2026-6873);
//   - legacy (LegacySalt): name + salt, used by Django 3.2, 4.x, 5.0 to
//     5.2.14 and 6.0.0 to 6.0.5. It is ambiguous: cookie "ab" with salt "c"
//     and cookie "a" with salt "bc" share their signatures.
//
// Which Django releases read which cookies:
//
//   - a legacy cookie (LegacySalt) is read by Django 3.2 to 5.2.14 and
//     6.0.0 to 6.0.5; by 5.2.15+ and 6.0.6+ through their legacy fallback,
//     on by default; by 6.1 only with SIGNED_COOKIE_LEGACY_SALT_FALLBACK =
//     True;
//   - a v2 cookie (the default) is read by Django 5.2.15+, 6.0.6+ and 6.1;
//     older releases reject it as a bad signature.
//
// So a service sharing cookies with a Django older than 5.2.15 sets
// LegacySalt; one sharing them with 5.2.15 or later leaves it off, and sets
// LegacyFallback while cookies written under the legacy scheme may still be
// around.
//
// A Signer is safe for concurrent use once configured; do not change its
// fields while it is in use.
type Signer struct {
	// SecretKey is Django's SECRET_KEY. It must not be empty.
	SecretKey string

	// FallbackKeys are Django's SECRET_KEY_FALLBACKS (Django 4.1+): older
	// keys that still verify cookies. Signing always uses SecretKey. None
	// may be empty: Sign, Unsign, Set and Get fail, and verify nothing,
	// while one is (a cookie signed with an empty key could be made by
	// anyone).
	FallbackKeys []string

	// LegacySalt selects the legacy salt scheme (name + salt) for signing
	// and verifying, for Django up to 5.2.14 and 6.0.5. By default the v2
	// scheme is used.
	LegacySalt bool

	// LegacyFallback, with the v2 scheme, also accepts a cookie signed
	// under the legacy scheme when the v2 signature does not match — but
	// not when it matched and has expired (Django's
	// SIGNED_COOKIE_LEGACY_SALT_FALLBACK: True by default in 5.2.x and
	// 6.0.x, False in 6.1). Ignored when LegacySalt is set.
	LegacyFallback bool

	// Now returns the current time, for timestamps, expiry checks and the
	// expires attribute. Nil means time.Now.
	Now func() time.Time
}

// cookieKeyPrefix is prepended to every key by Django's get_cookie_signer.
const cookieKeyPrefix = "django.http.cookies"

// errNoSecretKey is Django's ImproperlyConfigured for an empty SECRET_KEY.
var errNoSecretKey = errors.New("cookies: Signer.SecretKey is empty; set it to the SECRET_KEY of the application that shares the cookies")

// legacySalt returns the signer salt Django up to 5.2.14 and 6.0.5 use for
// cookie name and salt: name + salt.
func legacySalt(name, salt string) string { return name + salt }

// v2Salt returns the signer salt Django 5.2.15+, 6.0.6+ and 6.1 use for
// cookie name and salt: "django.http.cookies.v2:" + len(salt) + ":" + salt
// + name, where len counts code points as Python does.
func v2Salt(name, salt string) string {
	return "django.http.cookies.v2:" + strconv.Itoa(utf8.RuneCountInString(salt)) + ":" + salt + name
}

func (s *Signer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// signer returns Django's get_cookie_signer(salt=signerSalt).
func (s *Signer) signer(signerSalt string) (*signing.TimestampSigner, error) {
	if s.SecretKey == "" {
		return nil, errNoSecretKey
	}
	var fallbacks []string
	if len(s.FallbackKeys) > 0 {
		fallbacks = make([]string, len(s.FallbackKeys))
		for i, k := range s.FallbackKeys {
			// The prefix would make an empty key look set: check first.
			if k == "" {
				return nil, fmt.Errorf("cookies: Signer.FallbackKeys[%d] is empty (SECRET_KEY_FALLBACKS); remove it, or set it to the old SECRET_KEY: %w", i, signing.ErrEmptyKey)
			}
			fallbacks[i] = cookieKeyPrefix + k
		}
	}
	return signing.NewTimestampSigner(signing.Options{
		Key:          cookieKeyPrefix + s.SecretKey,
		FallbackKeys: fallbacks,
		Salt:         signerSalt,
		Now:          s.Now,
	})
}

// Sign returns value signed for cookie name with salt, as
// set_signed_cookie stores it: value:timestamp:signature.
func (s *Signer) Sign(name, value, salt string) (string, error) {
	signerSalt := v2Salt(name, salt)
	if s.LegacySalt {
		signerSalt = legacySalt(name, salt)
	}
	ts, err := s.signer(signerSalt)
	if err != nil {
		return "", err
	}
	return ts.Sign(value), nil
}

// Unsign verifies signed, the value of cookie name, with salt and returns
// the value that was signed. A signature older than maxAge is rejected;
// signing.NoMaxAge turns the check off (Django's max_age=None), and zero or
// a negative age rejects every signature made before now (Django's
// max_age=0). The error wraps signing.ErrBadSignature when the signature does
// not match (any key, the schemes the Signer accepts), and
// signing.ErrSignatureExpired — which also matches ErrBadSignature — when it
// matches but is too old. A signature that matches over a value without a
// timestamp (signing.ErrMalformed) can only come from a holder of the key;
// Django fails with a ValueError there.
func (s *Signer) Unsign(name, signed, salt string, maxAge time.Duration) (string, error) {
	if s.LegacySalt {
		return s.unsign(name, legacySalt(name, salt), signed, maxAge)
	}
	v, err := s.unsign(name, v2Salt(name, salt), signed, maxAge)
	if err != nil && s.LegacyFallback &&
		errors.Is(err, signing.ErrBadSignature) && !errors.Is(err, signing.ErrSignatureExpired) {
		return s.unsign(name, legacySalt(name, salt), signed, maxAge)
	}
	return v, err
}

func (s *Signer) unsign(name, signerSalt, signed string, maxAge time.Duration) (string, error) {
	ts, err := s.signer(signerSalt)
	if err != nil {
		return "", err
	}
	v, err := ts.Unsign(signed, maxAge)
	if err != nil {
		return "", fmt.Errorf("cookies: signed cookie %q: %w", name, err)
	}
	return v, nil
}

// Set signs value for cookie name with salt and sets the cookie, as
// Django's set_signed_cookie does, with the function Set's rules (one
// header per name, ErrTooLarge for a cookie over MaxSize once signed). The
// expires attribute, if any, is computed with s.Now.
func (s *Signer) Set(w http.ResponseWriter, name, value, salt string, o Options) error {
	signed, err := s.Sign(name, value, salt)
	if err != nil {
		return err
	}
	return set(w.Header(), name, signed, o, s.now())
}

// Get returns the verified value of r's cookie name, as Django's
// get_signed_cookie does (without a default). A missing cookie is an error
// wrapping http.ErrNoCookie; a bad or expired signature, see Unsign.
func (s *Signer) Get(r *http.Request, name, salt string, maxAge time.Duration) (string, error) {
	signed, ok := Lookup(r, name)
	if !ok {
		return "", fmt.Errorf("cookies: signed cookie %q is not in the request: %w", name, http.ErrNoCookie)
	}
	return s.Unsign(name, signed, salt, maxAge)
}
