package cookiestore

import (
	"log/slog"
	"testing"
	"time"
)

// fuzzNow is the fuzz stores' fixed clock: the seeds below were made at
// that instant, expire an hour later, and so stay valid for it.
var fuzzNow = time.Unix(1800000000, 0)

// authentic are cookie values made by this package with the test secrets
// at fuzzNow (the native ones hold a random nonce, so they are written
// down rather than made at each run: the fuzzing workers must agree on
// them). They are the only values the fuzz stores may accept.
var authentic = []string{
	"AUyQtonTLCdQK6LHUrTdEjnfTNk5GVbeajEEzu1UHmqNIzVx4ULCjfe2Hd65e7CZ",
	"AUwlxVSX5VMPmPZJaYAhPOYA9TxoOwdPtaqi7WK3wsbnouSTA57ELK4XLsIbRQ0qCP3Xf7dK7p7jBZI",
	"AUxCojDsvRx4PkLq8StYwKoKItxvsx3a9P7BSZJUj6JcU2yw2Tbl-gcwhdEzNA6YuzE36R45gXRUv87gJ0eeTmJM0CCspu2XCgyr66a8kAeBPeExZ0ym6ruDH8bNQCpa7g",
	"AcWorUkcBgJlLTkj7E3gu7ml7nWx6yKJQqv4IzRco49zgazBIJnCqJ3VGBP2vzgll1RBNZ1yTg", // oldSecret
	"e30:1xocE4:v_hOSW9djin9LVzxdiQ2E-zyBJJiMiSCiKVZDgh52Wc",
	"eyJmb28iOiJiYXIifQ:1xocE4:Nl2LYbtDlEaomA6WBa-C0iW0opGjood2sBabD0FrZiE",
	".eJyqVkrKyU9SslJKTEpOSU1LzyBEK9UCAgAA___jTxMO:1xocE4:Ax8vYaE4o48PScNaXTLeE-aAbJGH2gzLskrMuiSljFs",
}

// FuzzCookieLoad feeds arbitrary cookie values to Load in both modes. It
// must never panic, and must accept no value but the authentic ones:
// anything else accepted would be a forgery.
func FuzzCookieLoad(f *testing.F) {
	clock := func() time.Time { return fuzzNow }
	quiet := slog.New(slog.DiscardHandler)
	native, err := New(Config{SecretKey: secret, FallbackKeys: []string{oldSecret}, Now: clock, Logger: quiet})
	if err != nil {
		f.Fatal(err)
	}
	django, err := New(Config{SecretKey: secret, FallbackKeys: []string{oldSecret}, Django: true, Now: clock, Logger: quiet})
	if err != nil {
		f.Fatal(err)
	}
	known := make(map[string]bool)
	for _, v := range authentic {
		known[v] = true
		f.Add(v)
		_, nerr := native.Load(f.Context(), v)
		_, derr := django.Load(f.Context(), v)
		if (nerr == nil) == (derr == nil) {
			f.Fatalf("seed %q: native Load = %v, Django Load = %v; want exactly one to accept it (regenerate the seeds if the format changed)", v, nerr, derr)
		}
	}
	for _, v := range []string{"", "e30", "e30:1r31eq:", ".:a:b", ".eJw:1r31eq:p2VVWPQ8FBJKVb0MYSJLn73kAc66Fe3SStCz3uhSzqU", "AQ", "not-a-valid-signed-value"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, value string) {
		for _, s := range []*Store{native, django} {
			rec, err := s.Load(t.Context(), value)
			if err != nil {
				continue
			}
			if !known[value] {
				t.Fatalf("django=%v: Load accepted %q, which is not an authentic value, as %q", s.django, value, rec.Data)
			}
			if !s.ValidKey(value) {
				t.Fatalf("django=%v: Load accepted %q but ValidKey rejects it", s.django, value)
			}
		}
	})
}
