// Package cookiestore is a sessionkit.Store that keeps the whole session in
// the cookie: Django's signed_cookies engine
// (django.contrib.sessions.backends.signed_cookies), and a native mode that
// encrypts.
//
// The store keeps nothing on the server. Its "key" is the cookie value
// itself: Create and Update return the new cookie value, Load verifies a
// cookie value and returns the session it carries, and Delete does
// nothing. It implements sessionkit.KeyValidator, since its keys are cookie
// values rather than [a-z0-9] session keys, sessionkit.KeyGenerator, to
// spare the Manager drawing random keys it would ignore, and neither
// ExpiredClearer nor UserSessionLister, having no records to clear or list.
//
// Record.Data must be a JSON object, as the Manager's default codec
// (sessionkit.JSONCodec) writes it: the cookie carries the session itself,
// so it must not be wrapped again in Django's signed session_data
// (sessionkit.DjangoCodec), and Create and Update say so if it is.
//
// # Django mode
//
// With Config.Django a cookie value is exactly what Django's signed_cookies
// engine writes and reads: signing.dumps of the session JSON with the salt
// "django.contrib.sessions.backends.signed_cookies", compressed when that
// saves space, under SECRET_KEY (Config.SecretKey); Load accepts values up
// to Config.MaxAge (Django's SESSION_COOKIE_AGE) old, signed with
// Config.SecretKey or any of Config.FallbackKeys (Django's
// SECRET_KEY_FALLBACKS, 4.1 and later). Anyone holding the cookie can read
// the session: it is signed, not encrypted. As in Django, Record.Expiry is
// not carried by the cookie: a value expires Config.MaxAge after it was
// issued, whatever expiry the session set (Django's ticket #19201).
//
// # Native mode
//
// Without Config.Django the session is sealed with XAES-256-GCM
// (c2sp.org/XAES-256-GCM: AES-256-GCM under a key derived per value from a
// 192-bit random nonce) under a key derived from Config.SecretKey with
// HKDF-SHA256 and a label naming this use, so the client can neither read
// nor alter it. The cookie value is base64url without padding of
//
//	version 2 (1 byte) | key id (4 bytes) | nonce (24 bytes) | sealed(issued, expiry, data) | tag (16 bytes)
//
// with a fresh random nonce per value. The version, the key id and
// Config.CookieName are authenticated too, so a value issued for one cookie
// (sessionid) is refused by a store for another (admin_sessionid) even
// under the same secret. Random 192-bit nonces do not repeat in any number
// of values a key will seal, so a key needs no rotation for that reason.
// Record.Expiry — the Manager's: its CookieAge or the session's own
// SetExpiry — is sealed inside and enforced by Load, unlike Django; so is
// Config.MaxAge when set, counted from when the value was issued, which
// then bounds the life of any cookie whatever expiry the session asked for. The key
// id, derived from the secret, lets Load skip the keys among
// Config.FallbackKeys that cannot have sealed a value; if two keys share
// an id, Load tries both. The data is not compressed: compressing secrets
// next to attacker-chosen data before encryption leaks them through the
// length (CRIME, BREACH).
//
// # The first native format, during the upgrade
//
// Values of the first native format (version 1: AES-256-GCM with a random
// 96-bit nonce and a 1-byte key id, not bound to the cookie name) are
// still accepted by Load, so that nobody is logged out by the upgrade; the
// next save re-seals the session in version 2. Every version 1 value
// expires at most Config.MaxAge after it was issued, so once MaxAge has
// passed since the upgrade none can still be valid: set Config.RejectV1
// then to refuse them (a version 1 value still lets a session cookie of
// one store be used with another store that shares its secret). A later
// release removes version 1, and RejectV1 with it.
//
// # Revocation
//
// A cookie session cannot be revoked on the server before it expires.
// Logging out replaces the cookie in the browser that logs out, but a copy
// of the old value — stolen, or kept by another device — stays valid until
// it is Config.MaxAge old (in native mode, or until its own expiry if that
// comes first). To bound that window: keep Config.MaxAge short (hours
// rather than Django's two weeks; the Manager re-issues the cookie, with a
// new timestamp, whenever the session is saved, and on every request with
// save-every-request on), and rotate Config.SecretKey to revoke every
// cookie at once (moving the old key to FallbackKeys keeps sessions alive
// during a rotation, so leave it out when revoking). If sessions must be
// revocable one by one, use a server-side store.
//
// # Size
//
// Browsers drop cookies over about 4096 bytes, and a dropped session
// cookie silently loses the session. Create and Update therefore fail with
// an error wrapping ErrTooLarge, and log a warning, for a value over
// MaxSize bytes (Django checks nothing). The Manager also enforces the
// limit on the whole name=value pair.
package cookiestore

