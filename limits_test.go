package sessionkit_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/memstore"
)

// TestFailedLoadNeverRunsHandler: when the store cannot read the session
// of a request that carries a cookie, the handler does not run, so it can
// never act (pay, write) as if the user were anonymous.
func TestFailedLoadNeverRunsHandler(t *testing.T) {
	down := errors.New("connection refused")
	var sideEffects atomic.Int64
	m := &sessionkit.Manager{Store: failingStore{down}, Logger: discardLogger()}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sideEffects.Add(1)
		s, _ := sessionkit.FromRequest(r)
		if s.Get("_auth_user_id") == nil {
			w.Write([]byte("anonymous"))
		}
	}))
	res := do(t, h, "sessionid="+sessionkit.NewKey())
	if res.StatusCode != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", res.StatusCode)
	}
	if n := sideEffects.Load(); n != 0 {
		t.Errorf("the handler ran %d times although the session could not be loaded", n)
	}
	// Without a cookie there is nothing to load: the handler runs.
	do(t, h, "")
	if n := sideEffects.Load(); n != 1 {
		t.Errorf("without a cookie the handler ran %d times, want 1", n)
	}
}

// randomText is incompressible text of n bytes.
func randomText(n int) string {
	b := make([]byte, (n+1)/2)
	rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

// growUntilRefused POSTs 60 KB values under new keys, as a user filling a
// session would, until the Manager refuses one, and checks that nothing
// stored before is lost.
func growUntilRefused(t *testing.T, m *sessionkit.Manager) {
	t.Helper()
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromRequest(r)
		if r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			s.Set("k"+r.URL.Query().Get("i"), string(body))
			s.Set("_auth_user_id", "1")
			return
		}
		w.Write([]byte(strings.Join(s.Keys(), ",")))
	}))
	cookie := ""
	refusedAt := -1
	for i := 0; i < 150 && refusedAt < 0; i++ {
		req := httptest.NewRequest("POST", "/?i="+string(rune('a'+i%26))+strings.Repeat("x", i/26), strings.NewReader(randomText(60<<10)))
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			if c := sessionCookieOf(rec.Result()); c != "" {
				cookie = c
			}
		case http.StatusRequestEntityTooLarge:
			refusedAt = i
		default:
			t.Fatalf("POST %d: status %d", i, rec.Code)
		}
	}
	if refusedAt < 0 {
		t.Fatal("150 values of 60 KB were all accepted")
	}
	if refusedAt == 0 {
		t.Fatal("the first 60 KB value was refused")
	}
	// Every key stored before the refusal is still there, and the login too.
	res := do(t, h, cookie)
	body, _ := io.ReadAll(res.Body)
	keys := strings.Split(string(body), ",")
	if len(keys) != refusedAt+1 || !strings.Contains(string(body), "_auth_user_id") {
		t.Errorf("after %d values were stored and the next refused, the session holds %d keys: %.80s…", refusedAt, len(keys), body)
	}
}

func TestSessionSizeLimit(t *testing.T) {
	t.Run("json", func(t *testing.T) {
		store := &memstore.Store{}
		growUntilRefused(t, &sessionkit.Manager{Store: store, Logger: discardLogger()})
	})
	t.Run("django", func(t *testing.T) {
		store := &memstore.Store{}
		codec := &sessionkit.DjangoCodec{SecretKey: "django-insecure-size-limit-test-key"}
		growUntilRefused(t, &sessionkit.Manager{Store: store, Codec: codec, Logger: discardLogger()})
	})
}

