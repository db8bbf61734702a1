package demo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cookies"
	"github.com/sessionkit/sessionkit/pyjson"
)

// maxBody bounds a request body: the largest session a browser can carry in
// a cookie is 4 KB, and a playground needs no more than a few times that.
const maxBody = 64 << 10

// maxExpiry bounds set_expiry and the cookie ages the API accepts, so that
// every date stays representable in every store (MySQL stops at year 9999).
const maxExpiry = 100 * 365 * 24 * time.Hour

type apiRoute struct {
	method, path string
	handle       func(*Server, http.ResponseWriter, *http.Request)
}

var apiRoutes = []apiRoute{
	{"GET", "/api/session", (*Server).apiSession},
	{"POST", "/api/session", (*Server).apiSessionUpdate},
	{"POST", "/api/session/pop", (*Server).apiSessionPop},
	{"POST", "/api/session/incr", (*Server).apiSessionIncr},
	{"POST", "/api/session/clear", (*Server).apiSessionClear},
	{"POST", "/api/session/flush", (*Server).apiSessionFlush},
	{"POST", "/api/session/cycle", (*Server).apiSessionCycle},
	{"POST", "/api/session/expiry", (*Server).apiSessionExpiry},
	{"GET", "/api/cookies", (*Server).apiCookies},
	{"POST", "/api/cookies", (*Server).apiCookiesSet},
	{"POST", "/api/cookies/delete", (*Server).apiCookiesDelete},
	{"POST", "/api/clearsessions", (*Server).apiClearSessions},
	{"POST", "/api/login", (*Server).apiLogin},
	{"GET", "/api/user", (*Server).apiUser},
	{"POST", "/api/logout", (*Server).apiLogout},
	{"GET", "/api/user/sessions", (*Server).apiUserSessions},
	{"POST", "/api/user/sessions/revoke", (*Server).apiUserSessionsRevoke},
	{"POST", "/api/messages", (*Server).apiMessagesAdd},
	{"GET", "/api/messages", (*Server).apiMessages},
}

func (e apiRoute) handler(s *Server) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { e.handle(s, w, r) }
}

// apiNotFound answers what no route matched: 405 with Allow for a known
// path, else 404; in JSON.
func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, e := range apiRoutes {
		if e.path == r.URL.Path {
			allow = append(allow, e.method)
		}
	}
	if len(allow) > 0 {
		if slices.Contains(allow, "GET") {
			allow = append(allow, "HEAD")
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(allow, " or ")))
		return
	}
	writeError(w, http.StatusNotFound, fmt.Sprintf("no API endpoint %s; see / for the list", r.URL.Path))
}

// writeJSON writes v, which pyjson.Marshal renders (so session data keeps
// its order and its numbers exactly).
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := pyjson.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = pyjson.Marshal(map[string]any{"error": "encoding the answer: " + err.Error()})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// writeError writes {"error": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": msg})
}

// object builds a pyjson.Object from alternating keys and values, so that
// answers keep the order the API documents.
func object(kv ...any) *pyjson.Object {
	o := new(pyjson.Object)
	for i := 0; i+1 < len(kv); i += 2 {
		o.Set(kv[i].(string), kv[i+1])
	}
	return o
}

// sessionJSON is the answer of GET /api/session.
func (s *Server) sessionJSON(sess *sessionkit.Session) *pyjson.Object {
	data := new(pyjson.Object)
	for k, v := range sess.All() {
		data.Set(k, v)
	}
	var key any // null until the session is saved
	if k := sess.Key(); k != "" {
		key = k
	}
	return object(
		"session_key", key,
		"data", data,
		"expiry_age", int64(sess.ExpiryAge()/time.Second),
		"expiry_date", sess.ExpiryDate().UTC().Format(time.RFC3339),
		"expire_at_browser_close", sess.ExpiresAtBrowserClose(),
	)
}

