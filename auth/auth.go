// Package auth is the session side of django.contrib.auth: it tells who is
// logged in to a sessionkit.Session exactly as Django's auth.get_user
// decides it, and logs users in and out so that Django accepts the result,
// for a Go service that shares its sessions and its users with a Django
// app.
//
// A session is logged in when it holds Django's three keys:
// _auth_user_id (the user's primary key as a string), _auth_user_backend
// (one of AUTHENTICATION_BACKENDS) and _auth_user_hash, an HMAC of the
// user's current password hash under SECRET_KEY. Changing the password
// therefore logs the user out of every session, in Django and in Go.
//
// Users come from Django's auth_user table (DB), from a fixed list
// (StaticUsers), or from anything that implements Users. Passwords are
// checked with Django's hashers (CheckPassword): PBKDF2 (SHA-256 and
// SHA-1), Argon2, bcrypt (plain and SHA-256), scrypt, and the legacy salted
// and unsalted MD5 and SHA-1.
//
//	a := &auth.Auth{Users: &auth.DB{DB: db}, SecretKey: secret}
//	u, err := a.Authenticate(ctx, username, password)
//	if err == nil {
//		err = a.Login(ctx, sess, u)
//	}
//	...
//	u, err := a.User(ctx, sess) // nil: anonymous
package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/sessionkit/sessionkit"
)

// The session keys of django.contrib.auth.
const (
	SessionKey        = "_auth_user_id"      // SESSION_KEY: the user's primary key, a string
	BackendSessionKey = "_auth_user_backend" // BACKEND_SESSION_KEY: the dotted path of the backend
	HashSessionKey    = "_auth_user_hash"    // HASH_SESSION_KEY: get_session_auth_hash()
)

// ModelBackend is Django's default (and usual only) authentication backend.
const ModelBackend = "django.contrib.auth.backends.ModelBackend"

// SessionAuthHashSalt is the key salt of AbstractBaseUser's
// get_session_auth_hash.
const SessionAuthHashSalt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"

// ErrInvalidLogin is returned by Authenticate when the username is unknown,
// the password is wrong or cannot be checked, or the account is inactive:
// Django's authenticate returning None. It does not say which, on purpose.
var ErrInvalidLogin = errors.New("auth: wrong username or password, or the account is inactive")

// Auth is django.contrib.auth's configuration on the Go side. Its fields
// are Django's settings; they must match the Django app's. Users and
// SecretKey are required. An Auth is safe for concurrent use once set up.
type Auth struct {
	// Users finds the users. Required.
	Users Users

	// SecretKey is Django's SECRET_KEY. Required.
	SecretKey string
	// FallbackKeys are SECRET_KEY_FALLBACKS (Django ≥ 4.1): a session hash
	// made with one of them is still accepted, and replaced by the current
	// key's hash under a new session key, as Django does.
	FallbackKeys []string
	// HashingAlgorithm is the algorithm of the session hash: "" or "sha256"
	// (Django ≥ 4.0, and 3.2's default), or "sha1" for Django 3.2 with
	// DEFAULT_HASHING_ALGORITHM = 'sha1'.
	HashingAlgorithm string
	// LegacySHA1 also accepts a session hash made with sha1, as Django 3.2
	// does whatever its DEFAULT_HASHING_ALGORITHM (its
	// _legacy_get_session_auth_hash). Set it to share sessions with 3.2
	// only; Django ≥ 4.0 refuses those hashes.
	LegacySHA1 bool

	// Backends are AUTHENTICATION_BACKENDS: a session whose
	// _auth_user_backend is not one of them is anonymous. Login writes the
	// first. nil means [ModelBackend]. Every backend reads users from Users
	// with ModelBackend's rules (inactive users are refused).
	Backends []string
	// Hashers are the algorithms of PASSWORD_HASHERS (PBKDF2SHA256, ...):
	// a password encoded by any other hasher does not match, as in Django.
	// nil means DefaultHashers.
	Hashers []string
	// Iterations is the PBKDF2 work factor spent on a login with an
	// unknown username, as Django hashes the password once with its
	// default hasher then, so that the time taken does not tell which
	// usernames exist. Zero means PBKDF2Iterations; set it to what the
	// stored passwords use.
	Iterations int

	// Now is the clock for last_login. nil means time.Now.
	Now func() time.Time
}

