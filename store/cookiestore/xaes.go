package cookiestore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"errors"
)

// xaes is XAES-256-GCM (c2sp.org/XAES-256-GCM): AES-256-GCM under a key
// derived, for each message, from the input key and the first half of a
// 192-bit nonce with a NIST SP 800-108r1 counter KDF over AES-256-CMAC. Its
// nonces can be drawn at random for practically any number of messages
// (2⁸⁰ with a collision chance of 2⁻³²), where AES-GCM's 96-bit random
// nonces allow about 2³² per key.
type xaes struct {
	block cipher.Block
	k1    [aes.BlockSize]byte // CMAC's first subkey
}

const (
	xaesNonceSize = 24
	xaesOverhead  = 16 // GCM's tag
)

// newXAES returns XAES-256-GCM under a 32-byte key.
func newXAES(key []byte) (*xaes, error) {
	if len(key) != 32 {
		return nil, errors.New("cookiestore: XAES-256-GCM takes a 32-byte key")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	x := &xaes{block: block}
	// K1 = L << 1, reduced by the polynomial when L's top bit was set,
	// where L = AES-256(K, 0¹²⁸).
	block.Encrypt(x.k1[:], x.k1[:])
	msb := x.k1[0] >> 7
	for i := range len(x.k1) - 1 {
		x.k1[i] = x.k1[i]<<1 | x.k1[i+1]>>7
	}
	x.k1[len(x.k1)-1] = x.k1[len(x.k1)-1]<<1 ^ msb*0b10000111
	return x, nil
}

// gcm returns AES-256-GCM under the key derived for nonce (24 bytes):
// AES(K, M1 ⊕ K1) ‖ AES(K, M2 ⊕ K1), Mi = 0x00 ‖ i ‖ "X" ‖ 0x00 ‖ nonce[:12].
func (x *xaes) gcm(nonce []byte) (cipher.AEAD, error) {
	var key [32]byte
	for i := range 2 {
		m := [aes.BlockSize]byte{0, byte(i + 1), 'X', 0}
		copy(m[4:], nonce[:12])
		subtle.XORBytes(m[:], m[:], x.k1[:])
		x.block.Encrypt(key[16*i:], m[:])
	}
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal appends the encryption of plaintext, and its tag, to dst.
// plaintext and dst may overlap exactly, as cipher.AEAD's Seal allows.
func (x *xaes) seal(dst, nonce, plaintext, aad []byte) []byte {
	g, err := x.gcm(nonce)
	if err != nil {
		panic("cookiestore: " + err.Error()) // a 32-byte key always works
	}
	return g.Seal(dst, nonce[12:], plaintext, aad)
}

// open appends the decryption of ciphertext to dst, or fails if it is not
// authentic. When dst does not overlap ciphertext, a failed open leaves
// ciphertext as it was, so that another key can try it.
func (x *xaes) open(dst, nonce, ciphertext, aad []byte) ([]byte, error) {
	g, err := x.gcm(nonce)
	if err != nil {
		return nil, err
	}
	return g.Open(dst, nonce[12:], ciphertext, aad)
}
