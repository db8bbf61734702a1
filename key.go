package sessionkit

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// keyAlphabet is Django's: session keys are drawn from [a-z0-9].
const keyAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// KeyLength is the length of a key made by NewKey: 32 characters of a
// 36-letter alphabet, about 165 bits, as Django makes them.
const KeyLength = 32

// NewKey returns a fresh random session key: 32 characters from [a-z0-9],
// each drawn uniformly with crypto/rand.
func NewKey() string {
	var b [KeyLength]byte
	// Rejection sampling keeps every character uniform: 252 = 7*36.
	var buf [64]byte
	n := 0
	for n < KeyLength {
		rand.Read(buf[:]) // never fails (crypto/rand panics on a broken OS source)
		for _, c := range buf {
			if c >= 252 {
				continue
			}
			b[n] = keyAlphabet[c%36]
			n++
			if n == KeyLength {
				break
			}
		}
	}
	return string(b[:])
}

// ValidKey reports whether s can be a session key of a server-side store:
// 8 to 40 characters (Django's minimum and its column width), all from
// [a-z0-9]. Anything else in a cookie is treated as "no session".
func ValidKey(s string) bool {
	if len(s) < 8 || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// KeyHash returns the hex SHA-256 of key. Stores that keep keys hashed at
// rest use it, so that a leaked table or cache dump cannot be replayed as
// cookies; SessionInfo.ID is this hash.
func KeyHash(key string) string { return PrefixedKeyHash("", key) }

// PrefixedKeyHash returns prefix + KeyHash(key) in one allocation, for
// stores that name records by hash under a prefix of their own.
func PrefixedKeyHash(prefix, key string) string {
	sum := sha256.Sum256([]byte(key))
	var hx [2 * sha256.Size]byte
	hex.Encode(hx[:], sum[:])
	var b strings.Builder
	b.Grow(len(prefix) + len(hx))
	b.WriteString(prefix)
	b.Write(hx[:])
	return b.String()
}