import (
	"bytes"
	"cmp"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit/cookies"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/signing"
)

// MaxSize is the longest cookie value Create and Update return, in bytes:
// the 4096 bytes browsers keep for a cookie.
const MaxSize = 4096

// DefaultMaxAge is the cookie age used when Config.MaxAge is zero: two
// weeks, Django's SESSION_COOKIE_AGE.
const DefaultMaxAge = 14 * 24 * time.Hour

// DjangoSalt is the salt of Django's signed_cookies session engine.
const DjangoSalt = "django.contrib.sessions.backends.signed_cookies"

// ErrTooLarge is wrapped by the error Create and Update return when the
// session does not fit in a cookie.
var ErrTooLarge = fmt.Errorf("cookiestore: session too large for a cookie: %w", cookies.ErrTooLarge)

// Labels that separate the keys derived from one secret (HKDF info).
const (
	sealLabel    = "sessionkit/cookiestore v2: XAES-256-GCM session cookie"
	keyIDLabel   = "sessionkit/cookiestore v2: key id"
	sealLabelV1  = "sessionkit/cookiestore v1: AES-256-GCM session cookie"
	keyIDLabelV1 = "sessionkit/cookiestore v1: key id"
)

// Native formats: version, key id, nonce, then the ciphertext and tag
// around two timestamps and the data. Version 2 is written; version 1 is
// still read (see the package documentation).
const (
	version     = 2
	keyIDLen    = 4
	headerLen   = 1 + keyIDLen
	nonceLen    = xaesNonceSize
	minNativeV2 = headerLen + nonceLen + stampsLen + tagLen

	versionV1   = 1
	headerLenV1 = 2
	nonceLenV1  = 12
	minNativeV1 = headerLenV1 + nonceLenV1 + stampsLen + tagLen

	tagLen     = 16
	stampsLen  = 16
	minNative  = minNativeV1           // the shortest value of either version
	minEncoded = (minNative*8 + 5) / 6 // base64 length of the shortest value
)

// b64 is the native cookie's encoding. Strict, so that the unused low bits
// of the last character cannot vary: every value decodes from exactly one
// string.
var b64 = base64.RawURLEncoding.Strict()

// Config configures a Store. SecretKey is required; every other field has
// a working zero value.
type Config struct {
	// SecretKey signs (Django mode) or encrypts (native mode) every cookie
	// value: Django's SECRET_KEY. It must be long and random. Required.
	SecretKey string

	// FallbackKeys are old secrets still accepted by Load, tried after
	// SecretKey, so that SecretKey can be rotated without logging every
	// user out: Django's SECRET_KEY_FALLBACKS. New values always use
	// SecretKey. Default: none.
	FallbackKeys []string

	// Django makes cookie values exactly those of Django's signed_cookies
	// engine (see the package documentation). Default: native mode,
	// encrypted.
	Django bool

	// Algorithm is, in Django mode, the hash cookie values are signed with:
	// Django 3.1 and 3.2's DEFAULT_HASHING_ALGORITHM, "sha256" (the default
	// when "") or "sha1". Values signed with sha1 are accepted either way,
	// as Django 3.2 accepts them. Native mode ignores it.
	Algorithm string

	// MaxAge is the longest a cookie value is accepted after it was issued.
	// In Django mode it is Django's SESSION_COOKIE_AGE, by which Django
	// judges the same cookies, and must equal the Manager's CookieAge;
	// default DefaultMaxAge (two weeks). In native mode it is an optional
	// cap: by default each value lives until the expiry the Manager sealed
	// in it (its CookieAge, or the session's own SetExpiry), so a
	// remember-me session of any length needs no setting here.
	MaxAge time.Duration

	// CookieName is the name of the session cookie, the Manager's
	// CookieName (Django's SESSION_COOKIE_NAME). Native values are bound
	// to it: a value issued by a store for one cookie name does not load
	// in a store for another, whatever their secrets. Django mode ignores
	// it, as Django does. Default: "sessionid".
	CookieName string

	// RejectV1 refuses native values of the first format (see the package
	// documentation), which Load otherwise still accepts so that sessions
	// survive the upgrade. Set it once Config.MaxAge has passed since the
	// upgrade. Default: accepted.
	RejectV1 bool

	// Now returns the current time. Default: time.Now.
	Now func() time.Time

	// Logger receives warnings about forged, corrupt and oversized cookies.
	// Default: slog.Default().
	Logger *slog.Logger
}

