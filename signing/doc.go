// Package signing is Django's django.core.signing in Go: values, objects
// and session data signed here are accepted by a Django app with the same
// SECRET_KEY and salt, and the other way round, byte for byte.
//
// A Signer appends an HMAC to a string ("value:signature"); a
// TimestampSigner also signs the time ("value:timestamp:signature") so
// that Unsign can enforce a maximum age. SignObject and UnsignObject, and
// Dumps and Loads on top of them, carry a JSON value written by package
// pyjson exactly as Python writes it, optionally zlib-compressed:
//
//	[.]base64url(JSON or zlib(JSON)) ":" base62(unix time) ":" base64url(HMAC)
//
// The HMAC key is H(salt + "signer" + key), H the signer's algorithm
// (SHA-256 unless set otherwise), as Django's salted_hmac derives it.
// Verification tries Options.Key and then each of Options.FallbackKeys
// (Django's SECRET_KEY_FALLBACKS), so secrets can be rotated without
// invalidating what the old one signed.
//
// Every failure to verify is an error that matches ErrBadSignature with
// errors.Is; an expired signature also matches ErrSignatureExpired. A
// token whose signature verifies but whose content cannot be decoded
// (which only a holder of the key can produce) matches ErrMalformed.
// Nothing is decoded before the signature has been verified, and
// decompression is capped (Options.MaxDecompressedSize) so that a
// compressed payload cannot exhaust memory.
//
// Signers are safe for concurrent use. Create one per key and salt and
// keep it: NewSigner derives the HMAC keys once, and Sign and Unsign then
// reuse keyed HMAC states and allocate only their result.
package signing
