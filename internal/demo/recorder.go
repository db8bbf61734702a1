package demo

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cookies"
)

// A form on a page posts, the server answers 303 See Other, and the browser
// loads the page again (Post/Redirect/Get). The interesting headers — the
// Set-Cookie that creates, renews or deletes the session cookie, and Vary —
// are on the 303, which the browser never shows. The recorder keeps them:
// it sits outside the session Middleware, so it sees the response's final
// headers, stores them under a random id and adds that id to the redirect's
// Location (?last=id). The page then shows them.
//
// A record is shown only to the browser that received it: it remembers the
// session cookie the browser holds after that response, and the page's
// request must carry the same value (compared in constant time). Records
// live recordTTL and at most maxRecords are kept.

const (
	recordTTL  = 10 * time.Minute
	maxRecords = 1024
)

// lastResponse is what the page shows of the response to a form.
type lastResponse struct {
	Method    string
	Path      string
	Status    int
	SetCookie []string
	Vary      []string
	// Message says what the operation did ("pop('color') returned …").
	Message string
	// Failed marks Message as an error (bad input).
	Failed bool

	cookie string // the session cookie value the browser holds afterwards
	at     time.Time
}

// StatusText is the status line's text.
func (l *lastResponse) StatusText() string { return http.StatusText(l.Status) }

type recorder struct {
	cookieName string
	now        func() time.Time

	mu    sync.Mutex
	recs  map[string]*lastResponse
	order []string // ids, oldest first
}

func newRecorder(cookieName string, now func() time.Time) *recorder {
	if cookieName == "" {
		cookieName = sessionkit.DefaultCookieName
	}
	return &recorder{cookieName: cookieName, now: now, recs: make(map[string]*lastResponse)}
}

type noteKey struct{}

// note sets the message the page shows after the form's redirect.
func note(r *http.Request, failed bool, msg string) {
	if rec, ok := r.Context().Value(noteKey{}).(*lastResponse); ok {
		rec.Message, rec.Failed = msg, failed
	}
}

// wrap records the responses of form posts (POST outside /api/).
func (rc *recorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || isAPI(r) {
			next.ServeHTTP(w, r)
			return
		}
		rec := &lastResponse{Method: r.Method, Path: r.URL.Path}
		before, _ := cookies.Lookup(r, rc.cookieName)
		rw := &recordingWriter{ResponseWriter: w, rc: rc, rec: rec, before: before}
		next.ServeHTTP(rw, r.WithContext(context.WithValue(r.Context(), noteKey{}, rec)))
		if !rw.wrote {
			rw.WriteHeader(http.StatusOK)
		}
	})
}

type recordingWriter struct {
	http.ResponseWriter
	rc     *recorder
	rec    *lastResponse
	before string
	wrote  bool
}

func (w *recordingWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	h := w.Header()
	if loc := h.Get("Location"); code >= 300 && code < 400 && loc != "" {
		w.rec.Status = code
		w.rec.SetCookie = append([]string(nil), h.Values("Set-Cookie")...)
		w.rec.Vary = append([]string(nil), h.Values("Vary")...)
		w.rec.cookie = w.rc.cookieAfter(w.before, w.rec.SetCookie)
		id := w.rc.put(w.rec)
		h.Set("Location", withQuery(loc, "last", id))
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// cookieAfter returns the session cookie's value once the browser has
// applied setCookie: the new value, "" if it was deleted, or before.
func (rc *recorder) cookieAfter(before string, setCookie []string) string {
	after := before
	for _, line := range setCookie {
		c, err := http.ParseSetCookie(line)
		if err != nil || c.Name != rc.cookieName {
			continue
		}
		if c.MaxAge < 0 || c.Value == "" {
			after = ""
		} else {
			after = cookies.Unquote(c.Value)
		}
	}
	return after
}

func (rc *recorder) put(rec *lastResponse) string {
	var b [16]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	now := rc.now()
	rec.at = now
	rc.mu.Lock()
	defer rc.mu.Unlock()
	// Drop expired records and, past the limit, the oldest.
	for len(rc.order) > 0 {
		old := rc.recs[rc.order[0]]
		if len(rc.order) < maxRecords && (old == nil || now.Sub(old.at) < recordTTL) {
			break
		}
		delete(rc.recs, rc.order[0])
		rc.order = rc.order[1:]
	}
	rc.recs[id] = rec
	rc.order = append(rc.order, id)
	return id
}

// get returns the record ?last= names, if r's browser is the one it was
// recorded for.
func (rc *recorder) get(r *http.Request) *lastResponse {
	id := r.URL.Query().Get("last")
	if id == "" {
		return nil
	}
	rc.mu.Lock()
	rec := rc.recs[id]
	rc.mu.Unlock()
	if rec == nil || rc.now().Sub(rec.at) >= recordTTL {
		return nil
	}
	current, _ := cookies.Lookup(r, rc.cookieName)
	if subtle.ConstantTimeCompare([]byte(current), []byte(rec.cookie)) != 1 {
		return nil
	}
	return rec
}

// withQuery adds name=value to the query of the URL loc.
func withQuery(loc, name, value string) string {
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	return u.String()
}