// Store is a sessionkit.Store that keeps sessions in the cookie. It is safe
// for concurrent use. Create it with New.
type Store struct {
	django bool
	maxAge time.Duration
	now    func() time.Time
	log    *slog.Logger

	signer *signing.TimestampSigner // Django mode

	// Native mode: SecretKey, then FallbackKeys.
	keys     []sealKey
	keysV1   []sealKeyV1 // nil with RejectV1
	rejectV1 bool
}

// sealKey is one secret's XAES-256-GCM and key id.
type sealKey struct {
	id   [keyIDLen]byte
	aead *xaes
	aad  []byte // what its values authenticate besides their content: header, cookie name
}

// sealKeyV1 is one secret's key of the first native format.
type sealKeyV1 struct {
	id   byte
	aead cipher.AEAD
}

var (
	_ sessionkit.Store        = (*Store)(nil)
	_ sessionkit.KeyValidator = (*Store)(nil)
	_ sessionkit.KeyGenerator = (*Store)(nil)
)

// New returns a Store for cfg. It fails if cfg.SecretKey or one of
// cfg.FallbackKeys is empty, cfg.MaxAge is negative, or cfg.CookieName is
// not a cookie name.
func New(cfg Config) (*Store, error) {
	if cfg.SecretKey == "" {
		return nil, errors.New("cookiestore: Config.SecretKey is empty: set it to Django's SECRET_KEY, or to a long random secret")
	}
	for i, k := range cfg.FallbackKeys {
		if k == "" {
			return nil, fmt.Errorf("cookiestore: Config.FallbackKeys[%d] is empty (SECRET_KEY_FALLBACKS): remove it, or set it to the old SECRET_KEY", i)
		}
	}
	name := cfg.CookieName
	if name == "" {
		name = sessionkit.DefaultCookieName
	}
	if strings.ContainsAny(name, "=; \t\r\n,\"") || len(name) > 4096 {
		return nil, fmt.Errorf("cookiestore: Config.CookieName %q is not a cookie name: use the Manager's CookieName", name)
	}
	s := &Store{django: cfg.Django, maxAge: cfg.MaxAge, now: cfg.Now, log: cfg.Logger}
	if s.maxAge == 0 && s.django {
		s.maxAge = DefaultMaxAge
	}
	if s.maxAge < 0 {
		return nil, fmt.Errorf("cookiestore: Config.MaxAge is negative (%v): use a positive age, or zero for two weeks", s.maxAge)
	}
	if s.django {
		signer, err := signing.NewTimestampSigner(signing.Options{
			Key:              cfg.SecretKey,
			FallbackKeys:     cfg.FallbackKeys,
			Salt:             DjangoSalt,
			Algorithm:        cfg.Algorithm,
			AcceptAlgorithms: []string{"sha1"},
		})
		if err != nil {
			return nil, fmt.Errorf("cookiestore: %w", err)
		}
		s.signer = signer
		return s, nil
	}
	s.rejectV1 = cfg.RejectV1
	seen := map[string]bool{}
	for _, secret := range append([]string{cfg.SecretKey}, cfg.FallbackKeys...) {
		if seen[secret] {
			continue // the same key twice: one try is enough
		}
		seen[secret] = true
		k, err := newSealKey(secret, name)
		if err != nil {
			return nil, fmt.Errorf("cookiestore: %w", err)
		}
		s.keys = append(s.keys, k)
		if !s.rejectV1 {
			k1, err := newSealKeyV1(secret)
			if err != nil {
				return nil, fmt.Errorf("cookiestore: %w", err)
			}
			s.keysV1 = append(s.keysV1, k1)
		}
	}
	return s, nil
}

// newSealKey derives the key of secret for a store of cookieName.
func newSealKey(secret, cookieName string) (sealKey, error) {
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, sealLabel, 32)
	if err != nil {
		return sealKey{}, err
	}
	k := sealKey{id: keyID(secret)}
	k.aad = append(append([]byte{version}, k.id[:]...), cookieName...)
	k.aead, err = newXAES(key)
	return k, err
}