// answerSession writes the session as GET /api/session does. A new session
// that now holds data is saved first, so that the answer has its key (the
// Middleware would save it only after the answer is written).
func (s *Server) answerSession(w http.ResponseWriter, r *http.Request, sess *sessionkit.Session) {
	if sess.Key() == "" && sess.Len() > 0 {
		if err := sess.Save(r.Context()); err != nil {
			// The Middleware replaces this with its ErrorHandler's answer.
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
	}
	writeJSON(w, http.StatusOK, s.sessionJSON(sess))
}

// session returns the request's session; it exists for every request under
// the Middleware.
func session(w http.ResponseWriter, r *http.Request) (*sessionkit.Session, bool) {
	sess, err := sessionkit.FromRequest(r)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return nil, false
	}
	return sess, true
}

func (s *Server) apiSession(w http.ResponseWriter, r *http.Request) {
	if sess, ok := session(w, r); ok {
		writeJSON(w, http.StatusOK, s.sessionJSON(sess))
	}
}

// apiSessionUpdate sets each key of a JSON object, in the object's order,
// as Django's update does (an empty object still marks the session
// modified).
func (s *Server) apiSessionUpdate(w http.ResponseWriter, r *http.Request) {
	obj, ok := readObject(w, r)
	if !ok {
		return
	}
	for k := range obj.All() {
		if reservedKey(k) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("%q is reserved: the login and the expiry are set by logging in and by /api/session/expiry, never directly", k))
			return
		}
	}
	sess, ok := session(w, r)
	if !ok {
		return
	}
	if obj.Len() == 0 {
		sess.Update(nil)
	}
	for k, v := range obj.All() {
		sess.Set(k, v)
	}
	s.answerSession(w, r, sess)
}

func (s *Server) apiSessionPop(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Key *string `json:"key"`
	}
	if !readStrict(w, r, &req) {
		return
	}
	if req.Key == nil {
		writeError(w, http.StatusBadRequest, `"key" is required: send {"key": "name"}`)
		return
	}
	if reservedKey(*req.Key) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%q is reserved: log out or reset the expiry instead", *req.Key))
		return
	}
	sess, ok := session(w, r)
	if !ok {
		return
	}
	v, found := sess.Pop(*req.Key)
	if !found {
		writeError(w, http.StatusNotFound, fmt.Sprintf("the session has no key %q", *req.Key))
		return
	}
	writeJSON(w, http.StatusOK, object("value", v))
}

// apiSessionIncr reads the int under "key", adds "by" (default 1) and sets
// it: an ordinary read-modify-write in the handler, which concurrent
// requests lose unless the server runs exclusive (SESSIONKIT_LOCK).
func (s *Server) apiSessionIncr(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Key *string `json:"key"`
		By  *int64  `json:"by"`
	}
	if !readStrict(w, r, &req) {
		return
	}
	if req.Key == nil || *req.Key == "" {
		writeError(w, http.StatusBadRequest, `"key" is required: send {"key": "n", "by": 1}`)
		return
	}
	if reservedKey(*req.Key) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%q is reserved", *req.Key))
		return
	}
	by := int64(1)
	if req.By != nil {
		by = *req.By
	}
	sess, ok := session(w, r)
	if !ok {
		return
	}
	n := int64(0)
	if v, found := sess.Lookup(*req.Key); found {
		i, isInt := v.(int)
		if !isInt {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("the session's %q is %s, not an integer", *req.Key, jsonType(v)))
			return
		}
		n = int64(i)
	}
	if (by > 0 && n > math.MaxInt64-by) || (by < 0 && n < math.MinInt64-by) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%d + %d overflows a 64-bit integer", n, by))
		return
	}
	sess.Set(*req.Key, n+by)
	s.answerSession(w, r, sess)
}

func (s *Server) apiSessionClear(w http.ResponseWriter, r *http.Request) {
	if !readNoBody(w, r) {
		return
	}
	if sess, ok := session(w, r); ok {
		clearSession(sess)
		s.answerSession(w, r, sess)
	}
}

func (s *Server) apiSessionFlush(w http.ResponseWriter, r *http.Request) {
	if !readNoBody(w, r) {
		return
	}
	if sess, ok := session(w, r); ok {
		if err := sess.Flush(); err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		s.answerSession(w, r, sess)
	}
}

func (s *Server) apiSessionCycle(w http.ResponseWriter, r *http.Request) {
	if !readNoBody(w, r) {
		return
	}
	if sess, ok := session(w, r); ok {
		if err := sess.CycleKey(); err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		s.answerSession(w, r, sess)
	}
}

