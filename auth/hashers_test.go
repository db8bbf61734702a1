package auth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit/auth"
)

// Vectors made by Django 4.2's hashers (small work factors) and by
// argon2-cffi and Python's bcrypt as Django calls them.
func TestDjangoVectors(t *testing.T) {
	for _, c := range []struct{ password, encoded string }{
		{"lètmein", "pbkdf2_sha256$1000$seasalt$JgZryXe2Ga8ysg6XbzkLpTdyPQrHqsinbL9BnnhgX4A="},
		{"lètmein", "pbkdf2_sha1$1000$seasalt$ljleU4wBmTtz/MoG5YTwxpM0d7I="},
		{"lètmein", "md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3"},
		{"lètmein", "sha1$seasalt$cff36ea83f5706ce9aa7454e63e431fc726b2dc8"},
		{"lètmein", "88a434c88cca4e900f7874cd98123f43"},
		{"lètmein", "md5$$88a434c88cca4e900f7874cd98123f43"},
		{"lètmein", "sha1$$6d138ca3ae545631b3abd71a4f076ce759c5700b"},
		{"lètmein", "scrypt$1024$seasalt$8$1$+qO2jTkVUbPNlniTkHY96ldSJKs4U0WQif8UbWlfO3wJDNhKOg+pPtDckiT6Zw0qkEvKIQ1MdONfGxsWrpoiNg=="},
		{"lètmein", "argon2$argon2id$v=19$m=256,t=1,p=2$c2Vhc2FsdHNlYXNhbHQ$7N+i6x/Jc9fg0Jr7O9j2NA"},
		{"lètmein", "argon2$argon2i$v=19$m=256,t=1,p=2$c2Vhc2FsdHNlYXNhbHQ$8oN6JcIgSUgDQR9jNHEkKg"},
		{"lètmein", "bcrypt_sha256$$2b$04$abcdefghijklmnopqrstuulyx/yrfLnuLCi6gwFG5mrkJjuQKpL6S"},
		{"lètmein", "bcrypt$$2b$04$abcdefghijklmnopqrstuuanVo7Xut1CH8VGIGlz1JovQh9GJbbtG"},
	} {
		ok, err := auth.CheckPassword(c.password, c.encoded)
		if err != nil || !ok {
			t.Errorf("CheckPassword(%q, %q) = %v, %v", c.password, c.encoded, ok, err)
		}
		if ok, err := auth.CheckPassword("letmein", c.encoded); err != nil || ok {
			t.Errorf("CheckPassword of a wrong password, %q = %v, %v", c.encoded, ok, err)
		}
	}
}

func TestMakePassword(t *testing.T) {
	enc := auth.MakePassword("wonderland")
	if !strings.HasPrefix(enc, "pbkdf2_sha256$1000000$") || len(strings.Split(enc, "$")[2]) != 22 {
		t.Errorf("MakePassword = %q", enc)
	}
	if ok, err := auth.CheckPassword("wonderland", enc); !ok || err != nil {
		t.Errorf("CheckPassword of MakePassword: %v, %v", ok, err)
	}
	if a, b := auth.NewSalt(), auth.NewSalt(); a == b {
		t.Errorf("NewSalt twice: %q", a)
	}
}

func TestCheckPasswordRefuses(t *testing.T) {
	for _, enc := range []string{"", "!", "!abc"} {
		if ok, err := auth.CheckPassword("", enc); ok || err != nil {
			t.Errorf("unusable %q: %v, %v", enc, ok, err)
		}
	}
	for _, enc := range []string{
		"crypt$$abN3ghe1NdSGg",
		"pbkdf2_sha256$x$salt$hash",
		"pbkdf2_sha256$1000",
		"argon2$argon2d$v=19$m=256,t=1,p=2$c2FsdHNhbHQ$aGFzaGhhc2g",
		"argon2$argon2id$v=16$m=256,t=1,p=2$c2FsdHNhbHQ$aGFzaGhhc2g",
		"argon2$argon2id$m=256,t=1,p=2$c2FsdHNhbHQ$aGFzaGhhc2g",
		"argon2$argon2id$v=19$m=256,t=1,p=2,q=1$c2FsdHNhbHQ$aGFzaGhhc2g",
		"bcrypt_sha256$$2b$04$notavalidhash",
		"scrypt$16384$salt$8$x$hash",
		"scrypt$3$salt$8$1$hash",
		"md5$$",
		"custom$1$2",
	} {
		ok, err := auth.CheckPassword("x", enc)
		if ok || !errors.Is(err, auth.ErrUnknownHasher) || !strings.HasPrefix(err.Error(), "auth: ") {
			t.Errorf("CheckPassword(%q) = %v, %v; want ErrUnknownHasher", enc, ok, err)
		}
	}
}

func TestAlgorithm(t *testing.T) {
	for enc, want := range map[string]string{
		"pbkdf2_sha256$1$s$h":                            auth.PBKDF2SHA256,
		"5f3ba9c4ed5a6a9cddb5ca7dbba0bc71":               auth.UnsaltedMD5,
		"md5$$5f3ba9c4ed5a6a9cddb5ca7dbba0bc71":          auth.UnsaltedMD5,
		"md5$s$5f3ba9c4ed5a6a9cddb5ca7dbba0bc71":         auth.MD5,
		"sha1$$6d138ca3ae545631b3abd71a4f076ce759c5700b": auth.UnsaltedSHA1,
		"bcrypt$$2b$12$x":                                auth.BCrypt,
		"!x":                                             "",
	} {
		if got := auth.Algorithm(enc); got != want {
			t.Errorf("Algorithm(%q) = %q, want %q", enc, got, want)
		}
	}
}
