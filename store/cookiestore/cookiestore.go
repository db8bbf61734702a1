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
// Without Config.Django the session is sealed with AES-256-GCM under a key
// derived from Config.SecretKey with HKDF-SHA256 and a label naming this
// use, so the client can neither read nor alter it. The cookie value is
// base64url without padding of
//
//	version (1 byte) | key id (1 byte) | nonce (12 bytes) | sealed(issued, expiry, data) | tag (16 bytes)
//
// with a fresh random nonce per value and the version and key id
// authenticated too. Record.Expiry is sealed inside and enforced by Load,
// unlike Django; so is Config.MaxAge, counted from when the value was
// issued, which bounds the life of any cookie whatever expiry the session
// asked for. The key id, derived from the secret, lets Load pick the key
// among Config.FallbackKeys without trial decryption. The data is not
// compressed: compressing secrets next to attacker-chosen data before
// encryption leaks them through the length (CRIME, BREACH). A single key
// must not seal more than about 2³² values (the limit of random 96-bit
// nonces): rotate it long before.
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
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/sessionkit/sessionkit/cookies"
	"log/slog"
	"strings"
	"time"

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
	sealLabel  = "sessionkit/cookiestore v1: AES-256-GCM session cookie"
	keyIDLabel = "sessionkit/cookiestore v1: key id"
)

// Native format: version, key id, then GCM's nonce, ciphertext and tag
// around two timestamps and the data.
const (
	version    = 1
	headerLen  = 2
	nonceLen   = 12
	tagLen     = 16
	stampsLen  = 16
	minNative  = headerLen + nonceLen + stampsLen + tagLen
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

	// MaxAge is the longest a cookie value is accepted after it was issued:
	// Django's SESSION_COOKIE_AGE, and it should equal the Manager's cookie
	// age. Default: DefaultMaxAge (two weeks).
	MaxAge time.Duration

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
	keys   []sealKey                // native mode: SecretKey, then FallbackKeys
}

// sealKey is one secret's AEAD and key id.
type sealKey struct {
	id   byte
	aead cipher.AEAD
}

var (
	_ sessionkit.Store        = (*Store)(nil)
	_ sessionkit.KeyValidator = (*Store)(nil)
	_ sessionkit.KeyGenerator = (*Store)(nil)
)

