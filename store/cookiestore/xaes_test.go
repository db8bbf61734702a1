package cookiestore

import (
	"bytes"
	"crypto/sha3"
	"encoding/hex"
	"testing"
)

// The test vectors of c2sp.org/XAES-256-GCM.
func TestXAESVectors(t *testing.T) {
	for _, tc := range []struct {
		key, k1, plaintext, aad, ciphertext string
	}{
		{
			key:        "0101010101010101010101010101010101010101010101010101010101010101",
			k1:         "e531954aca063d5b8d9c47a47d4cc6f0",
			plaintext:  "XAES-256-GCM",
			ciphertext: "ce546ef63c9cc60765923609b33a9a1974e96e52daf2fcf7075e2271",
		},
		{ // MSB(L) = 1: K1 is reduced
			key:        "0303030303030303030303030303030303030303030303030303030303030303",
			k1:         "23810ec50edb99f374409466ed1f4b7b",
			plaintext:  "XAES-256-GCM",
			aad:        "c2sp.org/XAES-256-GCM",
			ciphertext: "986ec1832593df5443a179437fd083bf3fdb41abd740a21f71eb769d",
		},
	} {
		key, _ := hex.DecodeString(tc.key)
		want, _ := hex.DecodeString(tc.ciphertext)
		nonce := []byte("ABCDEFGHIJKLMNOPQRSTUVWX")
		x, err := newXAES(key)
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(x.k1[:]); got != tc.k1 {
			t.Errorf("key %s: K1 = %s, want %s", tc.key[:8], got, tc.k1)
		}
		got := x.seal(nil, nonce, []byte(tc.plaintext), []byte(tc.aad))
		if !bytes.Equal(got, want) {
			t.Errorf("key %s: seal = %x, want %x", tc.key[:8], got, want)
		}
		plain, err := x.open(nil, nonce, want, []byte(tc.aad))
		if err != nil || string(plain) != tc.plaintext {
			t.Errorf("key %s: open = %q, %v", tc.key[:8], plain, err)
		}
		if _, err := x.open(nil, nonce, want, []byte("other aad")); err == nil {
			t.Errorf("key %s: open with another AAD succeeded", tc.key[:8])
		}
	}
}

// The spec's accumulated randomized test: 10,000 (key, nonce, plaintext,
// AAD) drawn from SHAKE-128 of nothing, the ciphertexts hashed with another
// SHAKE-128.
func TestXAESAccumulated(t *testing.T) {
	const want = "e6b9edf2df6cec60c8cbd864e2211b597fb69a529160cd040d56c0c210081939"
	rng, h := sha3.NewSHAKE128(), sha3.NewSHAKE128()
	read := func(n int) []byte {
		b := make([]byte, n)
		rng.Read(b)
		return b
	}
	for range 10000 {
		key, nonce := read(32), read(24)
		plaintext := read(int(read(1)[0]))
		aad := read(int(read(1)[0]))
		x, err := newXAES(key)
		if err != nil {
			t.Fatal(err)
		}
		ct := x.seal(nil, nonce, plaintext, aad)
		if got, err := x.open(nil, nonce, ct, aad); err != nil || !bytes.Equal(got, plaintext) {
			t.Fatalf("open(seal(%x)) = %x, %v", plaintext, got, err)
		}
		h.Write(ct)
	}
	sum := make([]byte, 32)
	h.Read(sum)
	if got := hex.EncodeToString(sum); got != want {
		t.Errorf("accumulated hash = %s, want %s", got, want)
	}
}
