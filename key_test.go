package sessionkit_test

import (
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
)

func TestNewKey(t *testing.T) {
	seen := make(map[string]bool)
	var counts [256]int
	for range 2000 {
		k := sessionkit.NewKey()
		if len(k) != 32 || !sessionkit.ValidKey(k) {
			t.Fatalf("NewKey() = %q: want 32 characters of [a-z0-9]", k)
		}
		if seen[k] {
			t.Fatalf("NewKey repeated %q", k)
		}
		seen[k] = true
		for i := range len(k) {
			counts[k[i]]++
		}
	}
	// 64000 characters over 36 letters: each about 1778; a letter that is
	// never or far too often drawn means a biased draw.
	for _, c := range "abcdefghijklmnopqrstuvwxyz0123456789" {
		if n := counts[c]; n < 1400 || n > 2200 {
			t.Errorf("character %q drawn %d times of 64000, want about 1778", c, n)
		}
	}
}

func TestValidKey(t *testing.T) {
	for k, want := range map[string]bool{
		"":                                     false,
		"1234567":                              false, // Django: shorter than 8 is no key
		"12345678":                             true,
		"abcdefghijklmnopqrstuvwxyz0123456789": true,
		strings.Repeat("a", 40):                true, // django_session.session_key is varchar(40)
		strings.Repeat("a", 41):                false,
		"ABCDEFGHIJ":                           false,
		"abcdefgh/../x":                        false,
		"abcdefgh\x00":                         false,
		"abcdéfghij":                           false,
	} {
		if got := sessionkit.ValidKey(k); got != want {
			t.Errorf("ValidKey(%q) = %v, want %v", k, got, want)
		}
	}
}

func TestKeyHash(t *testing.T) {
	// sha256("abc")
	if got := sessionkit.KeyHash("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("KeyHash(abc) = %s", got)
	}
}
