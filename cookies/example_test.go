package cookies_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/sessionkit/sessionkit/cookies"
	"github.com/sessionkit/sessionkit/signing"
)

func ExampleFormat() {
	now := time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)
	line, err := cookies.Format("c", "An,awkward;value", cookies.Options{
		MaxAge:   time.Minute,
		Domain:   ".example.com",
		HTTPOnly: true,
		SameSite: "Strict",
	}, now)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(line)
	// Output:
	// c="An\054awkward\073value"; Domain=.example.com; expires=Tue, 14 Nov 2023 22:14:20 GMT; HttpOnly; Max-Age=60; Path=/; SameSite=Strict
}

func ExampleSet() {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// request.COOKIES.get("theme", "light")
		theme, ok := cookies.Lookup(r, "theme")
		if !ok {
			theme = "light"
		}
		// response.set_cookie("theme", "dark", samesite="Lax")
		if err := cookies.Set(w, "theme", "dark", cookies.Options{SameSite: "Lax"}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		// response.delete_cookie("old")
		if err := cookies.Delete(w, "old", cookies.DeleteOptions{}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "theme was %s", theme)
	})

	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", "theme=light; old=1")
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, r)
	for _, h := range w.Result().Header["Set-Cookie"] {
		fmt.Println(h)
	}
	// Output:
	// theme=dark; Path=/; SameSite=Lax
	// old=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/
}

func ExampleParse() {
	c := cookies.Parse(`sessionid=abc; c="An\054awkward\073value"; a=1; a=2`)
	fmt.Println(c["sessionid"], c["c"], c["a"])
	// Output: abc An,awkward;value 2
}

func ExampleSigner() {
	// The Django worked example: set_signed_cookie("basket", "3",
	// salt="shop") on Django 5.2.15+ with this SECRET_KEY, at a fixed time.
	s := &cookies.Signer{
		SecretKey:      "django-insecure-interop-test-key-0123456789abcdef",
		LegacyFallback: true, // also read cookies from Django < 5.2.15
		Now:            func() time.Time { return time.Unix(1700000000, 0) },
	}
	w := httptest.NewRecorder()
	if err := s.Set(w, "basket", "3", "shop", cookies.Options{}); err != nil {
		fmt.Println(err)
		return
	}
	header := w.Result().Header.Get("Set-Cookie")
	fmt.Println(header)

	// The browser sends it back; get_signed_cookie("basket", salt="shop",
	// max_age=3600).
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", "basket=3:1r31eq:YpmZ1JWbry5HNEnR4waOF78QXPzciDW_9RfHcgQVSXs")
	basket, err := s.Get(r, "basket", "shop", time.Hour)
	fmt.Println(basket, err)

	// Tampered, or signed for another cookie: a bad signature.
	r.Header.Set("Cookie", "basket=9:1r31eq:YpmZ1JWbry5HNEnR4waOF78QXPzciDW_9RfHcgQVSXs")
	_, err = s.Get(r, "basket", "shop", time.Hour)
	fmt.Println(errors.Is(err, signing.ErrBadSignature))
	// Output:
	// basket=3:1r31eq:YpmZ1JWbry5HNEnR4waOF78QXPzciDW_9RfHcgQVSXs; Path=/
	// 3 <nil>
	// true
}
