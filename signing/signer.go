package signing

import (
	"crypto/hmac"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"hash"
	"strings"
	"sync"
	"time"

	"github.com/sessionkit/sessionkit/pyjson"
)

// Defaults, as Django has them.
const (
	// DefaultSignerSalt is the salt of a Signer whose Options.Salt is "".
	DefaultSignerSalt = "django.core.signing.Signer"
	// DefaultTimestampSignerSalt is the salt of a TimestampSigner whose
	// Options.Salt is "".
	DefaultTimestampSignerSalt = "django.core.signing.TimestampSigner"
	// DefaultSalt is the salt of Dumps and Loads when they are given "".
	DefaultSalt = "django.core.signing"
	// DefaultSep separates the value, timestamp and signature.
	DefaultSep = ":"
	// DefaultAlgorithm is the hash of a signer whose Options.Algorithm is "".
	DefaultAlgorithm = "sha256"
	// DefaultMaxDecompressedSize is the largest payload, in bytes, that a
	// compressed token may expand to unless Options.MaxDecompressedSize
	// says otherwise. Django has no limit; sessions and cookies stay far
	// below it.
	DefaultMaxDecompressedSize = 1 << 20
)

// Options configure a Signer or TimestampSigner. Only Key is required.
type Options struct {
	// Key is the secret: Django's SECRET_KEY. Any bytes (a Go string holds
	// bytes, so Django's bytes keys work as well). Required.
	Key string
	// FallbackKeys are older secrets that are still accepted when
	// verifying, tried in order after Key: Django's SECRET_KEY_FALLBACKS.
	// Signing always uses Key. None may be empty: an empty key is public,
	// so anyone could sign with it, and NewSigner refuses it (splitting an
	// unset environment variable on commas gives one empty string).
	FallbackKeys []string
	// Salt separates the uses of one key; a value signed with one salt does
	// not verify with another. "" means DefaultSignerSalt for a Signer and
	// DefaultTimestampSignerSalt for a TimestampSigner, as in Django,
	// where an empty salt also means the class default.
	Salt string
	// Sep separates value, timestamp and signature. "" means ":". Like
	// Django, NewSigner rejects separators made only of the characters
	// that can occur in a signature or timestamp (Django's pattern
	// ^[A-z0-9-_=]*$, whose A-z range also covers [ \ ] ^ _ and `).
	Sep string
	// Algorithm is the hash, a hashlib name: sha256 (the default when ""),
	// sha1, sha512, sha224, sha384, md5, or sha3_224/256/384/512.
	Algorithm string
	// AcceptAlgorithms are further hashes whose signatures verify, under
	// Key and every fallback key, after those of Algorithm; they never
	// sign. Django 3.1 and 3.2 accept sha1 signatures whatever they sign
	// with (their Signer.legacy_algorithm): AcceptAlgorithms: ["sha1"]
	// reads what they write under DEFAULT_HASHING_ALGORITHM = "sha1".
	AcceptAlgorithms []string
	// Now returns the current time; nil means time.Now. A TimestampSigner
	// uses it to stamp and to check ages; tests can fix it.
	Now func() time.Time
	// MaxDecompressedSize caps the size, in bytes, of a compressed payload
	// once decompressed; larger payloads fail with ErrPayloadTooLarge.
	// Zero or negative means DefaultMaxDecompressedSize.
	MaxDecompressedSize int
}

// A Signer signs strings as Django's django.core.signing.Signer does:
// "value:signature". Make one with NewSigner (the zero Signer has no key
// and cannot be used). It is safe for concurrent use.
type Signer struct {
	sep    string
	sigLen int // length of an encoded signature
	keys   []*macKey
	// maxDecompressed caps decompressed payloads.
	maxDecompressed int
}

// NewSigner returns a Signer for o. It fails if o.Key or one of
// o.FallbackKeys is empty (ErrEmptyKey), o.Sep is unsafe or o.Algorithm
// unknown.
func NewSigner(o Options) (*Signer, error) {
	b, err := newSignerBlock(o, DefaultSignerSalt, false)
	if err != nil {
		return nil, err
	}
	return &b.s, nil
}

// signerBlock holds a signer, its main key and a TimestampSigner wrapper
// in one allocation, which matters to the one-shot Dumps and Loads.
type signerBlock struct {
	t    TimestampSigner
	s    Signer
	key  macKey
	keys [1]*macKey
	once macState // the main key's state, for a one-shot signer
}