// keyID is the key id of a secret in version 2 values.
func keyID(secret string) [keyIDLen]byte {
	id, err := hkdf.Key(sha256.New, []byte(secret), nil, keyIDLabel, keyIDLen)
	if err != nil {
		panic("cookiestore: " + err.Error()) // HKDF-SHA256 gives 4 bytes
	}
	return [keyIDLen]byte(id)
}

func newSealKeyV1(secret string) (sealKeyV1, error) {
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, sealLabelV1, 32)
	if err != nil {
		return sealKeyV1{}, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return sealKeyV1{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return sealKeyV1{}, err
	}
	return sealKeyV1{id: keyIDV1(secret), aead: aead}, nil
}

// keyIDV1 is the key id of a secret in version 1 values.
func keyIDV1(secret string) byte {
	id, err := hkdf.Key(sha256.New, []byte(secret), nil, keyIDLabelV1, 1)
	if err != nil {
		panic("cookiestore: " + err.Error())
	}
	return id[0]
}

// NewKey returns "": Create ignores its key, the cookie value being the
// key, so the Manager need not draw a random one. It implements
// sessionkit.KeyGenerator.
func (s *Store) NewKey() string { return "" }

// Close does nothing: the store holds no resources. It is there so that
// every store can be closed alike.
func (s *Store) Close() error { return nil }

func (s *Store) logger() *slog.Logger {
	if s.log != nil {
		return s.log
	}
	return slog.Default()
}

// ValidKey reports whether value could be a cookie value of this store: at
// most MaxSize bytes of the characters its format uses. It implements
// sessionkit.KeyValidator; only Load tells whether the value is authentic.
func (s *Store) ValidKey(value string) bool {
	if len(value) > MaxSize {
		return false
	}
	if s.django {
		// [.]payload:timestamp:signature, each part base64url (the
		// timestamp base62) and none empty.
		payload, rest, ok1 := strings.Cut(value, ":")
		ts, sig, ok2 := strings.Cut(rest, ":")
		payload = strings.TrimPrefix(payload, ".")
		return ok1 && ok2 && onlyB64(payload) && onlyB64(ts) && onlyB64(sig)
	}
	return len(value) >= minEncoded && onlyB64(value)
}

// onlyB64 reports whether s is non-empty and all base64url. A table
// lookup, not comparisons: cookie values are random bytes, on which
// branches mispredict (it was a third of a 1 KB cookie session's time).
func onlyB64(s string) bool {
	for i := 0; i < len(s); i++ {
		if b64urlChars[s[i]] == 0 {
			return false
		}
	}
	return s != ""
}

// b64urlChars has a 1 at the index of every base64url character.
const b64urlChars = "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00\x00\x00\x00\x00\x00" +
	"\x00\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00\x00\x00\x00\x01" +
	"\x00\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"

// Load verifies the cookie value and returns the session it carries. Any
// value that is not authentic (forged, tampered, truncated, signed with an
// unknown key) or has expired gives an error wrapping
// sessionkit.ErrNotFound; forgeries are also logged as warnings. A value
// that ValidKey rejects gives one that also wraps sessionkit.ErrInvalidKey.
func (s *Store) Load(ctx context.Context, value string) (sessionkit.Record, error) {
	if err := ctx.Err(); err != nil {
		return sessionkit.Record{}, err
	}
	// Decoding checks the characters ValidKey would (strict base64, and
	// in Django mode a signature that must match): the Manager has just
	// called ValidKey, and a 1 KB session pays for each pass over its
	// cookie.
	if value == "" || len(value) > MaxSize || !s.django && len(value) < minEncoded {
		return sessionkit.Record{}, errInvalidValue
	}
	if s.django {
		return s.loadDjango(ctx, value)
	}
	return s.loadNative(ctx, value)
}

// errInvalidValue is Load's error for a value that ValidKey rejects: not a
// cookie value of this store at all. Such a value is also no session, so it
// wraps sessionkit.ErrNotFound as well.
var errInvalidValue = fmt.Errorf("cookiestore: load: not a session cookie value: %w (%w)", sessionkit.ErrInvalidKey, sessionkit.ErrNotFound)