// TestTooLargeToReadIsAnError: a stored session the Manager cannot read
// because of its size is an error, never an empty session the next save
// would write over.
func TestTooLargeToReadIsAnError(t *testing.T) {
	store := &memstore.Store{}
	key := sessionkit.NewKey()
	big := append([]byte(`{"a":"`), bytes.Repeat([]byte("x"), sessionkit.MaxReadSize)...)
	big = append(big, `"}`...)
	if _, err := store.Create(context.Background(), key, sessionkit.Record{Data: big, Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	m := &sessionkit.Manager{Store: store, Logger: discardLogger()}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromRequest(r)
		s.Set("b", 1)
	}))
	res := do(t, h, "sessionid="+key)
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", res.StatusCode)
	}
	rec, err := store.Load(context.Background(), key)
	if err != nil || !bytes.Equal(rec.Data, big) {
		t.Errorf("the stored session changed: %d bytes, %v", len(rec.Data), err)
	}
}

// TestSaveSurvivesClientLeaving: the client's cancellation does not cancel
// the save of what the handler did.
func TestSaveSurvivesClientLeaving(t *testing.T) {
	store := &ctxCheckingStore{Store: &memstore.Store{}}
	m := &sessionkit.Manager{Store: store, Logger: discardLogger()}
	ctx, cancel := context.WithCancel(context.Background())
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromRequest(r)
		s.Set("order", 42)
		cancel() // the client hangs up before the response
	}))
	req := httptest.NewRequest("GET", "/", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	c := sessionCookieOf(rec.Result())
	if c == "" {
		t.Fatalf("no session cookie; status %d", rec.Code)
	}
	r, err := store.Load(context.Background(), strings.TrimPrefix(c, "sessionid="))
	if err != nil || !bytes.Contains(r.Data, []byte(`"order":42`)) {
		t.Errorf("the session was not saved: %q, %v", r.Data, err)
	}
}

// ctxCheckingStore fails writes whose context is done, as a network store
// would.
type ctxCheckingStore struct{ *memstore.Store }

func (c *ctxCheckingStore) Create(ctx context.Context, k string, r sessionkit.Record) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return c.Store.Create(ctx, k, r)
}

// TestInvalidExpiryThroughSet: _session_expiry set through Set is checked
// like SetExpiry: a value out of range or of the wrong type is an error and
// is not stored.
func TestInvalidExpiryThroughSet(t *testing.T) {
	for _, v := range []any{int64(99999999999999), "0001-01-01", "9999-12-31T00:00:00", "soon", true, 1.5, []any{1}} {
		store := &countingStore{Store: &memstore.Store{}}
		var got error
		m := &sessionkit.Manager{Store: store, Logger: discardLogger(),
			ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) { got = err; w.WriteHeader(500) }}
		h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, _ := sessionkit.FromRequest(r)
			s.Set("a", 1)
			s.Set(sessionkit.ExpiryKey, v)
			if _, ok := s.Lookup(sessionkit.ExpiryKey); ok {
				t.Errorf("Set(%q, %v) stored the value", sessionkit.ExpiryKey, v)
			}
		}))
		do(t, h, "")
		if !errors.Is(got, sessionkit.ErrInvalidExpiry) {
			t.Errorf("Set(%q, %#v): error %v, want ErrInvalidExpiry", sessionkit.ExpiryKey, v, got)
		}
		if store.calls.Load() != 0 {
			t.Errorf("Set(%q, %#v): a session was saved", sessionkit.ExpiryKey, v)
		}
	}
	// The forms SetExpiry and SetExpiryAt write are accepted.
	m := sessionkit.New(&memstore.Store{})
	s := m.Open(context.Background(), "")
	s.Set(sessionkit.ExpiryKey, 3600)
	s.Set(sessionkit.ExpiryKey, nil)
	s.SetExpiryAt(time.Now().Add(time.Hour))
	if err := s.Err(); err != nil {
		t.Errorf("valid expiries: %v", err)
	}
	if age := s.ExpiryAge(); age < 59*time.Minute || age > time.Hour {
		t.Errorf("ExpiryAge = %v after SetExpiryAt(now+1h)", age)
	}
}

