package demo

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzAPI sends arbitrary bodies to every state-changing endpoint, with an
// arbitrary cookie: the answer is never a 5xx, never a panic, and always a
// JSON object (with "error" when the status is 4xx).
func FuzzAPI(f *testing.F) {
	for _, seed := range []string{
		`{"a": 1}`, `{}`, `[]`, `null`, `{"key": "a"}`, `{"key": 1}`, `{"seconds": 0}`, `{"seconds": null}`,
		`{"at": "2030-01-02T15:04:05Z"}`, `{"seconds": 1e400}`, `{"key": "a", "max_age": -1, "samesite": "None"}`,
		`{"key": "a", "expires": "Wed, 21 Oct 2037 07:28:00 GMT"}`, `{"a": NaN}`, `{"a": "\ud800"}`, "\xff", `{"a":`,
		`{"key": "sessionid", "value": "x"}`, `{"a": [[[[[[[[[[1]]]]]]]]]]}`, `{"key": "` + strings.Repeat("k", 300) + `"}`,
	} {
		f.Add(seed, "abcdefghijklmnopqrstuvwxyz012345")
	}
	s, _ := newTestServer(f, nil)
	paths := []string{"/api/session", "/api/session/pop", "/api/session/clear", "/api/session/flush",
		"/api/session/cycle", "/api/session/expiry", "/api/cookies", "/api/cookies/delete", "/api/clearsessions"}
	f.Fuzz(func(t *testing.T, body, cookie string) {
		for _, p := range paths {
			req := httptest.NewRequest("POST", p, strings.NewReader(body))
			req.Header.Set("Cookie", "sessionid="+cookie)
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("POST %s %q: status %d: %s", p, body, rec.Code, rec.Body)
			}
			var v map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
				t.Fatalf("POST %s %q: the answer is not a JSON object: %v\n%s", p, body, err, rec.Body)
			}
			if _, hasErr := v["error"]; rec.Code >= 400 && !hasErr {
				t.Fatalf("POST %s %q: status %d without an error: %s", p, body, rec.Code, rec.Body)
			}
		}
	})
}

// FuzzForms posts arbitrary form values to every form of the pages: the
// answer is a redirect back (with the outcome shown there), never a 5xx.
func FuzzForms(f *testing.F) {
	f.Add("color", "blue", "seconds", "300", "2030-01-02T15:04", "60")
	f.Add("", "", "date", "", "nonsense", "")
	f.Add("a b", "[1,", "browser-close", "-1", "2030-01-02T15:04:05Z", "-1441")
	f.Add("flavor", `{"x":NaN}`, "default", "99999999999999999999", "9999-12-31T23:59", "x")
	s, _ := newTestServer(f, nil)
	paths := []string{"/session/set", "/session/pop", "/session/expiry", "/cookies/set", "/cookies/delete",
		"/cookies/signed", "/shop/cart/add", "/shop/cart/remove", "/shop/login", "/session/clear-expired"}
	f.Fuzz(func(t *testing.T, key, value, mode, seconds, date, tz string) {
		form := url.Values{
			"key": {key}, "value": {value}, "mode": {mode}, "seconds": {seconds}, "date": {date}, "tz": {tz},
			"max_age": {seconds}, "expires": {date}, "samesite": {value}, "path": {value}, "domain": {key},
			"salt": {value}, "product": {key}, "username": {key}, "password": {value},
		}
		for _, p := range paths {
			req := httptest.NewRequest("POST", p, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != http.StatusSeeOther {
				t.Fatalf("POST %s %v: status %d, want 303: %s", p, form, rec.Code, rec.Body)
			}
			// The page the redirect leads to renders too.
			page := httptest.NewRequest("GET", rec.Header().Get("Location"), nil)
			for _, c := range rec.Result().Cookies() {
				page.AddCookie(c)
			}
			prec := httptest.NewRecorder()
			s.ServeHTTP(prec, page)
			if prec.Code != http.StatusOK {
				t.Fatalf("GET %s after POST %s %v: status %d", page.URL, p, form, prec.Code)
			}
		}
	})
}