// newSignerBlock builds a signer. A oneShot signer, made by Dumps and Loads
// for a single call, keeps no pool of HMAC states: a new sync.Pool costs
// more on its first use than the state it would save.
func newSignerBlock(o Options, defaultSalt string, oneShot bool) (*signerBlock, error) {
	if o.Key == "" {
		return nil, fmt.Errorf("%w: set Options.Key to the secret (Django's SECRET_KEY)", ErrEmptyKey)
	}
	if err := checkFallbackKeys(o.FallbackKeys); err != nil {
		return nil, err
	}
	sep := o.Sep
	if sep == "" {
		sep = DefaultSep
	}
	if err := checkSep(sep); err != nil {
		return nil, err
	}
	alg := o.Algorithm
	if alg == "" {
		alg = DefaultAlgorithm
	}
	newHash, err := hashFunc(alg)
	if err != nil {
		return nil, err
	}
	salt := o.Salt
	if salt == "" {
		salt = defaultSalt
	}
	b := new(signerBlock)
	s := &b.s
	s.sep = sep
	s.maxDecompressed = o.MaxDecompressedSize
	if s.maxDecompressed <= 0 {
		s.maxDecompressed = DefaultMaxDecompressedSize
	}
	var once *macState
	if oneShot {
		once = &b.once
	}
	b.key.init(newHash, salt, o.Key, once)
	s.sigLen = base64.RawURLEncoding.EncodedLen(b.key.size())
	if len(o.FallbackKeys) == 0 && len(o.AcceptAlgorithms) == 0 {
		b.keys[0] = &b.key
		s.keys = b.keys[:]
		return b, nil
	}
	s.keys = make([]*macKey, 1, (1+len(o.FallbackKeys))*(1+len(o.AcceptAlgorithms)))
	s.keys[0] = &b.key
	add := func(h func() hash.Hash, secret string) {
		k := new(macKey)
		if oneShot {
			once = new(macState)
		}
		k.init(h, salt, secret, once)
		s.keys = append(s.keys, k)
	}
	for _, k := range o.FallbackKeys {
		add(newHash, k)
	}
	for _, name := range o.AcceptAlgorithms {
		if name == alg {
			continue // already verified
		}
		h, err := hashFunc(name)
		if err != nil {
			return nil, err
		}
		add(h, o.Key)
		for _, k := range o.FallbackKeys {
			add(h, k)
		}
	}
	return b, nil
}

// checkFallbackKeys refuses an empty fallback key: a token signed with the
// empty key would verify, and anyone can make one.
func checkFallbackKeys(keys []string) error {
	for i, k := range keys {
		if k == "" {
			return fmt.Errorf("%w: FallbackKeys[%d] is empty (SECRET_KEY_FALLBACKS); remove it, or set it to the old SECRET_KEY", ErrEmptyKey, i)
		}
	}
	return nil
}

// checkSep rejects what Django's _SEP_UNSAFE.match(sep) matches:
// ^[A-z0-9-_=]*$, where Python's $ also matches before a final newline.
func checkSep(sep string) error {
	s := strings.TrimSuffix(sep, "\n")
	for i := range len(s) {
		c := s[i]
		if !(c >= 'A' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '=') {
			return nil
		}
	}
	return fmt.Errorf("%w: %q (cannot be empty or consist of only A-z0-9-_=)", ErrUnsafeSeparator, sep)
}

// macKey is one derived HMAC key. A long-lived signer keeps a pool of
// HMAC states keyed with it: hmac.New allocates, and Reset brings a state
// back to "keyed, nothing written" without allocating. A one-shot signer
// (Dumps, Loads) signs or verifies once per key, so it keeps a single
// state: a plain hash that first derives the key and then computes the
// HMAC by its definition (RFC 2104), because crypto/hmac's setup would
// cost more than the hashing.
type macKey struct {
	derived []byte     // the HMAC key; for a one-shot signer it is in once
	pool    *sync.Pool // of *macState
	once    *macState  // a one-shot signer's state
}