// apiSessionExpiry is set_expiry: {"seconds": N} (0: at browser close),
// {"seconds": null} (the default), or {"at": RFC 3339}.
func (s *Server) apiSessionExpiry(w http.ResponseWriter, r *http.Request) {
	obj, ok := readObject(w, r)
	if !ok {
		return
	}
	exp, err := parseExpiry(obj, s.now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	sess, ok := session(w, r)
	if !ok {
		return
	}
	exp.apply(sess)
	s.answerSession(w, r, sess)
}

// clearSession is Django's clear, after loading the session: Django's clear
// keeps a key it never checked, so clearing with a cookie whose session is
// gone fails the save (SessionInterrupted, a 400); loading first drops such a
// key and the clear empties a new session instead.
func clearSession(sess *sessionkit.Session) {
	sess.Len()
	sess.Clear()
}

// expiry is a parsed set_expiry argument.
type expiry struct {
	reset   bool
	seconds int64
	at      time.Time
}

func (e expiry) apply(sess *sessionkit.Session) {
	switch {
	case e.reset:
		sess.ResetExpiry()
	case !e.at.IsZero():
		sess.SetExpiryAt(e.at)
	default:
		sess.SetExpiry(time.Duration(e.seconds) * time.Second)
	}
}

func parseExpiry(obj *pyjson.Object, now time.Time) (expiry, error) {
	const usage = `send {"seconds": N}, {"seconds": 0} (at browser close), {"seconds": null} (the default) or {"at": "2030-01-02T15:04:05Z"}`
	for _, k := range obj.Keys() {
		if k != "seconds" && k != "at" {
			return expiry{}, fmt.Errorf("unknown field %q; %s", k, usage)
		}
	}
	secs, hasSecs := obj.Get("seconds")
	at, hasAt := obj.Get("at")
	if hasSecs == hasAt {
		return expiry{}, errors.New("give exactly one of \"seconds\" and \"at\"; " + usage)
	}
	if hasSecs {
		if secs == nil {
			return expiry{reset: true}, nil
		}
		n, ok := wholeNumber(secs)
		if !ok {
			return expiry{}, fmt.Errorf(`"seconds" must be a whole number or null, not %s`, jsonType(secs))
		}
		if n > int64(maxExpiry/time.Second) || n < -int64(maxExpiry/time.Second) {
			return expiry{}, fmt.Errorf(`"seconds" must be within ±%d (100 years)`, int64(maxExpiry/time.Second))
		}
		return expiry{seconds: n}, nil
	}
	str, ok := at.(string)
	if !ok {
		return expiry{}, fmt.Errorf(`"at" must be an RFC 3339 date string, not %s`, jsonType(at))
	}
	t, err := time.Parse(time.RFC3339, str)
	if err != nil {
		return expiry{}, fmt.Errorf(`"at" is not an RFC 3339 date such as "2030-01-02T15:04:05Z": %q`, str)
	}
	if t.Sub(now) > maxExpiry {
		return expiry{}, errors.New(`"at" must be within 100 years from now`)
	}
	return expiry{at: t}, nil
}

// wholeNumber returns v as an int64 if it is an integer JSON number.
func wholeNumber(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case *big.Int:
		if n.IsInt64() {
			return n.Int64(), true
		}
		return math.MaxInt64, true // out of range; the caller's bound refuses it
	}
	return 0, false
}

func (s *Server) apiCookies(w http.ResponseWriter, r *http.Request) {
	c := cookies.FromRequest(r)
	if c == nil {
		c = map[string]string{}
	}
	writeJSON(w, http.StatusOK, c)
}

// cookieRequest is set_cookie's keyword arguments as JSON.
type cookieRequest struct {
	Key      *string  `json:"key"`
	Value    *string  `json:"value"`
	MaxAge   *float64 `json:"max_age"`
	Expires  *string  `json:"expires"`
	Path     *string  `json:"path"`
	Domain   *string  `json:"domain"`
	Secure   *bool    `json:"secure"`
	HTTPOnly *bool    `json:"httponly"`
	SameSite *string  `json:"samesite"`
}

