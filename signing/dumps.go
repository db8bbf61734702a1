package signing

import "time"

// Dumps is Django's signing.dumps: it returns a URL-safe token carrying the
// JSON of obj, timestamped and signed with key and salt ("" means
// DefaultSalt, "django.core.signing"), compressed if compress is true and
// that makes it shorter. Django's signing.loads with the same key and salt
// returns obj.
//
// Dumps derives the HMAC key on every call; when signing many values with
// one key, make a TimestampSigner once and call its SignObject.
func Dumps(obj any, key, salt string, compress bool) (string, error) {
	if salt == "" {
		salt = DefaultSalt
	}
	t, err := newTimestampSigner(Options{Key: key, Salt: salt}, true)
	if err != nil {
		return "", err
	}
	return t.SignObject(obj, compress)
}

// Loads is Django's signing.loads: it verifies token under key or any of
// fallbackKeys with salt ("" means DefaultSalt), rejects it if it is older
// than maxAge (NoMaxAge: no age check, Django's max_age=None; see
// TimestampSigner.Unsign), and returns the value it carries, decoded by
// pyjson.UnmarshalOrdered (objects become *pyjson.Object). It fails with
// ErrEmptyKey if key or one of fallbackKeys is empty.
//
// Loads derives the HMAC keys on every call; when verifying many tokens,
// make a TimestampSigner once and call its UnsignObject.
func Loads(token, key, salt string, maxAge time.Duration, fallbackKeys ...string) (any, error) {
	if salt == "" {
		salt = DefaultSalt
	}
	t, err := newTimestampSigner(Options{Key: key, Salt: salt, FallbackKeys: fallbackKeys}, true)
	if err != nil {
		return nil, err
	}
	return t.UnsignObject(token, maxAge)
}