func (a *Auth) check() error {
	if a.Users == nil {
		return errors.New("auth: Auth.Users is nil; give auth.DB (Django's auth_user) or another Users")
	}
	if a.SecretKey == "" {
		return errors.New("auth: Auth.SecretKey is empty; set it to the Django app's SECRET_KEY")
	}
	if a.Backends != nil && len(a.Backends) == 0 {
		return errors.New("auth: Auth.Backends is empty; leave it nil for ModelBackend")
	}
	switch a.HashingAlgorithm {
	case "", "sha256", "sha1":
	default:
		return fmt.Errorf("auth: Auth.HashingAlgorithm %q: use \"sha256\" (or \"\"), or \"sha1\" for Django 3.2's DEFAULT_HASHING_ALGORITHM = 'sha1'", a.HashingAlgorithm)
	}
	return nil
}

func (a *Auth) algorithm() string {
	if a.HashingAlgorithm == "" {
		return "sha256"
	}
	return a.HashingAlgorithm
}

func (a *Auth) backends() []string {
	if a.Backends == nil {
		return []string{ModelBackend}
	}
	return a.Backends
}

func (a *Auth) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// SessionAuthHash returns what Django's get_session_auth_hash returns for
// u: the hex HMAC of u.Password under SecretKey, with the salt
// SessionAuthHashSalt.
func (a *Auth) SessionAuthHash(u User) string {
	return sessionAuthHash(u.Password, a.SecretKey, a.algorithm())
}

func sessionAuthHash(password, secret, algorithm string) string {
	return hex.EncodeToString(saltedHMAC(SessionAuthHashSalt, password, secret, algorithm))
}

// saltedHMAC is Django's salted_hmac(keySalt, value, secret,
// algorithm=...).digest(): HMAC-H(H(keySalt + secret), value), with H
// sha256, or sha1 for "sha1".
func saltedHMAC(keySalt, value, secret, algorithm string) []byte {
	h := sha256.New
	if algorithm == "sha1" {
		h = sha1.New
	}
	d := h()
	d.Write([]byte(keySalt + secret))
	mac := hmac.New(h, d.Sum(nil))
	mac.Write([]byte(value))
	return mac.Sum(nil)
}

func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// sessionUserID returns the session's _auth_user_id as a string, and
// whether it has one.
func sessionUserID(s *sessionkit.Session) (string, bool) {
	switch v := s.Get(SessionKey).(type) {
	case string:
		return v, true
	case int:
		return strconv.Itoa(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	}
	return "", s.Has(SessionKey)
}

// User returns the user logged in to s, or nil for an anonymous session,
// deciding it as Django's auth.get_user does:
//
//   - no _auth_user_id or _auth_user_backend, or a backend that is not one
//     of Backends: anonymous;
//   - no such user, or an inactive one: anonymous;
//   - an _auth_user_hash that does not match the user's current password
//     under SecretKey: the session is flushed (deleted, its cookie removed)
//     and is anonymous;
//   - a hash that matches under one of FallbackKeys: the user, and the
//     session gets a new key and the current key's hash.
//
// An error is a failure of the store or of Users; the session is left as
// it is then.
func (a *Auth) User(ctx context.Context, s *sessionkit.Session) (*User, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	id, ok := sessionUserID(s)
	backend, hasBackend := s.Get(BackendSessionKey).(string)
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("auth: loading the session: %w", err)
	}
	if !ok || !hasBackend || !slices.Contains(a.backends(), backend) {
		return nil, nil
	}
	u, err := a.Users.UserByID(ctx, id)
	if errors.Is(err, ErrNoUser) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if u.Inactive {
		return nil, nil
	}
	sessionHash, _ := s.Get(HashSessionKey).(string)
	current := a.SessionAuthHash(u)
	if sessionHash != "" && equal(sessionHash, current) {
		return &u, nil
	}
	if sessionHash != "" {
		for _, key := range a.FallbackKeys {
			if equal(sessionHash, sessionAuthHash(u.Password, key, a.algorithm())) {
				if err := s.CycleKey(); err != nil {
					return nil, fmt.Errorf("auth: moving a session verified by a fallback key to a new key: %w", err)
				}
				s.Set(HashSessionKey, current)
				return &u, nil
			}
		}
		if a.LegacySHA1 && equal(sessionHash, sessionAuthHash(u.Password, a.SecretKey, "sha1")) {
			return &u, nil
		}
	}
	if err := s.Flush(); err != nil {
		return nil, fmt.Errorf("auth: flushing a session whose password hash no longer matches: %w", err)
	}
	return nil, nil
}

