package signing

import (
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

// One-shot signers (Dumps, Loads) compute HMAC by its definition on a
// plain hash; they must agree with crypto/hmac (pooled signers and
// SaltedHMAC) for every algorithm, and for keys, salts and messages that
// cross the hash block size and the 256-byte copy buffer.
func TestOneShotHMACMatchesCryptoHMAC(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	randString := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return string(b)
	}
	algs := []string{"sha1", "sha224", "sha256", "sha384", "sha512", "md5", "sha3_224", "sha3_256", "sha3_384", "sha3_512"}
	lengths := []int{0, 1, 55, 56, 63, 64, 65, 127, 128, 129, 135, 136, 137, 255, 256, 257, 700}
	for _, alg := range algs {
		for _, n := range lengths {
			key, salt, msg := randString(1+r.IntN(300)), randString(r.IntN(300)), randString(n)
			o := Options{Key: key, Salt: salt, Algorithm: alg}
			once, err := newSignerBlock(o, DefaultSignerSalt, true)
			if err != nil {
				t.Fatal(err)
			}
			pooled, err := newSignerBlock(o, DefaultSignerSalt, false)
			if err != nil {
				t.Fatal(err)
			}
			mac, err := SaltedHMAC(salt+"signer", msg, key, alg)
			if err != nil {
				t.Fatal(err)
			}
			want := base64.RawURLEncoding.EncodeToString(mac)
			for i := range 2 { // a one-shot state must also be reusable
				if got := once.s.Signature(msg); got != want {
					t.Fatalf("%s, %d-byte message, use %d: one-shot %s, crypto/hmac %s", alg, n, i, got, want)
				}
			}
			if got := pooled.s.Signature(msg); got != want {
				t.Fatalf("%s, %d-byte message: pooled %s, crypto/hmac %s", alg, n, got, want)
			}
			if !once.s.verify(msg, want) {
				t.Fatalf("%s: one-shot verify rejects the right signature", alg)
			}
			if bad := flipFirst(want); once.s.verify(msg, bad) {
				t.Fatalf("%s: one-shot verify accepts %s for %s", alg, bad, want)
			}
		}
	}
}

func flipFirst(sig string) string {
	c := byte('A')
	if sig[0] == 'A' {
		c = 'B'
	}
	return string(c) + sig[1:]
}
