package signing

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit/pyjson"
)

// A TimestampSigner signs strings with the time, as Django's
// TimestampSigner does: "value:timestamp:signature", the timestamp being
// the Unix time in whole seconds in base 62. Unsign can then reject
// signatures older than a maximum age. Make one with NewTimestampSigner;
// it is safe for concurrent use.
type TimestampSigner struct {
	s   *Signer
	now func() time.Time
}

// NewTimestampSigner returns a TimestampSigner for o. It fails if o.Key is
// empty, o.Sep is unsafe or o.Algorithm unknown.
func NewTimestampSigner(o Options) (*TimestampSigner, error) {
	return newTimestampSigner(o, false)
}

func newTimestampSigner(o Options, oneShot bool) (*TimestampSigner, error) {
	b, err := newSignerBlock(o, DefaultTimestampSignerSalt, oneShot)
	if err != nil {
		return nil, err
	}
	b.t.s, b.t.now = &b.s, o.Now
	if b.t.now == nil {
		b.t.now = time.Now
	}
	return &b.t, nil
}

// timestamp appends base62 of the current Unix time, truncated toward
// zero as Python's int(time.time()).
func (t *TimestampSigner) timestamp(dst []byte) []byte {
	return timestampAt(dst, t.now())
}

func timestampAt(dst []byte, now time.Time) []byte {
	sec := now.Unix()
	if sec < 0 && now.Nanosecond() > 0 {
		sec++ // Unix() floors; int() truncates
	}
	return appendB62(dst, sec)
}

// Sign returns value, the separator, the current timestamp, the separator
// and the signature of all that.
func (t *TimestampSigner) Sign(value string) string {
	var tsBuf [12]byte
	ts := t.timestamp(tsBuf[:0])
	var b strings.Builder
	b.Grow(len(value) + 2*len(t.s.sep) + len(ts) + t.s.sigLen)
	b.WriteString(value)
	return t.s.finish(&b, ts)
}

// unsign verifies signed and splits off the timestamp.
func (t *TimestampSigner) unsign(signed string) (value string, ts int64, err error) {
	v, err := t.s.Unsign(signed)
	if err != nil {
		return "", 0, err
	}
	i := strings.LastIndex(v, t.s.sep)
	if i < 0 {
		return "", 0, fmt.Errorf("%w: no timestamp in a value whose signature matches (was it made by a Signer rather than a TimestampSigner?)", ErrMalformed)
	}
	ts, err = B62Decode(v[i+len(t.s.sep):])
	if err != nil {
		return "", 0, fmt.Errorf("bad timestamp: %w", err)
	}
	return v[:i], ts, nil
}

// NoMaxAge, given as the maximum age, turns the age check off: Django's
// max_age=None. Every other value, zero and negative ones included, is a
// limit.
const NoMaxAge time.Duration = math.MaxInt64

// Unsign verifies signed and returns the value. A signature more than
// maxAge old fails with an error matching ErrSignatureExpired (and
// ErrBadSignature). As in Django, the age is the current time, with its
// fraction, minus the whole-second timestamp, and the signature expires
// when the age is strictly greater than maxAge; so a zero or negative
// maxAge rejects every signature made before now (Django's max_age=0).
// Pass NoMaxAge for no age check.
func (t *TimestampSigner) Unsign(signed string, maxAge time.Duration) (string, error) {
	v, ts, err := t.unsign(signed)
	if err != nil {
		return "", err
	}
	if err := t.checkAge(ts, maxAge); err != nil {
		return "", err
	}
	return v, nil
}

func (t *TimestampSigner) checkAge(ts int64, maxAge time.Duration) error {
	if maxAge == NoMaxAge {
		return nil
	}
	return checkAgeAt(ts, maxAge, t.now())
}

func checkAgeAt(ts int64, maxAge time.Duration, now time.Time) error {
	if maxAge == NoMaxAge {
		return nil
	}
	// Sub saturates instead of overflowing for absurd timestamps.
	if age := now.Sub(time.Unix(ts, 0)); age > maxAge {
		return fmt.Errorf("%w: signature age %s > %s", ErrSignatureExpired, age.Round(time.Microsecond), maxAge)
	}
	return nil
}

// Timestamp verifies signed and returns when it was signed, to the second.
func (t *TimestampSigner) Timestamp(signed string) (time.Time, error) {
	_, ts, err := t.unsign(signed)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(ts, 0), nil
}

// SignObject signs the JSON of obj with a timestamp, as Django's
// dumps does (see Signer.SignObject for compress).
func (t *TimestampSigner) SignObject(obj any, compress bool) (string, error) {
	buf := getScratch()
	defer putScratch(buf)
	data, err := pyjson.AppendMarshal(buf.b[:0], obj)
	buf.b = data
	if err != nil {
		return "", err
	}
	return t.SignPayload(data, compress), nil
}

// UnsignObject verifies token, checks its age as Unsign does, and decodes
// the object it carries with pyjson.UnmarshalOrdered (JSON objects become
// *pyjson.Object).
func (t *TimestampSigner) UnsignObject(token string, maxAge time.Duration) (any, error) {
	payload, err := t.Unsign(token, maxAge)
	if err != nil {
		return nil, err
	}
	return t.s.decodeObject(payload)
}

// SignPayload signs data, which the caller has serialized (the session
// codec does), in the format of SignObject:
// "[.]base64(data or zlib(data)):timestamp:signature". With compress, the
// zlib form is used only if it is at least two bytes shorter, marked by
// the leading ".".
func (t *TimestampSigner) SignPayload(data []byte, compress bool) string {
	var tsBuf [12]byte
	return t.s.signPayload(data, compress, t.timestamp(tsBuf[:0]))
}

// UnsignPayload verifies a token made by SignPayload, SignObject or
// Django's dumps, checks its age as Unsign does, and returns the bytes it
// carries, decompressed. Errors match ErrBadSignature when the token is
// not authentic (Django logs "Session data corrupted" for those) and
// ErrMalformed when it is authentic but undecodable.
func (t *TimestampSigner) UnsignPayload(token string, maxAge time.Duration) ([]byte, error) {
	payload, err := t.Unsign(token, maxAge)
	if err != nil {
		return nil, err
	}
	return t.s.decodePayload(nil, payload)
}

// SignPayloadAt is SignPayload with the timestamp of now instead of the
// signer's clock, for callers that carry a clock of their own.
func (t *TimestampSigner) SignPayloadAt(data []byte, compress bool, now time.Time) string {
	var tsBuf [12]byte
	return t.s.signPayload(data, compress, timestampAt(tsBuf[:0], now))
}

// UnsignPayloadAt is UnsignPayload with the age measured at now instead
// of by the signer's clock.
func (t *TimestampSigner) UnsignPayloadAt(token string, maxAge time.Duration, now time.Time) ([]byte, error) {
	v, ts, err := t.unsign(token)
	if err != nil {
		return nil, err
	}
	if err := checkAgeAt(ts, maxAge, now); err != nil {
		return nil, err
	}
	return t.s.decodePayload(nil, v)
}
