package demo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cookies"
	"github.com/sessionkit/sessionkit/pyjson"
	"github.com/sessionkit/sessionkit/signing"
)

// view is what every page template receives.
type view struct {
	Title  string
	Nav    string // the navigation entry to highlight
	Engine string
	Last   *lastResponse
	Page   any
}

var templateFuncs = template.FuncMap{
	"money": func(cents int) string { return fmt.Sprintf("$%d.%02d", cents/100, cents%100) },
}

// parseTemplates parses every page template together with the layout.
func parseTemplates() (map[string]*template.Template, error) {
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := make(map[string]*template.Template)
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || base == "partials" {
			continue
		}
		t, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(assets, "templates/layout.html", "templates/partials.html", n)
		if err != nil {
			return nil, fmt.Errorf("demo: parsing %s: %w", n, err)
		}
		pages[base] = t
	}
	return pages, nil
}

// render writes the page name with v. It renders into a buffer first, so
// that a template error is a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	v.Engine = s.engine
	if v.Last == nil {
		v.Last = s.recorder.get(r)
	}
	var buf bytes.Buffer
	if err := s.pages[name].Execute(&buf, v); err != nil {
		s.log.Error("demo: rendering a page", "page", name, "err", err)
		http.Error(w, "rendering the page failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-cache")
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// back answers a form post: 303 See Other to the page the form is on.
func back(w http.ResponseWriter, r *http.Request, page string) {
	http.Redirect(w, r, page, http.StatusSeeOther)
}

// formSession parses a posted form and returns the request's session.
func (s *Server) formSession(w http.ResponseWriter, r *http.Request, page string) (*sessionkit.Session, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		note(r, true, "the form could not be read: "+err.Error())
		back(w, r, page)
		return nil, false
	}
	sess, err := sessionkit.FromRequest(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return nil, false
	}
	return sess, true
}

func (s *Server) notFoundPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, "notfound", view{Title: "Not found"})
}

// overview is the data of the overview page.
type overview struct {
	Settings   []Setting
	CookieName string
}

func (s *Server) overviewPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "overview", view{
		Title: "Cookies and sessions",
		Nav:   "overview",
		Page:  overview{Settings: s.settings, CookieName: s.cookieName()},
	})
}

func (s *Server) cookieName() string {
	if s.m.CookieName != "" {
		return s.m.CookieName
	}
	return sessionkit.DefaultCookieName
}

// ---- Cookies ----

type cookieRow struct {
	Name, Value string
	Session     bool // the session cookie
}

type cookiesData struct {
	Cookies []cookieRow
	// ServerNames is the JSON list of the names the server received, for
	// the script that compares them with document.cookie.
	ServerNames string
	CookieName  string
	Signed      *signedResult
}

type signedResult struct {
	Key, Salt string
	Value     string
	Err       string
}

func (s *Server) cookiesPage(w http.ResponseWriter, r *http.Request) {
	all := cookies.FromRequest(r)
	d := cookiesData{CookieName: s.cookieName()}
	names := make([]string, 0, len(all))
	for name, v := range all {
		d.Cookies = append(d.Cookies, cookieRow{Name: name, Value: v, Session: name == d.CookieName})
		names = append(names, name)
	}
	slices.SortFunc(d.Cookies, func(a, b cookieRow) int { return strings.Compare(a.Name, b.Name) })
	slices.Sort(names)
	b, _ := json.Marshal(names)
	d.ServerNames = string(b)

	q := r.URL.Query()
	if key := q.Get("signed_key"); key != "" {
		d.Signed = s.readSigned(r, key, q.Get("signed_salt"), q.Get("signed_max_age"))
	}
	s.render(w, r, http.StatusOK, "cookies", view{Title: "Cookies", Nav: "cookies", Page: d})
}

// readSigned is get_signed_cookie(key, salt=salt, max_age=maxAge).
func (s *Server) readSigned(r *http.Request, key, salt, maxAge string) *signedResult {
	res := &signedResult{Key: key, Salt: salt}
	age := signing.NoMaxAge // no max_age: Django's None
	if maxAge != "" {
		n, err := strconv.ParseInt(maxAge, 10, 64)
		if err != nil || n < 0 || n > int64(maxExpiry/time.Second) {
			res.Err = "max_age must be a whole number of seconds"
			return res
		}
		age = time.Duration(n) * time.Second
	}
	v, err := s.signer.Get(r, key, salt, age)
	switch {
	case err == nil:
		res.Value = v
	case errors.Is(err, http.ErrNoCookie):
		res.Err = "no cookie " + strconv.Quote(key) + " in this request (KeyError)"
	case errors.Is(err, signing.ErrSignatureExpired):
		res.Err = "SignatureExpired: the signature is older than max_age"
	case errors.Is(err, signing.ErrBadSignature):
		res.Err = "BadSignature: the cookie was not signed with this key and salt, or was changed"
	default:
		res.Err = err.Error()
	}
	return res
}

