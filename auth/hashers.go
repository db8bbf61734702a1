package auth

import (
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"
)

// The algorithm names of Django's password hashers, as they begin an
// encoded password ("pbkdf2_sha256$1000000$salt$hash").
const (
	PBKDF2SHA256 = "pbkdf2_sha256" // PBKDF2PasswordHasher, Django's default
	PBKDF2SHA1   = "pbkdf2_sha1"   // PBKDF2SHA1PasswordHasher
	Argon2       = "argon2"        // Argon2PasswordHasher (argon2id and argon2i, version 19)
	BCryptSHA256 = "bcrypt_sha256" // BCryptSHA256PasswordHasher
	BCrypt       = "bcrypt"        // BCryptPasswordHasher
	Scrypt       = "scrypt"        // ScryptPasswordHasher (Django ≥ 4.0)
	MD5          = "md5"           // MD5PasswordHasher (salted; for tests)
	SHA1         = "sha1"          // SHA1PasswordHasher (salted; Django < 5.1)
	UnsaltedMD5  = "unsalted_md5"  // UnsaltedMD5PasswordHasher
	UnsaltedSHA1 = "unsalted_sha1" // UnsaltedSHA1PasswordHasher
)

// DefaultHashers are the algorithms of Django's default PASSWORD_HASHERS
// (4.2 and 5.2; 3.2 lacks scrypt).
var DefaultHashers = []string{PBKDF2SHA256, PBKDF2SHA1, Argon2, BCryptSHA256, Scrypt}

// PBKDF2Iterations is the iteration count of Django 5.2's
// PBKDF2PasswordHasher (4.2: 600000, 3.2: 260000), which MakePassword uses.
const PBKDF2Iterations = 1_000_000

// UnusablePasswordPrefix begins the password of a user who cannot log in
// (Django's set_unusable_password).
const UnusablePasswordPrefix = "!"

// ErrUnknownHasher is returned by CheckPassword for a password encoded by
// a hasher this package does not implement (crypt, argon2d, a custom one)
// or that is malformed.
var ErrUnknownHasher = errors.New("auth: the password is encoded by an unknown or unsupported Django hasher")

// saltChars are Django's RANDOM_STRING_CHARS.
const saltChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// NewSalt returns a salt as Django's BasePasswordHasher.salt makes one: 22
// random letters and digits (128 bits).
func NewSalt() string {
	b := make([]byte, 22)
	for i := range b {
		b[i] = saltChars[randIntn(len(saltChars))]
	}
	return string(b)
}

