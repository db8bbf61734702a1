package fastzlib

import (
	"bytes"
	stdadler "hash/adler32"
	"math/rand/v2"
	"testing"
)

func TestAdler32(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	big := make([]byte, 3*5552+100)
	for i := range big {
		big[i] = byte(r.Uint32())
	}
	ones := bytes.Repeat([]byte{0xff}, len(big))
	for n := 0; n <= len(big); n++ {
		if n > 300 && n%97 != 0 && n%5552 > 16 {
			continue
		}
		for _, p := range [][]byte{big[:n], ones[:n]} {
			if got, want := adler32(p), stdadler.Checksum(p); got != want {
				t.Fatalf("adler32 of %d bytes: %#x, want %#x", n, got, want)
			}
		}
	}
	if got, want := adler32(bytes.Repeat([]byte{0xff}, 1<<20)), stdadler.Checksum(bytes.Repeat([]byte{0xff}, 1<<20)); got != want {
		t.Fatalf("adler32 of 1 MB of 0xff: %#x, want %#x", got, want)
	}
}
