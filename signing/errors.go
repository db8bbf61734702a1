package signing

import "errors"

// Errors returned by this package, to be matched with errors.Is. The
// returned errors wrap them with the details.
var (
	// ErrBadSignature: the signature is missing or does not match under
	// any of the keys (Django's BadSignature). The value was signed with
	// another key or salt, or was tampered with.
	ErrBadSignature = errors.New("signing: bad signature")

	// ErrSignatureExpired: the signature matches but is older than the
	// maximum age (Django's SignatureExpired). It also matches
	// ErrBadSignature, as SignatureExpired is a BadSignature in Django.
	ErrSignatureExpired error = &childError{"signing: signature expired", ErrBadSignature}

	// ErrMalformed: the signature matches but what it signs cannot be
	// decoded: no timestamp, bad base64, bad zlib data, invalid JSON. Only a
	// holder of the key can make such a token. Django raises a ValueError
	// (or similar) here, which its session code treats like bad data.
	ErrMalformed = errors.New("signing: malformed payload")

	// ErrPayloadTooLarge: a compressed payload decompresses to more than
	// the signer's MaxDecompressedSize. It also matches ErrMalformed.
	ErrPayloadTooLarge error = &childError{"signing: decompressed payload too large", ErrMalformed}

	// ErrInvalidAlgorithm: the algorithm is not one this package knows
	// (Django's InvalidAlgorithm).
	ErrInvalidAlgorithm = errors.New("signing: invalid algorithm")

	// ErrUnsafeSeparator: the separator could occur inside a signature, so
	// values could not be split safely (Django's "Unsafe Signer separator").
	ErrUnsafeSeparator = errors.New("signing: unsafe separator")

	// ErrEmptyKey: no secret key was given, or one of the fallback keys is
	// empty.
	ErrEmptyKey = errors.New("signing: empty key")
)

// childError is a sentinel error that also matches a more general one.
type childError struct {
	msg    string
	parent error
}

func (e *childError) Error() string { return e.msg }
func (e *childError) Unwrap() error { return e.parent }