type macState struct {
	mac    hash.Hash // keyed HMAC; for a one-shot signer, the plain hash
	once   bool      // write and signature do the HMAC by hand
	key    []byte    // one-shot: the derived key, in keyBuf
	keyBuf [sha512.Size]byte
	sum    [sha512.Size]byte             // the largest digest
	enc    [(sha512.Size*8 + 5) / 6]byte // its base64
	cand   [(sha512.Size*8 + 5) / 6]byte // the signature being checked
	chunk  [256]byte                     // strings are copied here to be hashed; also the HMAC pads
}

// init derives the key H(salt ‖ "signer" ‖ secret) for a signer; a
// one-shot signer passes the state to keep it in.
func (k *macKey) init(newHash func() hash.Hash, salt, secret string, once *macState) {
	if once != nil {
		st := once
		st.mac, st.once = newHash(), true
		st.write(salt)
		st.write("signer")
		st.write(secret)
		st.key = st.mac.Sum(st.keyBuf[:0])
		k.once = st
		return
	}
	k.derived = deriveKey(newHash, salt, "signer", secret)
	k.pool = &sync.Pool{New: func() any { return &macState{mac: hmac.New(newHash, k.derived)} }}
}

// size is the length of the HMAC, the length of the hash.
func (k *macKey) size() int {
	if k.once != nil {
		return len(k.once.key)
	}
	return len(k.derived)
}

// begin returns a state ready to hash a message; end gives it back.
func (k *macKey) begin() *macState {
	if st := k.once; st != nil {
		st.pad(0x36) // the inner hash starts with key ⊕ ipad
		return st
	}
	st := k.pool.Get().(*macState)
	st.mac.Reset()
	return st
}

func (k *macKey) end(st *macState) {
	if k.pool != nil {
		k.pool.Put(st)
	}
}

// pad restarts the plain hash with the key ⊕ pad, padded to a block, as
// RFC 2104 does. The key is a digest, always shorter than a block.
func (st *macState) pad(pad byte) {
	block := st.chunk[:st.mac.BlockSize()]
	clear(block)
	copy(block, st.key)
	for i := range block {
		block[i] ^= pad
	}
	st.mac.Reset()
	st.mac.Write(block)
}

// write hashes s. Strings are copied through a fixed buffer because
// hash.Hash takes []byte, and converting would allocate.
func (st *macState) write(s string) {
	for len(s) > 0 {
		n := copy(st.chunk[:], s)
		st.mac.Write(st.chunk[:n])
		s = s[n:]
	}
}

// signature returns the base64 signature of what was written, inside st.
func (st *macState) signature() []byte {
	sum := st.mac.Sum(st.sum[:0])
	if st.once { // HMAC = H(key ⊕ opad ‖ H(key ⊕ ipad ‖ message))
		st.pad(0x5c)
		st.mac.Write(sum)
		sum = st.mac.Sum(st.sum[:0])
	}
	return base64.RawURLEncoding.AppendEncode(st.enc[:0], sum)
}

// writeSignature appends the signature of msg under the signing key.
func (s *Signer) writeSignature(b *strings.Builder, msg string) {
	k := s.keys[0]
	st := k.begin()
	st.write(msg)
	b.Write(st.signature())
	k.end(st)
}

// verify reports whether sig is the signature of msg under any key. Each
// comparison takes constant time; the keys are tried in order, as Django
// does.
func (s *Signer) verify(msg, sig string) bool {
	for _, k := range s.keys {
		st := k.begin()
		st.write(msg)
		want := st.signature()
		ok := len(sig) == len(want) && subtle.ConstantTimeCompare(want, append(st.cand[:0], sig...)) == 1
		k.end(st)
		if ok {
			return true
		}
	}
	return false
}

// Signature returns the signature of value alone: base64 of the HMAC of
// value under the key, Django's Signer.signature.
func (s *Signer) Signature(value string) string {
	var b strings.Builder
	b.Grow(s.sigLen)
	s.writeSignature(&b, value)
	return b.String()
}

// Sign returns value, the separator and the signature of value.
func (s *Signer) Sign(value string) string {
	var b strings.Builder
	b.Grow(len(value) + len(s.sep) + s.sigLen)
	b.WriteString(value)
	return s.finish(&b, nil)
}