// Authenticate returns the user with this username and password, as
// Django's ModelBackend.authenticate decides: the user must exist, the
// password must match under one of Hashers, and the user must be active.
// Otherwise it returns ErrInvalidLogin; any other error is a failure of
// Users.
func (a *Auth) Authenticate(ctx context.Context, username, password string) (User, error) {
	if err := a.check(); err != nil {
		return User{}, err
	}
	u, err := a.Users.UserByUsername(ctx, username)
	if errors.Is(err, ErrNoUser) {
		// Spend the time a real check would, as Django does (#20760).
		EncodePBKDF2(password, "timingsaltxxxxxxxxxxxx", a.iterations())
		return User{}, ErrInvalidLogin
	}
	if err != nil {
		return User{}, err
	}
	hashers := a.Hashers
	if hashers == nil {
		hashers = DefaultHashers
	}
	if !slices.Contains(hashers, Algorithm(u.Password)) {
		EncodePBKDF2(password, "timingsaltxxxxxxxxxxxx", a.iterations())
		return User{}, ErrInvalidLogin
	}
	ok, err := CheckPassword(password, u.Password)
	if err != nil || !ok || u.Inactive {
		return User{}, ErrInvalidLogin
	}
	return u, nil
}

func (a *Auth) iterations() int {
	if a.Iterations > 0 {
		return a.Iterations
	}
	return PBKDF2Iterations
}

// Login logs u in to s as Django's auth.login does: if s is already
// logged in as another user (or with another password hash) it is flushed
// first, so nothing of that user's session is carried over; otherwise
// its key is cycled, so a key planted before the login is worthless
// after it; then _auth_user_id, _auth_user_backend (the first of
// Backends) and _auth_user_hash are set. When Users records logins
// (LastLoginUpdater, as DB does), last_login is set to now, as Django's
// update_last_login does; a failure there is returned after the session
// was logged in.
func (a *Auth) Login(ctx context.Context, s *sessionkit.Session, u User) error {
	if err := a.check(); err != nil {
		return err
	}
	if u.ID == "" {
		return errors.New("auth: Login: the user has no ID")
	}
	hash := a.SessionAuthHash(u)
	if s.Has(SessionKey) {
		id, _ := sessionUserID(s)
		prev, _ := s.Get(HashSessionKey).(string)
		if id != u.ID || !equal(prev, hash) {
			if err := s.Flush(); err != nil {
				return fmt.Errorf("auth: login: flushing another user's session: %w", err)
			}
		}
	} else if err := s.CycleKey(); err != nil {
		return fmt.Errorf("auth: login: cycling the session key: %w", err)
	}
	if err := s.Err(); err != nil {
		return fmt.Errorf("auth: login: %w", err)
	}
	s.Set(SessionKey, u.ID)
	s.Set(BackendSessionKey, a.backends()[0])
	s.Set(HashSessionKey, hash)
	if up, ok := a.Users.(LastLoginUpdater); ok {
		if err := up.UpdateLastLogin(ctx, u.ID, a.now()); err != nil {
			return err
		}
	}
	return nil
}

// Logout logs s out as Django's auth.logout does: the session is flushed
// (deleted from the store, emptied, its cookie removed).
func Logout(s *sessionkit.Session) error {
	return s.Flush()
}
