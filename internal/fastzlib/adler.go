package fastzlib

import "encoding/binary"

// adler32 returns the Adler-32 checksum of p (RFC 1950), like
// hash/adler32 but taking sixteen bytes per step with five multiplies
// instead of thirty-two dependent additions, which makes it much faster.
func adler32(p []byte) uint32 {
	const (
		mod = 65521
		// nmax is the most bytes that can be summed before s2 might
		// overflow 32 bits; a multiple of 16.
		nmax = 5552

		lanes = 0x00ff00ff00ff00ff // every other byte, in 16-bit lanes
		// Multiplying four 16-bit lanes by one of these adds them, with
		// weights, into the top lane. Over 16 bytes b0..b15, s1 gains
		// their sum and s2 gains 16*s1 plus 16*b0 + 15*b1 + ... + b15:
		// the weights below, for the even and odd bytes of each half.
		// Even with every byte 0xff no lane exceeds 16 bits, so none
		// carries into the next.
		ones  = 1 | 1<<16 | 1<<32 | 1<<48
		even1 = 10 | 12<<16 | 14<<32 | 16<<48 // b6, b4, b2, b0
		odd1  = 9 | 11<<16 | 13<<32 | 15<<48  // b7, b5, b3, b1
		even2 = 2 | 4<<16 | 6<<32 | 8<<48     // b14, b12, b10, b8
		odd2  = 1 | 3<<16 | 5<<32 | 7<<48     // b15, b13, b11, b9
	)
	s1, s2 := uint32(1), uint32(0)
	for len(p) > 0 {
		q := p[:min(len(p), nmax)]
		p = p[len(q):]
		for len(q) >= 16 {
			v := binary.LittleEndian.Uint64(q[:8])
			w := binary.LittleEndian.Uint64(q[8:16])
			ve, vo := v&lanes, v>>8&lanes
			we, wo := w&lanes, w>>8&lanes
			s2 += 16*s1 + uint32((ve*even1+vo*odd1+we*even2+wo*odd2)>>48)
			s1 += uint32(((ve + vo + we + wo) * ones) >> 48)
			q = q[16:]
		}
		for _, c := range q {
			s1 += uint32(c)
			s2 += s1
		}
		s1 %= mod
		s2 %= mod
	}
	return s2<<16 | s1
}