// finish completes a token whose value is in b: it appends the timestamp
// (if ts is not nil), then the separator and the signature of everything
// before it. b must have room for all of it, so that the string read from
// b before the signature is written stays where it is.
func (s *Signer) finish(b *strings.Builder, ts []byte) string {
	if ts != nil {
		b.WriteString(s.sep)
		b.Write(ts)
	}
	signed := b.String()
	b.WriteString(s.sep)
	s.writeSignature(b, signed)
	return b.String()
}

// Unsign verifies signed and returns the value before the last separator.
// It fails with an error matching ErrBadSignature if there is no separator
// or the signature matches none of the keys.
func (s *Signer) Unsign(signed string) (string, error) {
	i := strings.LastIndex(signed, s.sep)
	if i < 0 {
		return "", fmt.Errorf("%w: no %q found in value", ErrBadSignature, s.sep)
	}
	value, sig := signed[:i], signed[i+len(s.sep):]
	if !s.verify(value, sig) {
		if len(sig) > 100 {
			sig = sig[:100] + "..."
		}
		return "", fmt.Errorf("%w: signature %q does not match (signed with another key or salt, or altered)", ErrBadSignature, sig)
	}
	return value, nil
}

// SignObject signs the JSON of obj (as pyjson.Marshal writes it, which is
// what Python writes). If compress is true and zlib saves at least two
// bytes, the JSON is compressed and the payload marked with a leading ".",
// as Django's sign_object does.
func (s *Signer) SignObject(obj any, compress bool) (string, error) {
	buf := getScratch()
	defer putScratch(buf)
	data, err := pyjson.AppendMarshal(buf.b[:0], obj)
	buf.b = data
	if err != nil {
		return "", err
	}
	return s.signPayload(data, compress, nil), nil
}

// UnsignObject verifies token and decodes the object it carries, with
// pyjson.UnmarshalOrdered (JSON objects become *pyjson.Object).
func (s *Signer) UnsignObject(token string) (any, error) {
	payload, err := s.Unsign(token)
	if err != nil {
		return nil, err
	}
	return s.decodeObject(payload)
}

// SignPayload signs data, which the caller has serialized, in the format
// of SignObject: "[.]base64(data or zlib(data)):signature".
func (s *Signer) SignPayload(data []byte, compress bool) string {
	return s.signPayload(data, compress, nil)
}

// UnsignPayload verifies a token made by SignPayload or SignObject and
// returns the bytes it carries, decompressed.
func (s *Signer) UnsignPayload(token string) ([]byte, error) {
	payload, err := s.Unsign(token)
	if err != nil {
		return nil, err
	}
	return s.decodePayload(nil, payload)
}

// signPayload builds "[.]b64(body)[:ts]:sig" in a single allocation.
func (s *Signer) signPayload(data []byte, compress bool, ts []byte) string {
	body, z := data, (*zbuf)(nil)
	if compress {
		if z = compressIfSmaller(data); z != nil {
			body = z.Bytes()
		}
	}
	n := base64.RawURLEncoding.EncodedLen(len(body)) + len(s.sep) + s.sigLen
	if z != nil {
		n++
	}
	if ts != nil {
		n += len(s.sep) + len(ts)
	}
	var b strings.Builder
	b.Grow(n)
	if z != nil {
		b.WriteByte('.')
	}
	writeB64(&b, body)
	if z != nil {
		putZbuf(z)
	}
	return s.finish(&b, ts)
}

// writeB64 base64-encodes data into b through a stack buffer.
func writeB64(b *strings.Builder, data []byte) {
	var buf [512]byte
	const chunk = 384 // a multiple of 3, so chunks encode independently
	for len(data) > 0 {
		n := min(len(data), chunk)
		b.Write(base64.RawURLEncoding.AppendEncode(buf[:0], data[:n]))
		data = data[n:]
	}
}

// decodePayload appends the bytes that payload (the verified part of a
// token before the timestamp) stands for to dst.
func (s *Signer) decodePayload(dst []byte, payload string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(payload, "."); ok {
		return decompressB64(dst, rest, s.maxDecompressed)
	}
	return appendB64Decode(dst, payload)
}

// decodeObject decodes the JSON that payload carries.
func (s *Signer) decodeObject(payload string) (any, error) {
	buf := getScratch()
	defer putScratch(buf)
	data, err := s.decodePayload(buf.b[:0], payload)
	buf.b = data
	if err != nil {
		return nil, err
	}
	v, err := pyjson.UnmarshalOrdered(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return v, nil
}
