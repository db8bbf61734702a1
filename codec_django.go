package sessionkit

import (
	"errors"
	"fmt"
	"sync"

	"github.com/sessionkit/sessionkit/pyjson"
	"github.com/sessionkit/sessionkit/signing"
)

// DjangoSessionSalt is the salt Django's db, file and cached_db engines sign
// session data with: "django.contrib.sessions." + the SessionStore class name.
const DjangoSessionSalt = "django.contrib.sessions.SessionStore"

// CompressMin is the size of session JSON from which the Django formats try
// zlib. Django tries it on every save and keeps it when it saves two bytes;
// below about half a kilobyte that saves a few bytes, while setting up a
// zlib stream costs several microseconds, more than the rest of a save.
// Django reads both forms.
const CompressMin = 512

// DjangoCodec encodes sessions exactly as Django's SessionBase.encode does:
// signing.dumps of the JSON with the session salt, compressed when that
// saves space. Its output is what Django keeps in django_session.session_data
// and in session files, so a Django app with the same SECRET_KEY reads it.
//
// A DjangoCodec must not be copied after first use.
type DjangoCodec struct {
	// SecretKey is Django's SECRET_KEY. Required.
	SecretKey string
	// FallbackKeys is Django's SECRET_KEY_FALLBACKS: old keys that are still
	// accepted when decoding. None may be empty: while one is, Encode and
	// Decode fail (and so decode nothing), since data signed with an empty
	// key could be made by anyone.
	FallbackKeys []string
	// Salt defaults to DjangoSessionSalt. A Django SessionStore subclass
	// with another class name uses "django.contrib.sessions." + its name.
	Salt string
	// Algorithm is Django 3.1 and 3.2's DEFAULT_HASHING_ALGORITHM. "" or
	// "sha256" writes the current format (signing.dumps, Django 3.1 and
	// later); "sha1" writes the format of Django before 3.1
	// (base64(sha1 hash ":" JSON), SessionBase._legacy_encode), which
	// Django 3.1 and 3.2 write under DEFAULT_HASHING_ALGORITHM = "sha1" and
	// read in either case, but Django 4.0 and later do not read at all.
	// Decode reads both formats, and tokens signed with sha1, whatever
	// Algorithm says, as Django 3.2 does.
	Algorithm string

	once   sync.Once
	legacy bool // write the pre-3.1 format
	signer *signing.TimestampSigner
	err    error
}

func (c *DjangoCodec) init() {
	c.once.Do(func() {
		if c.SecretKey == "" {
			c.err = errors.New("sessionkit: DjangoCodec.SecretKey is empty; set it to the Django app's SECRET_KEY")
			return
		}
		for i, k := range c.FallbackKeys {
			if k == "" {
				c.err = fmt.Errorf("sessionkit: DjangoCodec.FallbackKeys[%d] is empty (SECRET_KEY_FALLBACKS); remove it, or set it to the old SECRET_KEY: %w", i, signing.ErrEmptyKey)
				return
			}
		}
		switch c.Algorithm {
		case "", "sha256":
		case "sha1":
			c.legacy = true
		default:
			c.err = fmt.Errorf("sessionkit: DjangoCodec.Algorithm is %q; use \"sha256\" (the default) or \"sha1\" (DEFAULT_HASHING_ALGORITHM)", c.Algorithm)
			return
		}
		salt := c.Salt
		if salt == "" {
			salt = DjangoSessionSalt
		}
		c.signer, c.err = signing.NewTimestampSigner(signing.Options{
			Key: c.SecretKey, FallbackKeys: c.FallbackKeys, Salt: salt,
			AcceptAlgorithms:    []string{"sha1"},
			MaxDecompressedSize: MaxReadSize,
		})
	})
}

// Encode implements Codec.
func (c *DjangoCodec) Encode(data *pyjson.Object) ([]byte, error) {
	if c.init(); c.err != nil {
		return nil, c.err
	}
	js, err := JSONCodec{}.Encode(data) // at most MaxReadSize: it decompresses back
	if err != nil {
		return nil, err
	}
	if c.legacy {
		s, err := signing.EncodeLegacySession(js, c.legacySalt(), c.SecretKey)
		return []byte(s), err
	}
	return []byte(c.signer.SignPayload(js, len(js) >= CompressMin)), nil
}

// legacySalt is the key salt of the pre-3.1 format for c's salt.
func (c *DjangoCodec) legacySalt() string {
	if c.Salt == "" {
		return signing.LegacySessionKeySalt(DjangoSessionSalt)
	}
	return signing.LegacySessionKeySalt(c.Salt)
}

// Decode implements Codec. It fails for data signed with another key or
// salt, tampered with, or not a JSON object.
func (c *DjangoCodec) Decode(b []byte) (*pyjson.Object, error) {
	if c.init(); c.err != nil {
		return nil, c.err
	}
	if len(b) > MaxReadSize {
		return nil, fmt.Errorf("%w: the stored session is %d bytes, more than MaxReadSize (%d)", ErrTooLarge, len(b), MaxReadSize)
	}
	// Django's session decode has no age limit: the store's expiry rules.
	js, err := c.signer.UnsignPayload(string(b), signing.NoMaxAge)
	if errors.Is(err, signing.ErrPayloadTooLarge) {
		return nil, fmt.Errorf("%w: %w", ErrTooLarge, err)
	}
	if err != nil {
		// Django 3.1 and 3.2 then try the format of Django before 3.1.
		legacy, lerr := signing.DecodeLegacySession(string(b), c.legacySalt(), append([]string{c.SecretKey}, c.FallbackKeys...)...)
		if lerr != nil {
			return nil, fmt.Errorf("sessionkit: session data corrupted: %w", err)
		}
		js = legacy
	}
	return pyjson.DecodeObject(js)
}