func (s *Store) loadDjango(ctx context.Context, value string) (sessionkit.Record, error) {
	data, err := s.signer.UnsignPayloadAt(value, s.maxAge, s.clock(ctx))
	if err != nil {
		if !s.ValidKey(value) {
			return sessionkit.Record{}, errInvalidValue
		}
		if errors.Is(err, signing.ErrSignatureExpired) {
			return sessionkit.Record{}, fmt.Errorf("cookiestore: load: session cookie expired: %w", sessionkit.ErrNotFound)
		}
		// Neither the log nor the error repeats the signing error: it
		// quotes the value's signature.
		reason := "bad signature"
		if errors.Is(err, signing.ErrMalformed) {
			reason = "authentic but undecodable"
		}
		s.logger().WarnContext(ctx, "cookiestore: rejecting a session cookie that is not authentic", "length", len(value), "reason", reason)
		return sessionkit.Record{}, fmt.Errorf("cookiestore: load: session cookie rejected (%s): %w", reason, sessionkit.ErrNotFound)
	}
	// The value is authentic, so its timestamp is the one we (or Django)
	// wrote: the second-to-last field.
	rest := value[:strings.LastIndexByte(value, ':')]
	ts, err := signing.B62Decode(rest[strings.LastIndexByte(rest, ':')+1:])
	if err != nil { // unreachable: UnsignPayload has parsed it
		return sessionkit.Record{}, fmt.Errorf("cookiestore: load: %w: %w", sessionkit.ErrNotFound, err)
	}
	return sessionkit.Record{Data: data, Expiry: time.Unix(ts, 0).Add(s.maxAge)}, nil
}

func (s *Store) loadNative(ctx context.Context, value string) (sessionkit.Record, error) {
	raw, err := b64.DecodeString(value)
	// encoding/base64 skips '\r' and '\n': a value longer than the
	// encoding of what it decodes to had some, and is not the one issued.
	ok := err == nil && b64.EncodedLen(len(raw)) == len(value) && len(raw) >= minNative
	if ok {
		switch raw[0] {
		case version:
			ok = len(raw) >= minNativeV2
		case versionV1:
			ok = !s.rejectV1
		default:
			ok = false
		}
	}
	if !ok {
		if !s.ValidKey(value) {
			return sessionkit.Record{}, errInvalidValue
		}
		s.logger().WarnContext(ctx, "cookiestore: rejecting a malformed session cookie", "length", len(value))
		return sessionkit.Record{}, fmt.Errorf("cookiestore: load: malformed session cookie: %w", sessionkit.ErrNotFound)
	}
	var plain []byte
	if raw[0] == version {
		plain = s.open(raw)
	} else {
		plain = s.openV1(raw)
	}
	if plain == nil {
		s.logger().WarnContext(ctx, "cookiestore: rejecting a session cookie that is not authentic", "length", len(value))
		return sessionkit.Record{}, fmt.Errorf("cookiestore: load: session cookie not authentic: %w", sessionkit.ErrNotFound)
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(plain[0:8])))
	expiry := time.Unix(0, int64(binary.BigEndian.Uint64(plain[8:16])))
	if limit := issued.Add(s.maxAge); s.maxAge > 0 && limit.Before(expiry) {
		expiry = limit
	}
	if s.clock(ctx).After(expiry) {
		return sessionkit.Record{}, fmt.Errorf("cookiestore: load: session cookie expired: %w", sessionkit.ErrNotFound)
	}
	return sessionkit.Record{Data: plain[stampsLen:], Expiry: expiry}, nil
}

// open decrypts a version 2 value with every key whose id it carries, and
// returns the plaintext, or nil if none opens it. Each try decrypts into
// its own buffer, leaving raw as it was for the next.
func (s *Store) open(raw []byte) []byte {
	id, nonce, sealed := [keyIDLen]byte(raw[1:headerLen]), raw[headerLen:headerLen+nonceLen], raw[headerLen+nonceLen:]
	for _, k := range s.keys {
		if id != k.id {
			continue
		}
		if plain, err := k.aead.open(make([]byte, 0, len(sealed)-tagLen), nonce, sealed, k.aad); err == nil {
			return plain
		}
	}
	return nil
}

// openV1 decrypts a version 1 value as open does.
func (s *Store) openV1(raw []byte) []byte {
	header, nonce, sealed := raw[:headerLenV1], raw[headerLenV1:headerLenV1+nonceLenV1], raw[headerLenV1+nonceLenV1:]
	for _, k := range s.keysV1 {
		if header[1] != k.id {
			continue
		}
		if plain, err := k.aead.Open(make([]byte, 0, len(sealed)-tagLen), nonce, sealed, header); err == nil {
			return plain
		}
	}
	return nil
}