// New returns a Store for cfg. It fails if cfg.SecretKey or one of
// cfg.FallbackKeys is empty, or cfg.MaxAge is negative.
func New(cfg Config) (*Store, error) {
	if cfg.SecretKey == "" {
		return nil, errors.New("cookiestore: Config.SecretKey is empty: set it to Django's SECRET_KEY, or to a long random secret")
	}
	for i, k := range cfg.FallbackKeys {
		if k == "" {
			return nil, fmt.Errorf("cookiestore: Config.FallbackKeys[%d] is empty: remove it", i)
		}
	}
	s := &Store{django: cfg.Django, maxAge: cfg.MaxAge, now: cfg.Now, log: cfg.Logger}
	if s.maxAge == 0 {
		s.maxAge = DefaultMaxAge
	}
	if s.maxAge < 0 {
		return nil, fmt.Errorf("cookiestore: Config.MaxAge is negative (%v): use a positive age, or zero for two weeks", s.maxAge)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.django {
		signer, err := signing.NewTimestampSigner(signing.Options{
			Key:          cfg.SecretKey,
			FallbackKeys: cfg.FallbackKeys,
			Salt:         DjangoSalt,
			Now:          s.now,
		})
		if err != nil {
			return nil, fmt.Errorf("cookiestore: %w", err)
		}
		s.signer = signer
		return s, nil
	}
	for _, secret := range append([]string{cfg.SecretKey}, cfg.FallbackKeys...) {
		k, err := newSealKey(secret)
		if err != nil {
			return nil, fmt.Errorf("cookiestore: %w", err)
		}
		s.keys = append(s.keys, k)
	}
	return s, nil
}

func newSealKey(secret string) (sealKey, error) {
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, sealLabel, 32)
	if err != nil {
		return sealKey{}, err
	}
	id, err := hkdf.Key(sha256.New, []byte(secret), nil, keyIDLabel, 1)
	if err != nil {
		return sealKey{}, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return sealKey{}, err
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return sealKey{}, err
	}
	return sealKey{id: id[0], aead: aead}, nil
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
	data, err := s.signer.UnsignPayload(value, s.maxAge)
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
	if err != nil || b64.EncodedLen(len(raw)) != len(value) || len(raw) < minNative || raw[0] != version {
		if !s.ValidKey(value) {
			return sessionkit.Record{}, errInvalidValue
		}
		s.logger().WarnContext(ctx, "cookiestore: rejecting a malformed session cookie", "length", len(value))
		return sessionkit.Record{}, fmt.Errorf("cookiestore: load: malformed session cookie: %w", sessionkit.ErrNotFound)
	}
	var plain []byte
	opened := false
	for _, k := range s.keys {
		if k.id != raw[1] {
			continue
		}
		// Decrypt in place: raw is this call's own, and the data goes
		// to the caller.
		if plain, err = k.aead.Open(raw[headerLen:headerLen], nil, raw[headerLen:], raw[:headerLen]); err == nil {
			opened = true
			break
		}
	}
	if !opened {
		s.logger().WarnContext(ctx, "cookiestore: rejecting a session cookie that is not authentic", "length", len(value))
		return sessionkit.Record{}, fmt.Errorf("cookiestore: load: session cookie not authentic: %w", sessionkit.ErrNotFound)
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(plain[0:8])))
	expiry := time.Unix(0, int64(binary.BigEndian.Uint64(plain[8:16])))
	if limit := issued.Add(s.maxAge); limit.Before(expiry) {
		expiry = limit
	}
	if s.now().After(expiry) {
		return sessionkit.Record{}, fmt.Errorf("cookiestore: load: session cookie expired: %w", sessionkit.ErrNotFound)
	}
	return sessionkit.Record{Data: plain[stampsLen:], Expiry: expiry}, nil
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
		value = s.signer.SignPayload(rec.Data, len(rec.Data) >= sessionkit.CompressMin)
	} else {
		value = s.seal(rec)
	}
	if len(value) > MaxSize {
		s.logger().WarnContext(ctx, "cookiestore: session too large for a cookie", "bytes", len(value), "limit", MaxSize, "data_bytes", len(rec.Data))
		return "", fmt.Errorf("cookiestore: %s: the session cookie would be %d bytes, over the %d bytes browsers keep: store less in the session (ids rather than whole objects) or use a server-side store: %w", op, len(value), MaxSize, ErrTooLarge)
	}
	return value, nil
}

// seal encrypts rec under SecretKey.
func (s *Store) seal(rec sessionkit.Record) string {
	now := s.now()
	// Load caps the expiry at issued + MaxAge anyway; capping here also
	// keeps it within the range of Unix nanoseconds.
	expiry, limit := rec.Expiry, now.Add(s.maxAge)
	if expiry.IsZero() || expiry.After(limit) {
		expiry = limit
	}
	if expiry.Before(now.Add(-s.maxAge)) {
		expiry = now.Add(-s.maxAge) // long expired either way
	}
	k := s.keys[0]
	// One buffer: the plaintext is laid out where the ciphertext goes and
	// sealed in place.
	buf := make([]byte, headerLen, headerLen+nonceLen+stampsLen+len(rec.Data)+tagLen)
	buf[0], buf[1] = version, k.id
	plain := binary.BigEndian.AppendUint64(buf[headerLen:headerLen], uint64(now.UnixNano()))
	plain = binary.BigEndian.AppendUint64(plain, uint64(expiry.UnixNano()))
	plain = append(plain, rec.Data...)
	raw := k.aead.Seal(buf[:headerLen], nil, plain, buf[:headerLen])
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