// cookieForm reads the set_cookie form into a cookieRequest.
func cookieForm(r *http.Request) (*cookieRequest, error) {
	f := r.PostForm
	req := &cookieRequest{}
	str := func(name string) *string {
		if v := strings.TrimSpace(f.Get(name)); v != "" {
			return &v
		}
		return nil
	}
	req.Key = str("key")
	v := f.Get("value")
	req.Value = &v
	if a := str("max_age"); a != nil {
		n, err := strconv.ParseFloat(*a, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return nil, errors.New("max_age must be a number of seconds")
		}
		req.MaxAge = &n
	}
	if e := str("expires"); e != nil {
		t, err := formTime(*e, f.Get("tz"))
		if err != nil {
			return nil, errors.New("expires must be a date and time")
		}
		iso := t.Format(time.RFC3339)
		req.Expires = &iso
	}
	req.Path = str("path")
	req.Domain = str("domain")
	secure, httpOnly := f.Get("secure") != "", f.Get("httponly") != ""
	req.Secure, req.HTTPOnly = &secure, &httpOnly
	req.SameSite = str("samesite")
	return req, nil
}

// formTime reads an <input type="datetime-local"> value, in the browser's
// time zone when the page's script reported its offset (minutes west of
// UTC, as getTimezoneOffset gives it), else in UTC. RFC 3339 works too.
func formTime(v, tzOffset string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	loc := time.UTC
	if n, err := strconv.Atoi(tzOffset); err == nil && n >= -24*60 && n <= 24*60 {
		loc = time.FixedZone("browser", -n*60)
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date and time", v)
}

func (s *Server) cookiesSet(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.formSession(w, r, "/cookies"); !ok {
		return
	}
	req, err := cookieForm(r)
	var name string
	var opts cookies.Options
	if err == nil {
		name, opts, err = req.options(s.now())
	}
	if err == nil {
		err = cookies.Set(w, name, deref(req.Value), opts)
	}
	if err != nil {
		note(r, true, "set_cookie failed: "+err.Error())
	} else {
		note(r, false, fmt.Sprintf("response.set_cookie(%q, …) sent the Set-Cookie header below.", name))
	}
	back(w, r, "/cookies")
}

func (s *Server) cookiesDelete(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.formSession(w, r, "/cookies"); !ok {
		return
	}
	f := r.PostForm
	key := strings.TrimSpace(f.Get("key"))
	var err error
	if key == "" {
		err = errors.New("key is required: the name of the cookie to delete")
	} else {
		err = cookies.Delete(w, key, cookies.DeleteOptions{
			Path: strings.TrimSpace(f.Get("path")), Domain: strings.TrimSpace(f.Get("domain")), SameSite: f.Get("samesite"),
		})
	}
	if err != nil {
		note(r, true, "delete_cookie failed: "+err.Error())
	} else {
		note(r, false, fmt.Sprintf("response.delete_cookie(%q): an empty value that expired in 1970, so the browser drops it.", key))
	}
	back(w, r, "/cookies")
}

func (s *Server) cookiesSetSigned(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.formSession(w, r, "/cookies"); !ok {
		return
	}
	f := r.PostForm
	key := strings.TrimSpace(f.Get("key"))
	var err error
	var opts cookies.Options
	if key == "" {
		err = errors.New("key is required: the cookie's name")
	} else if a := strings.TrimSpace(f.Get("max_age")); a != "" {
		n, perr := strconv.ParseInt(a, 10, 64)
		if perr != nil || n <= 0 || n > int64(maxExpiry/time.Second) {
			err = errors.New("max_age must be a positive whole number of seconds")
		}
		opts.MaxAge = time.Duration(n) * time.Second
	}
	if err == nil {
		err = s.signer.Set(w, key, f.Get("value"), f.Get("salt"), opts)
	}
	if err != nil {
		note(r, true, "set_signed_cookie failed: "+err.Error())
	} else {
		note(r, false, fmt.Sprintf("response.set_signed_cookie(%q, …, salt=%q): the value, a timestamp and an HMAC signature.", key, f.Get("salt")))
	}
	back(w, r, "/cookies?"+url.Values{"signed_key": {key}, "signed_salt": {f.Get("salt")}}.Encode())
}

// ---- Session ----

type dataRow struct {
	Key, JSON string
}

type sessionData struct {
	Key            string
	CookieName     string
	Data           []dataRow
	ExpiryAge      int64
	ExpiryDate     string
	AtBrowserClose bool
	// Op and Result show a read operation's outcome (get, keys, items).
	Op, Result string
	OpFailed   bool
}

func (s *Server) sessionPage(w http.ResponseWriter, r *http.Request) {
	sess, err := sessionkit.FromRequest(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	d := sessionData{CookieName: s.cookieName()}
	q := r.URL.Query()
	switch op := q.Get("op"); op {
	case "get":
		key := q.Get("key")
		d.Op = fmt.Sprintf("request.session.get(%q)", key)
		v, ok := sess.Lookup(key)
		if ok {
			d.Result = jsonText(v)
		} else {
			d.Result, d.OpFailed = "None — there is no such key", true
		}
	case "keys":
		d.Op, d.Result = "request.session.keys()", jsonText(sess.Keys())
	case "items":
		d.Op = "request.session.items()"
		var items [][2]any
		for k, v := range sess.All() {
			items = append(items, [2]any{k, v})
		}
		d.Result = jsonText(items)
	}
	for k, v := range sess.All() {
		d.Data = append(d.Data, dataRow{Key: k, JSON: jsonText(v)})
	}
	d.Key = sess.Key()
	d.ExpiryAge = int64(sess.ExpiryAge() / time.Second)
	d.ExpiryDate = sess.ExpiryDate().UTC().Format(time.RFC3339)
	d.AtBrowserClose = sess.ExpiresAtBrowserClose()
	s.render(w, r, http.StatusOK, "session", view{Title: "Session", Nav: "session", Page: d})
}

// jsonText renders v as JSON for display; an empty list is [], not null.
func jsonText(v any) string {
	if l, ok := v.([][2]any); ok && l == nil {
		return "[]"
	}
	b, err := pyjson.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

// formValue reads a value typed in a form: JSON if it parses as JSON
// (42, true, [1,2], {"a":1}, "text"), else the text itself.
func formValue(text string) any {
	if v, err := pyjson.UnmarshalUTF8([]byte(text)); err == nil && finite(v) {
		return v
	}
	return text
}

func (s *Server) sessionSet(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.formSession(w, r, "/session")
	if !ok {
		return
	}
	key := r.PostForm.Get("key")
	if key == "" {
		note(r, true, "key is required")
	} else {
		v := formValue(r.PostForm.Get("value"))
		sess.Set(key, v)
		note(r, false, fmt.Sprintf("request.session[%q] = %s", key, jsonText(v)))
	}
	back(w, r, "/session")
}

func (s *Server) sessionPop(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.formSession(w, r, "/session")
	if !ok {
		return
	}
	key := r.PostForm.Get("key")
	if v, found := sess.Pop(key); found {
		note(r, false, fmt.Sprintf("request.session.pop(%q) returned %s", key, jsonText(v)))
	} else {
		note(r, true, fmt.Sprintf("request.session.pop(%q): KeyError, there is no such key", key))
	}
	back(w, r, "/session")
}

func (s *Server) sessionClear(w http.ResponseWriter, r *http.Request) {
	if sess, ok := s.formSession(w, r, "/session"); ok {
		clearSession(sess)
		note(r, false, "request.session.clear(): the data is gone, the key stays.")
		back(w, r, "/session")
	}
}

func (s *Server) sessionFlush(w http.ResponseWriter, r *http.Request) {
	if sess, ok := s.formSession(w, r, "/session"); ok {
		if err := sess.Flush(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		note(r, false, "request.session.flush(): the session was deleted from the store and its cookie removed.")
		back(w, r, "/session")
	}
}

func (s *Server) sessionCycle(w http.ResponseWriter, r *http.Request) {
	if sess, ok := s.formSession(w, r, "/session"); ok {
		if err := sess.CycleKey(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		note(r, false, "request.session.cycle_key(): same data, new key; the old key no longer works.")
		back(w, r, "/session")
	}
}

func (s *Server) sessionExpiry(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.formSession(w, r, "/session")
	if !ok {
		return
	}
	f := r.PostForm
	var e expiry
	var call string
	var err error
	switch f.Get("mode") {
	case "seconds":
		n, perr := strconv.ParseInt(strings.TrimSpace(f.Get("seconds")), 10, 64)
		if perr != nil || n > int64(maxExpiry/time.Second) || n < -int64(maxExpiry/time.Second) {
			err = errors.New("seconds must be a whole number (within 100 years)")
		}
		e, call = expiry{seconds: n}, fmt.Sprintf("set_expiry(%d)", n)
	case "browser-close":
		e, call = expiry{}, "set_expiry(0)"
	case "default":
		e, call = expiry{reset: true}, "set_expiry(None)"
	case "date":
		t, terr := formTime(strings.TrimSpace(f.Get("date")), f.Get("tz"))
		switch {
		case terr != nil:
			err = errors.New("choose a date and time")
		case t.Sub(s.now()) > maxExpiry:
			err = errors.New("the date must be within 100 years from now")
		}
		e, call = expiry{at: t}, fmt.Sprintf("set_expiry(datetime(%s))", t.UTC().Format(time.RFC3339))
	default:
		err = errors.New("unknown set_expiry mode")
	}
	if err != nil {
		note(r, true, "set_expiry: "+err.Error())
	} else {
		e.apply(sess)
		note(r, false, "request.session."+call)
	}
	back(w, r, "/session")
}

func (s *Server) sessionClearExpired(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.formSession(w, r, "/session"); !ok {
		return
	}
	n, err := s.m.ClearExpired(r.Context())
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		note(r, true, "clear_expired(): this engine does not clear expired sessions; its sessions expire by themselves.")
	case err != nil:
		note(r, true, "clear_expired() failed: "+err.Error())
	default:
		note(r, false, fmt.Sprintf("SessionStore.clear_expired() deleted %d expired session(s) — what `sessionkit clearsessions` does.", n))
	}
	back(w, r, "/session")
}
