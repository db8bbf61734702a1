package signing_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit/signing"
)

func ExampleDumps() {
	const key = "django-insecure-interop-test-key-0123456789abcdef"
	token, err := signing.Dumps(map[string]any{"user": 42, "cart": []string{"A1"}}, key, "", true)
	if err != nil {
		panic(err)
	}
	// Django: signing.loads(token) with the same SECRET_KEY.
	v, err := signing.Loads(token, key, "", 24*time.Hour)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%T %v\n", v, err)
	// Output:
	// *pyjson.Object <nil>
}

// Reading a token Django made: the session data of {"foo": "bar"}.
func ExampleTimestampSigner_UnsignPayload() {
	s, err := signing.NewTimestampSigner(signing.Options{
		Key:  "django-insecure-interop-test-key-0123456789abcdef",
		Salt: "django.contrib.sessions.SessionStore",
	})
	if err != nil {
		panic(err)
	}
	data, err := s.UnsignPayload("eyJmb28iOiJiYXIifQ:1r31eq:HpP88y98DOPZ44Om-HE6Y8Vqu2uG2I2igVzB_O06hEg", signing.NoMaxAge)
	fmt.Println(string(data), err)

	_, err = s.UnsignPayload("eyJmb28iOiJiYXIifQ:1r31eq:HpP88y98DOPZ44Om-HE6Y8Vqu2uG2I2igVzB_O06hEA", signing.NoMaxAge)
	fmt.Println(errors.Is(err, signing.ErrBadSignature))
	// Output:
	// {"foo":"bar"} <nil>
	// true
}

func ExampleSigner() {
	s, err := signing.NewSigner(signing.Options{
		Key:          "new-secret",
		FallbackKeys: []string{"old-secret"}, // still accepted, never used to sign
		Salt:         "newsletter-unsubscribe",
	})
	if err != nil {
		panic(err)
	}
	signed := s.Sign("user@example.com") // what Django's Signer gives

	fmt.Println(signed)
	fmt.Println(s.Unsign(signed))
	// Output:
	// user@example.com:rm2vzmvJoRrgjHX1lslOf8bwLa-_q33cioNN_dKiGaU
	// user@example.com <nil>
}

func ExampleTimestampSigner() {
	signedAt := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	now := signedAt
	s, err := signing.NewTimestampSigner(signing.Options{Key: "secret", Now: func() time.Time { return now }})
	if err != nil {
		panic(err)
	}
	token := s.Sign("reset-password:42")

	now = signedAt.Add(30 * time.Minute)
	fmt.Println(s.Unsign(token, time.Hour))
	now = signedAt.Add(2 * time.Hour)
	_, err = s.Unsign(token, time.Hour)
	fmt.Println(errors.Is(err, signing.ErrSignatureExpired))
	// Output:
	// reset-password:42 <nil>
	// true
}
