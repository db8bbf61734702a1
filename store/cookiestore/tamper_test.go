package cookiestore

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
)

// TestTampering flips 10,000 random single bits of valid cookie values,
// and cuts them at every length: Load must accept none of the results.
func TestTampering(t *testing.T) {
	modes(t, func(t *testing.T, django bool) {
		s := mustNew(t, Config{Django: django, FallbackKeys: []string{oldSecret}})
		rng := rand.New(rand.NewPCG(1, 2))
		var values []string
		for _, data := range []string{
			`{}`,
			`{"foo":"bar"}`,
			`{"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend","_auth_user_hash":"0000000000000000000000000000000000000000000000000000000000000000"}`,
			`{"blob":"abcdefghabcdefghabcdefghabcdefghabcdefghabcdefghabcdefghabcdefgh"}`, // compressed in Django mode
		} {
			v, err := s.Create(t.Context(), "", sessionkit.Record{Data: []byte(data), Expiry: time.Now().Add(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Load(t.Context(), v); err != nil {
				t.Fatalf("Load of an untouched value: %v", err)
			}
			values = append(values, v)
		}
		const flips = 10000
		for i := range flips {
			v := []byte(values[i%len(values)])
			pos, bit := rng.IntN(len(v)), rng.IntN(8)
			v[pos] ^= 1 << bit
			if rec, err := s.Load(t.Context(), string(v)); !errors.Is(err, sessionkit.ErrNotFound) {
				t.Fatalf("flipping bit %d of byte %d of %q gave %q, accepted as %q (%v)", bit, pos, values[i%len(values)], v, rec.Data, err)
			}
		}
		cuts := 0
		for _, v := range values {
			for n := range len(v) {
				cuts++
				if rec, err := s.Load(t.Context(), v[:n]); !errors.Is(err, sessionkit.ErrNotFound) {
					t.Fatalf("%q cut to %d bytes was accepted as %q (%v)", v, n, rec.Data, err)
				}
				if rec, err := s.Load(t.Context(), v[n+1:]); n+1 < len(v) && !errors.Is(err, sessionkit.ErrNotFound) {
					t.Fatalf("%q without its first %d bytes was accepted as %q (%v)", v, n+1, rec.Data, err)
				}
			}
		}
		t.Logf("%d bit flips and %d truncations, none accepted", flips, cuts)
	})
}
