package signing

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"hash"
	"math"
	"slices"
	"strings"
)

// hashFunc returns the constructor for a hashlib algorithm name, as
// Django's salted_hmac looks it up with getattr(hashlib, algorithm). The
// names Python has but the standard library lacks (blake2b, blake2s,
// shake_*) are rejected.
func hashFunc(name string) (func() hash.Hash, error) {
	switch name {
	case "sha256":
		return sha256.New, nil
	case "sha1":
		return sha1.New, nil
	case "sha512":
		return sha512.New, nil
	case "sha224":
		return sha256.New224, nil
	case "sha384":
		return sha512.New384, nil
	case "md5":
		return md5.New, nil
	case "sha3_224":
		return func() hash.Hash { return sha3.New224() }, nil
	case "sha3_256":
		return func() hash.Hash { return sha3.New256() }, nil
	case "sha3_384":
		return func() hash.Hash { return sha3.New384() }, nil
	case "sha3_512":
		return func() hash.Hash { return sha3.New512() }, nil
	}
	return nil, fmt.Errorf("%w: %q is not an algorithm accepted by the hashlib module; use sha256 (Django's default), sha1 or sha512", ErrInvalidAlgorithm, name)
}

// deriveKey returns the hash of the parts joined: H(keySalt ‖ secret), a
// plain hash, not an HMAC, as in Django's salted_hmac.
func deriveKey(newHash func() hash.Hash, parts ...string) []byte {
	h := newHash()
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	buf := make([]byte, 0, max(n, h.Size()))
	for _, p := range parts {
		buf = append(buf, p...)
	}
	h.Write(buf)
	return h.Sum(buf[:0]) // the input is consumed; reuse its memory
}

// SaltedHMAC returns Django's salted_hmac(keySalt, value, secret,
// algorithm).digest(): HMAC-H(key = H(keySalt ‖ secret), value). The
// algorithm is a hashlib name; "" means sha1, salted_hmac's own default
// (signers pass sha256 explicitly). Strings are used as their bytes, so a
// secret that is not UTF-8 works as Django's bytes secrets do.
func SaltedHMAC(keySalt, value, secret, algorithm string) ([]byte, error) {
	if algorithm == "" {
		algorithm = "sha1"
	}
	newHash, err := hashFunc(algorithm)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(newHash, deriveKey(newHash, keySalt, secret))
	mac.Write([]byte(value))
	return mac.Sum(nil), nil
}

// B64Encode is Django's b64_encode: URL-safe base64 without padding.
func B64Encode(b []byte) string {
	return base64.RawURLEncoding.EncodeToString(b)
}

// B64Decode is Django's b64_decode: it pads s to a multiple of four with
// "=" and decodes it as Python's base64.urlsafe_b64decode does, which is
// lenient: characters outside the alphabet are skipped, "+" and "/" are
// accepted as well as "-" and "_", and decoding stops at the first
// complete padding. Signers call it only after the signature verified.
func B64Decode(s string) ([]byte, error) {
	return appendB64Decode(nil, s)
}

// b64Values maps a byte to its value in the standard or URL-safe base64
// alphabet, or 0xff.
var b64Values = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	for i := range len(alphabet) {
		t[alphabet[i]] = byte(i)
	}
	t['+'], t['-'] = 62, 62
	t['/'], t['_'] = 63, 63
	return t
}()

// appendB64Decode is CPython 3.11's binascii.a2b_base64 in its default
// (non-strict) mode, run on s plus Django's padding.
func appendB64Decode(dst []byte, s string) ([]byte, error) {
	dst = slices.Grow(dst, len(s)*3/4+3)
	// Fast path: whole quads of alphabet characters decode the same in
	// every decoder. It stops at the first anything else and leaves the
	// rest, from a quad boundary, to CPython's state machine below.
	i := 0
	for ; i+4 <= len(s); i += 4 {
		a, b, c, d := b64Values[s[i]], b64Values[s[i+1]], b64Values[s[i+2]], b64Values[s[i+3]]
		if (a|b|c|d)&0xc0 != 0 { // 0xff marks a non-alphabet byte
			break
		}
		dst = append(dst, a<<2|b>>4, b<<4|c>>2, c<<6|d)
	}
	n := len(s) + (-len(s) & 3)
	quad, pads := 0, 0
	var left byte
	for ; i < n; i++ {
		c := byte('=')
		if i < len(s) {
			c = s[i]
		}
		if c == '=' {
			if quad >= 2 {
				if pads++; quad+pads >= 4 {
					return dst, nil // a complete padding ends the data
				}
			}
			continue
		}
		v := b64Values[c]
		if v == 0xff {
			continue
		}
		pads = 0
		switch quad {
		case 0:
			left = v
		case 1:
			dst = append(dst, left<<2|v>>4)
			left = v & 0x0f
		case 2:
			dst = append(dst, left<<4|v>>2)
			left = v & 0x03
		case 3:
			dst = append(dst, left<<6|v)
		}
		quad = (quad + 1) & 3
	}
	switch quad {
	case 0:
		return dst, nil
	case 1:
		return dst, fmt.Errorf("%w: invalid base64: the number of data characters cannot be 1 more than a multiple of 4", ErrMalformed)
	}
	return dst, fmt.Errorf("%w: invalid base64: incorrect padding", ErrMalformed)
}

const b62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// B62Encode is Django's b62_encode: base 62 with digits 0-9A-Za-z, most
// significant first, "-" in front of negative numbers.
func B62Encode(n int64) string {
	var buf [12]byte
	return string(appendB62(buf[:0], n))
}

func appendB62(dst []byte, n int64) []byte {
	if n == 0 {
		return append(dst, '0')
	}
	u := uint64(n)
	if n < 0 {
		dst = append(dst, '-')
		u = -u // two's complement: also right for math.MinInt64
	}
	var buf [11]byte // 62^11 > 2^64
	i := len(buf)
	for u > 0 {
		i--
		buf[i] = b62Alphabet[u%62]
		u /= 62
	}
	return append(dst, buf[i:]...)
}

// B62Decode is Django's b62_decode. Like Django it reads "" as an error
// and "-" as 0; unlike Python's unbounded ints, a value outside int64 is
// an error.
func B62Decode(s string) (int64, error) {
	if s == "" {
		return 0, fmt.Errorf("%w: empty base62 number", ErrMalformed)
	}
	digits := strings.TrimPrefix(s, "-")
	neg := len(digits) < len(s)
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	var u uint64
	for i := range len(digits) {
		d := strings.IndexByte(b62Alphabet, digits[i])
		if d < 0 {
			return 0, fmt.Errorf("%w: invalid base62 digit %q", ErrMalformed, digits[i])
		}
		if u > (limit-uint64(d))/62 {
			return 0, fmt.Errorf("%w: base62 number %.20q out of range", ErrMalformed, s)
		}
		u = u*62 + uint64(d)
	}
	if neg {
		return int64(-u), nil
	}
	return int64(u), nil
}