// TestStoredExpiryIsClamped: a huge _session_expiry written by another
// program is read as MaxExpiry, never an overflowed age.
func TestStoredExpiryIsClamped(t *testing.T) {
	store := &memstore.Store{}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	m := &sessionkit.Manager{Store: store, Now: func() time.Time { return now }}
	for raw, want := range map[string]time.Duration{
		`99999999999999`:        sessionkit.MaxExpiry,
		`-99999999999999`:       -sessionkit.MaxExpiry,
		`1e300`:                 sessionkit.MaxExpiry,
		`"9999-12-31T00:00:00"`: sessionkit.MaxExpiry,
	} {
		key := sessionkit.NewKey()
		data := []byte(`{"_session_expiry":` + raw + `}`)
		store.Create(context.Background(), key, sessionkit.Record{Data: data, Expiry: time.Now().Add(time.Hour)})
		if got := m.Open(context.Background(), key).ExpiryAge(); got != want {
			t.Errorf("_session_expiry %s: ExpiryAge = %v, want %v", raw, got, want)
		}
	}
}

// TestOneWritePerNewSession: a handler that saves a new session to learn
// its key is not followed by a second write of the same data.
func TestOneWritePerNewSession(t *testing.T) {
	cs := &countingStore{Store: &memstore.Store{}}
	m := sessionkit.New(cs)
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromRequest(r)
		s.Set("cart", []string{"mug"})
		if err := s.Save(r.Context()); err != nil {
			t.Error(err)
		}
		w.Write([]byte(s.Key()))
	}))
	res := do(t, h, "")
	if got := cs.calls.Load(); got != 1 {
		t.Errorf("a new session saved by its handler cost %d store writes, want 1", got)
	}
	if sessionCookieOf(res) == "" {
		t.Error("no cookie was set")
	}
}

// TestUserIDTooLong: a user id longer than the per-user indexes hold is a
// clear error, not a database failure.
func TestUserIDTooLong(t *testing.T) {
	m := sessionkit.New(&memstore.Store{})
	s := m.Open(context.Background(), "")
	s.Set(sessionkit.UserIDKey, strings.Repeat("9", 60000))
	err := s.Save(context.Background())
	if err == nil || !strings.Contains(err.Error(), "MaxUserIDSize") {
		t.Errorf("Save = %v, want an error naming MaxUserIDSize", err)
	}
}

// TestUnencodableValue: a value the codec cannot encode is reported as an
// encoding error, logged as such, and nothing is written.
func TestUnencodableValue(t *testing.T) {
	var logs bytes.Buffer
	var got error
	cs := &countingStore{Store: &memstore.Store{}}
	m := &sessionkit.Manager{Store: cs, Logger: textLogger(&logs),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) { got = err; w.WriteHeader(500) }}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromRequest(r)
		s.Set("ch", make(chan int))
	}))
	do(t, h, "")
	if !errors.Is(got, sessionkit.ErrEncoding) {
		t.Errorf("error %v, want ErrEncoding", got)
	}
	if cs.calls.Load() != 0 {
		t.Error("something was written")
	}
	if !strings.Contains(logs.String(), "cannot be saved") || strings.Contains(logs.String(), "could not be loaded") {
		t.Errorf("log %q does not name an encoding problem", logs.String())
	}
}

// TestAgesAgreeWithTheCookie: with an idle timeout, what ExpiryAge and
// ExpiryDate report is what the cookie says.
func TestAgesAgreeWithTheCookie(t *testing.T) {
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	m := &sessionkit.Manager{Store: &memstore.Store{}, CookieAge: 30 * 24 * time.Hour, IdleTimeout: time.Hour,
		Now: func() time.Time { return now }}
	var age time.Duration
	var date time.Time
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromRequest(r)
		s.Set("a", 1)
		age, date = s.ExpiryAge(), s.ExpiryDate()
	}))
	res := do(t, h, "")
	var maxAge int
	for _, c := range res.Cookies() {
		maxAge = c.MaxAge
	}
	if age != time.Hour || !date.Equal(now.Add(time.Hour)) || maxAge != 3600 {
		t.Errorf("ExpiryAge %v, ExpiryDate %v, cookie Max-Age %d; want 1h, now+1h, 3600", age, date, maxAge)
	}
}