func (s *Server) apiCookiesSet(w http.ResponseWriter, r *http.Request) {
	var req cookieRequest
	if !readStrict(w, r, &req) {
		return
	}
	name, opts, err := req.options(s.now())
	if err == nil {
		err = cookies.Set(w, name, deref(req.Value), opts)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, object("set_cookie", setCookieLine(w.Header(), name)))
}

// options checks the request and turns it into set_cookie's options.
func (c *cookieRequest) options(now time.Time) (string, cookies.Options, error) {
	var o cookies.Options
	if c.Key == nil || *c.Key == "" {
		return "", o, errors.New(`"key" is required: the cookie's name`)
	}
	if c.MaxAge != nil {
		f := *c.MaxAge
		if math.Abs(f) > maxExpiry.Seconds() {
			return "", o, errors.New(`"max_age" must be a number of seconds within 100 years`)
		}
		// Django's max_age=0 is Max-Age=0 (delete now); cookies.Options
		// writes that for any negative MaxAge and keeps 0 for "none".
		o.MaxAge = time.Duration(f * float64(time.Second))
		if o.MaxAge <= 0 {
			o.MaxAge = -1
		}
	}
	if e := deref(c.Expires); e != "" {
		if t, err := time.Parse(time.RFC3339, e); err == nil {
			if t.Sub(now) > maxExpiry {
				return "", o, errors.New(`"expires" must be within 100 years from now`)
			}
			o.Expires = t
		} else if _, err := http.ParseTime(e); err == nil {
			o.ExpiresRaw = e // a date string is written as given, as Django does
		} else {
			return "", o, fmt.Errorf(`"expires" must be an RFC 3339 date ("2030-01-02T15:04:05Z") or an HTTP date ("Wed, 02 Jan 2030 15:04:05 GMT"), not %q`, e)
		}
	}
	o.Path = deref(c.Path)
	o.Domain = deref(c.Domain)
	o.Secure = c.Secure != nil && *c.Secure
	o.HTTPOnly = c.HTTPOnly != nil && *c.HTTPOnly
	o.SameSite = deref(c.SameSite)
	return *c.Key, o, nil
}

func (s *Server) apiCookiesDelete(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Key      *string `json:"key"`
		Path     *string `json:"path"`
		Domain   *string `json:"domain"`
		SameSite *string `json:"samesite"`
	}
	if !readStrict(w, r, &req) {
		return
	}
	if req.Key == nil || *req.Key == "" {
		writeError(w, http.StatusBadRequest, `"key" is required: the name of the cookie to delete`)
		return
	}
	err := cookies.Delete(w, *req.Key, cookies.DeleteOptions{Path: deref(req.Path), Domain: deref(req.Domain), SameSite: deref(req.SameSite)})
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, object("set_cookie", setCookieLine(w.Header(), *req.Key)))
}