// Create returns the cookie value that carries rec. The key is ignored: a
// cookie session's key is its value. It fails if rec.Data is not a JSON
// object, or with an error wrapping ErrTooLarge if the value would be over
// MaxSize bytes.
func (s *Store) Create(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	return s.save(ctx, "create", rec)
}

// Update returns the cookie value that carries rec, as Create does. The
// previous value stays valid until it expires: nothing on the server can
// invalidate it.
func (s *Store) Update(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	return s.save(ctx, "update", rec)
}

// Delete does nothing and returns nil: the session lives in the client,
// which the Manager tells to delete the cookie. A copy of the value stays
// valid until it expires (see Revocation in the package documentation).
func (s *Store) Delete(ctx context.Context, key string) error {
	return ctx.Err()
}

func (s *Store) save(ctx context.Context, op string, rec sessionkit.Record) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := checkObject(rec.Data); err != nil {
		return "", fmt.Errorf("cookiestore: %s: %w", op, err)
	}

	var value string
	if s.django {
		value = s.signer.SignPayloadAt(rec.Data, len(rec.Data) >= sessionkit.CompressMin, s.clock(ctx))
	} else {
		value = s.seal(ctx, rec)
	}
	if len(value) > MaxSize {
		s.logger().WarnContext(ctx, "cookiestore: session too large for a cookie", "bytes", len(value), "limit", MaxSize, "data_bytes", len(rec.Data))
		return "", fmt.Errorf("cookiestore: %s: the session cookie would be %d bytes, over the %d bytes browsers keep: store less in the session (ids rather than whole objects) or use a server-side store: %w", op, len(value), MaxSize, ErrTooLarge)
	}
	return value, nil
}

// seal encrypts rec under SecretKey.
func (s *Store) seal(ctx context.Context, rec sessionkit.Record) string {
	now := s.clock(ctx)
	// Load caps the expiry at issued + MaxAge anyway; capping here also
	// keeps it within the range of Unix nanoseconds.
	longest := s.maxAge
	if longest <= 0 {
		longest = sessionkit.MaxExpiry // no cap: the Manager's expiry
	}
	expiry, limit := rec.Expiry, now.Add(longest)
	if expiry.IsZero() {
		expiry = now.Add(cmp.Or(s.maxAge, DefaultMaxAge))
	}
	if expiry.After(limit) {
		expiry = limit
	}
	if expiry.Before(now.Add(-longest)) {
		expiry = now.Add(-longest) // long expired either way
	}
	k := s.keys[0]
	// One buffer: the plaintext is laid out where the ciphertext goes,
	// after the header and nonce, and sealed in place.
	buf := make([]byte, headerLen+nonceLen, headerLen+nonceLen+stampsLen+len(rec.Data)+tagLen)
	copy(buf, k.aad[:headerLen])
	nonce := buf[headerLen : headerLen+nonceLen]
	rand.Read(nonce)
	plain := binary.BigEndian.AppendUint64(buf[len(buf):], uint64(now.UnixNano()))
	plain = binary.BigEndian.AppendUint64(plain, uint64(expiry.UnixNano()))
	plain = append(plain, rec.Data...)
	raw := k.aead.seal(buf, nonce, plain, k.aad)
	return b64.EncodeToString(raw)
}

// checkObject reports why data is not a JSON object, if it is not. It
// looks only at the ends: that tells the JSON codec's output from the
// Django codec's (a signed token) without parsing, and accepts what Python
// writes beyond strict JSON (NaN, Infinity).
func checkObject(data []byte) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) >= 2 && trimmed[0] == '{' && trimmed[len(trimmed)-1] == '}' {
		return nil
	}
	start := data
	if len(start) > 16 {
		start = start[:16]
	}
	return fmt.Errorf("Record.Data is not a JSON object (it starts %q): the cookie holds the session itself, so the Manager must use the JSON codec (sessionkit.JSONCodec), not the Django codec", start)
}

// clock reads the store's own clock (Config.Now), else the one ctx
// carries (the Manager's, see sessionkit.WithClock), else time.Now.
func (s *Store) clock(ctx context.Context) time.Time {
	if s.now != nil {
		return s.now()
	}
	return sessionkit.Now(ctx)
}
