package cookies

import (
	"net/http/httptest"
	"testing"
	"time"
)

func BenchmarkFormat(b *testing.B) {
	o := Options{MaxAge: 14 * 24 * time.Hour, HTTPOnly: true, SameSite: "Lax"}
	b.Run("session", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Format("sessionid", "3jm1ls2kcfz9rw5vbo6tq8xhe0ydnpa4", o, frozen); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("quoted", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Format("prefs", `{"theme":"dark","lang":"fr"}:1r31eq:axQWwNbBTeqNKOBgyhYAaFpSuqTsTXvagVbqJz30oiw`, o, frozen); err != nil {
				b.Fatal(err)
			}
		}
	})
}

const benchHeader = `sessionid=3jm1ls2kcfz9rw5vbo6tq8xhe0ydnpa4; csrftoken=Xq9l2Jd8sKf7Tz1Wb4Nc6Vm3Rp5Hy0Ue; django_language=fr; prefs="{\"theme\":\"dark\"}:1r31eq:axQWwNbBTeqNKOBgyhYAaFpSuqTsTXvagVbqJz30oiw"; _ga=GA1.1.123456789.1700000000`

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if m := Parse(benchHeader); len(m) != 5 {
			b.Fatal(m)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", benchHeader)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := Lookup(r, "sessionid"); !ok {
			b.Fatal("no sessionid")
		}
	}
}

func BenchmarkSignedGet(b *testing.B) {
	s := &Signer{SecretKey: djangoSecretKey, Now: fixedClock(frozen)}
	signed, err := s.Sign("prefs", `{"theme":"dark"}`, "")
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", "sessionid=3jm1ls2kcfz9rw5vbo6tq8xhe0ydnpa4; prefs="+Quote(signed))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Get(r, "prefs", "", time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignedSet(b *testing.B) {
	s := &Signer{SecretKey: djangoSecretKey, Now: fixedClock(frozen)}
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Set(w, "prefs", `{"theme":"dark"}`, "", Options{MaxAge: time.Hour}); err != nil {
			b.Fatal(err)
		}
	}
}