func (s *Server) apiClearSessions(w http.ResponseWriter, r *http.Request) {
	if !readNoBody(w, r) {
		return
	}
	n, err := s.m.ClearExpired(r.Context())
	if errors.Is(err, errors.ErrUnsupported) {
		writeError(w, http.StatusNotImplemented, "this session engine does not clear expired sessions: its sessions expire by themselves (cache entries time out; signed cookies carry their own expiry)")
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "clearing expired sessions failed: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, object("deleted", n))
}

// setCookieLine returns the Set-Cookie header of h for cookie name.
func setCookieLine(h http.Header, name string) string {
	for _, l := range h.Values("Set-Cookie") {
		if n, _, _ := strings.Cut(l, "="); strings.TrimSpace(n) == name {
			return l
		}
	}
	return ""
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// readBody reads the request body, at most maxBody bytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes", maxBody))
		return nil, false
	case err != nil:
		writeError(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return nil, false
	}
	return b, true
}

// readNoBody accepts an empty body or an empty JSON object, for the
// operations that take no argument.
func readNoBody(w http.ResponseWriter, r *http.Request) bool {
	b, ok := readBody(w, r)
	if !ok {
		return false
	}
	if t := bytes.TrimSpace(b); len(t) > 0 && !bytes.Equal(t, []byte("{}")) {
		writeError(w, http.StatusBadRequest, "this operation takes no arguments: send no body, or {}")
		return false
	}
	return true
}

// reservedKey reports whether the JSON API refuses to write key: Django's
// login keys (a page could otherwise make itself another user), the
// expiry (set through /api/session/expiry, which checks it) and
// sessionkit's own.
func reservedKey(k string) bool {
	return strings.HasPrefix(k, "_auth_user_") || strings.HasPrefix(k, sessionkit.ExpiryKey) || strings.HasPrefix(k, "_sessionkit_")
}

// readObject reads a body that must be a JSON object, kept in order, with
// numbers exact. NaN and Infinity, which Python would accept, are refused:
// they are not JSON and no browser could read them back.
func readObject(w http.ResponseWriter, r *http.Request) (*pyjson.Object, bool) {
	b, ok := readBody(w, r)
	if !ok {
		return nil, false
	}
	if len(bytes.TrimSpace(b)) == 0 {
		writeError(w, http.StatusBadRequest, "the body is empty; send a JSON object")
		return nil, false
	}
	v, err := pyjson.UnmarshalUTF8(b)
	if err != nil {
		writeError(w, http.StatusBadRequest, "the body is not valid JSON: "+err.Error())
		return nil, false
	}
	obj, ok := v.(*pyjson.Object)
	if !ok {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("the body must be a JSON object, not %s", jsonType(v)))
		return nil, false
	}
	if !finite(obj) {
		writeError(w, http.StatusBadRequest, "the body is not valid JSON: NaN and Infinity are not JSON numbers")
		return nil, false
	}
	return obj, true
}

// finite reports whether v holds no NaN or infinite number.
func finite(v any) bool {
	switch x := v.(type) {
	case float64:
		return !math.IsNaN(x) && !math.IsInf(x, 0)
	case *pyjson.Object:
		for _, e := range x.All() {
			if !finite(e) {
				return false
			}
		}
	case map[string]any:
		for _, e := range x {
			if !finite(e) {
				return false
			}
		}
	case []any:
		for _, e := range x {
			if !finite(e) {
				return false
			}
		}
	}
	return true
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case int, int64, *big.Int:
		return "an integer"
	case float64:
		return "a fractional number"
	case []any:
		return "an array"
	}
	return "an object"
}

// readStrict decodes a JSON object into dst, a pointer to a struct whose
// fields are all pointers, refusing unknown fields and wrong types with a
// message that names the field.
func readStrict(w http.ResponseWriter, r *http.Request, dst any) bool {
	b, ok := readBody(w, r)
	if !ok {
		return false
	}
	t := bytes.TrimSpace(b)
	if len(t) == 0 || t[0] != '{' {
		msg := "the body must be a JSON object"
		if len(t) == 0 {
			msg = "the body is empty; send a JSON object"
		}
		writeError(w, http.StatusBadRequest, msg)
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		writeError(w, http.StatusBadRequest, describeJSONError(err, dst))
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		writeError(w, http.StatusBadRequest, "the body has data after its JSON object")
		return false
	}
	return true
}

// describeJSONError turns an encoding/json error into a message that says
// which field is wrong and what it should be.
func describeJSONError(err error, dst any) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("the body is not valid JSON: %v (at byte %d)", syntax, syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("%q must be %s, not %s", typ.Field, typeName(typ.Type), article(typ.Value))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the body is not valid JSON: it ends too early"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Sprintf("unknown field %s; the fields are %s", strings.TrimPrefix(err.Error(), "json: unknown field "), fieldNames(dst))
	}
	return "the body is not valid JSON: " + err.Error()
}

func typeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Float64:
		return "a number"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Bool:
		return "true or false"
	}
	return t.String()
}

// article names the JSON kind encoding/json reports ("number", "bool", …).
func article(jsonKind string) string {
	switch jsonKind {
	case "array", "object":
		return "an " + jsonKind
	case "bool":
		return "a boolean"
	case "number", "string":
		return "a " + jsonKind
	}
	return jsonKind
}

// fieldNames lists the JSON names of dst's fields.
func fieldNames(dst any) string {
	t := reflect.TypeOf(dst).Elem()
	var names []string
	for i := range t.NumField() {
		if n, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); n != "" {
			names = append(names, fmt.Sprintf("%q", n))
		}
	}
	return strings.Join(names, ", ")
}
