package signing

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// LegacySessionKeySalt returns the key salt of Django's pre-3.1 session
// format for the salt of its current one: Django derives both from the
// SessionStore class, as "django.contrib.sessions." + name and
// "django.contrib.sessions" + name (no dot). A salt without that prefix is
// taken as the class name.
func LegacySessionKeySalt(salt string) string {
	return "django.contrib.sessions" + strings.TrimPrefix(salt, "django.contrib.sessions.")
}

// EncodeLegacySession returns session data in the format Django used
// before 3.1, which Django 3.1 and 3.2 still write when
// DEFAULT_HASHING_ALGORITHM is "sha1" (SessionBase._legacy_encode):
//
//	base64(hex(salted_hmac(keySalt, data, secret, sha1)) ":" data)
//
// in standard base64 with padding. data is the serialized session (JSON)
// and keySalt "django.contrib.sessions" + the SessionStore class name (see
// LegacySessionKeySalt). It fails only for an empty secret.
func EncodeLegacySession(data []byte, keySalt, secret string) (string, error) {
	if secret == "" {
		return "", fmt.Errorf("%w: set the secret to Django's SECRET_KEY", ErrEmptyKey)
	}
	mac, err := SaltedHMAC(keySalt, string(data), secret, "sha1")
	if err != nil {
		return "", err
	}
	raw := make([]byte, 0, hex.EncodedLen(len(mac))+1+len(data))
	raw = hex.AppendEncode(raw, mac)
	raw = append(raw, ':')
	raw = append(raw, data...)
	return base64.StdEncoding.EncodeToString(raw), nil
}

// DecodeLegacySession verifies session data in Django's pre-3.1 format
// (see EncodeLegacySession) under any of secrets and returns the serialized
// session it carries, as Django 3.1 and 3.2's SessionBase._legacy_decode
// does. Like Python's base64.b64decode, it skips characters outside the
// base64 alphabet. It fails with an error matching ErrBadSignature when the
// data is not in that format or its hash matches none of the secrets.
func DecodeLegacySession(data, keySalt string, secrets ...string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(b64Alphabet(data))
	if err != nil {
		return nil, fmt.Errorf("%w: not Django's pre-3.1 session format (base64: %v)", ErrBadSignature, err)
	}
	hash, serialized, ok := bytes.Cut(raw, []byte{':'})
	if !ok {
		return nil, fmt.Errorf("%w: not Django's pre-3.1 session format (no ':' after the hash)", ErrBadSignature)
	}
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		mac, err := SaltedHMAC(keySalt, string(serialized), secret, "sha1")
		if err != nil {
			return nil, err
		}
		if want := hex.EncodeToString(mac); subtle.ConstantTimeCompare(hash, []byte(want)) == 1 {
			return serialized, nil
		}
	}
	return nil, fmt.Errorf("%w: the hash of Django's pre-3.1 session format does not match (signed with another key or salt, or altered)", ErrBadSignature)
}

// b64Alphabet drops what Python's non-strict b64decode discards: every
// character outside A-Z a-z 0-9 + / =.
func b64Alphabet(s string) string {
	clean := true
	for i := range len(s) {
		if !isStdB64(s[i]) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := range len(s) {
		if isStdB64(s[i]) {
			b = append(b, s[i])
		}
	}
	return string(b)
}

func isStdB64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '='
}