// randIntn returns a uniform random int in [0, n) for small n.
func randIntn(n int) int {
	var b [1]byte
	limit := 256 - 256%n
	for {
		rand.Read(b[:])
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}

// MakePassword encodes password as Django's make_password does with its
// default hasher: pbkdf2_sha256 with PBKDF2Iterations and a new salt.
func MakePassword(password string) string {
	return EncodePBKDF2(password, NewSalt(), PBKDF2Iterations)
}

// EncodePBKDF2 encodes password as Django's PBKDF2PasswordHasher does:
// "pbkdf2_sha256$iterations$salt$base64(hash)". The salt must not contain
// "$". Fewer iterations make logins faster and weaker; Django's own
// default is PBKDF2Iterations.
func EncodePBKDF2(password, salt string, iterations int) string {
	return encodePBKDF2(PBKDF2SHA256, sha256.New, password, salt, iterations)
}

func encodePBKDF2(algorithm string, h func() hash.Hash, password, salt string, iterations int) string {
	key, err := pbkdf2.Key(h, password, []byte(salt), iterations, h().Size())
	if err != nil {
		// Only an invalid iteration count or key length gets here.
		panic("auth: pbkdf2: " + err.Error())
	}
	return algorithm + "$" + strconv.Itoa(iterations) + "$" + salt + "$" + base64.StdEncoding.EncodeToString(key)
}

// IsPasswordUsable reports whether encoded can match any password: false
// for Django's unusable passwords ("!…", set_unusable_password) and for an
// empty one.
func IsPasswordUsable(encoded string) bool {
	return encoded != "" && !strings.HasPrefix(encoded, UnusablePasswordPrefix)
}

// Algorithm returns the name of the hasher that encoded a password, as
// Django's identify_hasher finds it ("" for an unusable password).
func Algorithm(encoded string) string {
	switch {
	case !IsPasswordUsable(encoded):
		return ""
	case len(encoded) == 32 && !strings.Contains(encoded, "$"),
		len(encoded) == 37 && strings.HasPrefix(encoded, "md5$$"):
		return UnsaltedMD5
	case len(encoded) == 46 && strings.HasPrefix(encoded, "sha1$$"):
		return UnsaltedSHA1
	}
	alg, _, _ := strings.Cut(encoded, "$")
	return alg
}

// CheckPassword reports whether password matches encoded, a password as
// Django stores it (auth_user.password), whichever of Django's hashers
// made it. An unusable password never matches. A hasher this package does
// not implement, or a malformed value, gives an error wrapping
// ErrUnknownHasher. The comparison takes constant time.
//
// Unlike Django's check_password, CheckPassword does not re-encode a
// password whose hasher or work factor is out of date; Django does that at
// its next login.
func CheckPassword(password, encoded string) (bool, error) {
	if !IsPasswordUsable(encoded) {
		return false, nil
	}
	alg := Algorithm(encoded)
	var again string
	switch alg {
	case PBKDF2SHA256, PBKDF2SHA1:
		parts := strings.SplitN(encoded, "$", 4)
		if len(parts) != 4 {
			return false, malformed(alg)
		}
		iter, err := strconv.Atoi(parts[1])
		if err != nil || iter < 1 || iter > 100_000_000 {
			return false, malformed(alg)
		}
		h := sha256.New
		if alg == PBKDF2SHA1 {
			h = sha1.New
		}
		again = encodePBKDF2(alg, h, password, parts[2], iter)
	case Argon2:
		return checkArgon2(password, encoded)
	case BCryptSHA256, BCrypt:
		_, data, _ := strings.Cut(encoded, "$")
		pw := []byte(password)
		if alg == BCryptSHA256 {
			sum := sha256.Sum256(pw)
			pw = []byte(hex.EncodeToString(sum[:]))
		}
		if len(pw) > 72 { // bcrypt reads 72 bytes; Python's bcrypt truncates
			pw = pw[:72]
		}
		err := bcrypt.CompareHashAndPassword([]byte(data), pw)
		if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("%w: %s: %v", ErrUnknownHasher, alg, err)
		}
		return true, nil
	case Scrypt:
		parts := strings.SplitN(encoded, "$", 6)
		if len(parts) != 6 {
			return false, malformed(alg)
		}
		n, err1 := strconv.Atoi(parts[1])
		r, err2 := strconv.Atoi(parts[3])
		p, err3 := strconv.Atoi(parts[4])
		if err1 != nil || err2 != nil || err3 != nil || r < 1 || p < 1 || n < 2 || n > 1<<22 || r*p >= 1<<30 || 128*n*r > 1<<30 {
			return false, malformed(alg)
		}
		key, err := scrypt.Key([]byte(password), []byte(parts[2]), n, r, p, 64)
		if err != nil {
			return false, fmt.Errorf("%w: scrypt: %v", ErrUnknownHasher, err)
		}
		again = fmt.Sprintf("scrypt$%d$%s$%d$%d$%s", n, parts[2], r, p, base64.StdEncoding.EncodeToString(key))
	case MD5, SHA1:
		parts := strings.SplitN(encoded, "$", 3)
		if len(parts) != 3 || parts[1] == "" {
			return false, malformed(alg)
		}
		if alg == MD5 {
			sum := md5.Sum([]byte(parts[1] + password))
			again = "md5$" + parts[1] + "$" + hex.EncodeToString(sum[:])
		} else {
			sum := sha1.Sum([]byte(parts[1] + password))
			again = "sha1$" + parts[1] + "$" + hex.EncodeToString(sum[:])
		}
	case UnsaltedMD5:
		encoded = strings.TrimPrefix(encoded, "md5$$")
		sum := md5.Sum([]byte(password))
		again = hex.EncodeToString(sum[:])
	case UnsaltedSHA1:
		sum := sha1.Sum([]byte(password))
		again = "sha1$$" + hex.EncodeToString(sum[:])
	default:
		return false, fmt.Errorf("%w: %q (this package implements %s)", ErrUnknownHasher, alg,
			strings.Join([]string{PBKDF2SHA256, PBKDF2SHA1, Argon2, BCryptSHA256, BCrypt, Scrypt, MD5, SHA1, UnsaltedMD5, UnsaltedSHA1}, ", "))
	}
	return subtle.ConstantTimeCompare([]byte(encoded), []byte(again)) == 1, nil
}

func malformed(alg string) error {
	return fmt.Errorf("%w: a malformed %s password", ErrUnknownHasher, alg)
}

// checkArgon2 verifies "argon2$argon2id$v=19$m=102400,t=2,p=8$salt$hash",
// the PHC string of argon2-cffi behind Django's algorithm name.
func checkArgon2(password, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 {
		return false, fmt.Errorf("%w: an argon2 password without a version (v=19) or malformed", ErrUnknownHasher)
	}
	variety, version, params, b64salt, b64hash := parts[1], parts[2], parts[3], parts[4], parts[5]
	if version != "v=19" {
		return false, fmt.Errorf("%w: argon2 version %q (only v=19 is implemented)", ErrUnknownHasher, version)
	}
	var m, t, p uint64
	for kv := range strings.SplitSeq(params, ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return false, malformed(Argon2)
		}
		switch k {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			p = n
		default:
			return false, malformed(Argon2)
		}
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(b64salt)
	want, err2 := base64.RawStdEncoding.DecodeString(b64hash)
	if err1 != nil || err2 != nil || m == 0 || t == 0 || p == 0 || p > 255 || m > 4<<20 || len(want) < 4 {
		return false, malformed(Argon2)
	}
	var got []byte
	switch variety {
	case "argon2id":
		got = argon2.IDKey([]byte(password), salt, uint32(t), uint32(m), uint8(p), uint32(len(want)))
	case "argon2i":
		got = argon2.Key([]byte(password), salt, uint32(t), uint32(m), uint8(p), uint32(len(want)))
	default:
		return false, fmt.Errorf("%w: argon2 variety %q (argon2id and argon2i are implemented)", ErrUnknownHasher, variety)
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
