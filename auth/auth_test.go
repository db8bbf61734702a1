package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/auth"
	"github.com/sessionkit/sessionkit/store/memstore"
)

const secret = "a-secret-key-for-the-unit-tests-0123456789"

// fastHash encodes a password cheaply, for tests.
func fastHash(pw string) string { return auth.EncodePBKDF2(pw, auth.NewSalt(), 1000) }

func testUsers() auth.StaticUsers {
	return auth.StaticUsers{
		{ID: "1", Username: "alice", Password: fastHash("wonderland")},
		{ID: "2", Username: "bob", Password: fastHash("builder")},
		{ID: "3", Username: "carol", Password: fastHash("x"), Inactive: true},
		{ID: "4", Username: "dave", Password: "!unusable"},
	}
}

func newManager(t *testing.T) *sessionkit.Manager {
	t.Helper()
	st := memstore.New(0)
	t.Cleanup(func() { st.Close() })
	return sessionkit.New(st)
}

func TestAuthenticate(t *testing.T) {
	a := &auth.Auth{Users: testUsers(), SecretKey: secret, Iterations: 1000}
	ctx := t.Context()
	if u, err := a.Authenticate(ctx, "alice", "wonderland"); err != nil || u.ID != "1" {
		t.Errorf("alice: %+v, %v", u, err)
	}
	for _, c := range [][2]string{{"alice", "Wonderland"}, {"carol", "x"}, {"dave", ""}, {"nobody", "x"}, {"", ""}} {
		if _, err := a.Authenticate(ctx, c[0], c[1]); !errors.Is(err, auth.ErrInvalidLogin) {
			t.Errorf("Authenticate(%q, %q) = %v; want ErrInvalidLogin", c[0], c[1], err)
		}
	}
	// A hasher outside Hashers does not match, as in Django.
	md5User := auth.StaticUsers{{ID: "9", Username: "m", Password: "md5$salt$" + "0"}}
	a2 := &auth.Auth{Users: md5User, SecretKey: secret, Iterations: 1000}
	if _, err := a2.Authenticate(ctx, "m", "x"); !errors.Is(err, auth.ErrInvalidLogin) {
		t.Errorf("md5 outside Hashers: %v", err)
	}
}

type failingUsers struct{}

var errDown = errors.New("database down")

func (failingUsers) UserByID(context.Context, string) (auth.User, error) { return auth.User{}, errDown }
func (failingUsers) UserByUsername(context.Context, string) (auth.User, error) {
	return auth.User{}, errDown
}

func TestConfigErrors(t *testing.T) {
	ctx := t.Context()
	s := newManager(t).Open(ctx, "")
	for _, a := range []*auth.Auth{
		{SecretKey: secret},
		{Users: testUsers()},
		{Users: testUsers(), SecretKey: secret, HashingAlgorithm: "md5"},
		{Users: testUsers(), SecretKey: secret, Backends: []string{}},
	} {
		if _, err := a.User(ctx, s); err == nil || !strings.HasPrefix(err.Error(), "auth: ") {
			t.Errorf("User with %+v: %v", a, err)
		}
		if err := a.Login(ctx, s, auth.User{ID: "1"}); err == nil {
			t.Errorf("Login with %+v: no error", a)
		}
	}
	a := &auth.Auth{Users: failingUsers{}, SecretKey: secret, Iterations: 1000}
	if _, err := a.Authenticate(ctx, "x", "y"); !errors.Is(err, errDown) {
		t.Errorf("Authenticate with failing users: %v", err)
	}
	s.Update(map[string]any{auth.SessionKey: "1", auth.BackendSessionKey: auth.ModelBackend, auth.HashSessionKey: "h"})
	if _, err := a.User(ctx, s); !errors.Is(err, errDown) {
		t.Errorf("User with failing users: %v", err)
	}
	if s.Len() != 3 {
		t.Errorf("a failing lookup changed the session")
	}
}

func TestLoginUserLogout(t *testing.T) {
	ctx := t.Context()
	m := newManager(t)
	users := testUsers()
	a := &auth.Auth{Users: users, SecretKey: secret}
	s := m.Open(ctx, "")
	s.Set("cart", "mug")
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	anon := s.Key()
	if err := a.Login(ctx, s, users[0]); err != nil {
		t.Fatal(err)
	}
	if s.Key() == anon || s.Get("cart") != "mug" {
		t.Errorf("login: key cycled %v, cart %v", s.Key() != anon, s.Get("cart"))
	}
	if s.Get(auth.SessionKey) != "1" || s.Get(auth.BackendSessionKey) != auth.ModelBackend || s.Get(auth.HashSessionKey) != a.SessionAuthHash(users[0]) {
		t.Errorf("login wrote %v", s.Keys())
	}
	if ok, _ := m.Exists(ctx, anon); ok {
		t.Error("the anonymous session survived the login")
	}
	// The same user again: Django neither flushes nor cycles.
	key := s.Key()
	if err := a.Login(ctx, s, users[0]); err != nil || s.Key() != key || s.Get("cart") != "mug" {
		t.Errorf("second login of the same user: %v, key kept %v, cart %v", err, s.Key() == key, s.Get("cart"))
	}
	if u, err := a.User(ctx, s); err != nil || u == nil || u.Username != "alice" {
		t.Errorf("User = %+v, %v", u, err)
	}
	// Another user: flushed first.
	if err := a.Login(ctx, s, users[1]); err != nil || s.Key() != "" || s.Has("cart") || s.Get(auth.SessionKey) != "2" {
		t.Errorf("login of bob over alice: %v, key %q, keys %v", err, s.Key(), s.Keys())
	}
	if ok, _ := m.Exists(ctx, key); ok {
		t.Error("alice's session survived bob's login")
	}
	if err := auth.Logout(s); err != nil || s.Len() != 0 {
		t.Errorf("Logout: %v, %v", err, s.Keys())
	}
	if err := a.Login(ctx, s, auth.User{}); err == nil {
		t.Error("Login of a user without an ID")
	}
}

func TestUserRules(t *testing.T) {
	ctx := t.Context()
	m := newManager(t)
	users := testUsers()
	a := &auth.Auth{Users: users, SecretKey: secret}
	hash := a.SessionAuthHash(users[0])
	cases := []struct {
		name    string
		session map[string]any
		user    string // "" anonymous
		flushed bool
	}{
		{"empty", map[string]any{}, "", false},
		{"no backend", map[string]any{auth.SessionKey: "1", auth.HashSessionKey: hash}, "", false},
		{"other backend", map[string]any{auth.SessionKey: "1", auth.BackendSessionKey: "x.Backend", auth.HashSessionKey: hash}, "", false},
		{"no such user", map[string]any{auth.SessionKey: "77", auth.BackendSessionKey: auth.ModelBackend, auth.HashSessionKey: hash}, "", false},
		{"inactive", map[string]any{auth.SessionKey: "3", auth.BackendSessionKey: auth.ModelBackend, auth.HashSessionKey: a.SessionAuthHash(users[2])}, "", false},
		{"no hash", map[string]any{auth.SessionKey: "1", auth.BackendSessionKey: auth.ModelBackend}, "", true},
		{"wrong hash", map[string]any{auth.SessionKey: "1", auth.BackendSessionKey: auth.ModelBackend, auth.HashSessionKey: strings.Repeat("0", 64)}, "", true},
		{"other user's hash", map[string]any{auth.SessionKey: "2", auth.BackendSessionKey: auth.ModelBackend, auth.HashSessionKey: hash}, "", true},
		{"good", map[string]any{auth.SessionKey: "1", auth.BackendSessionKey: auth.ModelBackend, auth.HashSessionKey: hash}, "alice", false},
		{"int id", map[string]any{auth.SessionKey: 1, auth.BackendSessionKey: auth.ModelBackend, auth.HashSessionKey: hash}, "alice", false},
	}
	for _, c := range cases {
		s := m.Open(ctx, "")
		s.Update(c.session)
		s.Set("other", true)
		if err := s.Save(ctx); err != nil {
			t.Fatal(err)
		}
		key := s.Key()
		u, err := a.User(ctx, s)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := ""; u != nil {
			got = u.Username
			if got != c.user {
				t.Errorf("%s: user %q, want %q", c.name, got, c.user)
			}
		} else if c.user != "" {
			t.Errorf("%s: anonymous, want %q", c.name, c.user)
		}
		exists, _ := m.Exists(ctx, key)
		if flushed := !exists && s.Len() == 0; flushed != c.flushed {
			t.Errorf("%s: flushed %v, want %v", c.name, flushed, c.flushed)
		}
	}
}

func TestLastLoginClock(t *testing.T) {
	rec := &recordingUsers{StaticUsers: testUsers()}
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	a := &auth.Auth{Users: rec, SecretKey: secret, Now: func() time.Time { return at }}
	s := newManager(t).Open(t.Context(), "")
	if err := a.Login(t.Context(), s, rec.StaticUsers[1]); err != nil {
		t.Fatal(err)
	}
	if rec.id != "2" || !rec.at.Equal(at) {
		t.Errorf("UpdateLastLogin(%q, %v)", rec.id, rec.at)
	}
}

type recordingUsers struct {
	auth.StaticUsers
	id string
	at time.Time
}

func (r *recordingUsers) UpdateLastLogin(_ context.Context, id string, t time.Time) error {
	r.id, r.at = id, t
	return nil
}

// TestSessionAuthHashVector: get_session_auth_hash as Django 3.2's
// salted_hmac computes it, with sha256 and sha1.
func TestSessionAuthHashVector(t *testing.T) {
	u := auth.User{ID: "1", Password: "pbkdf2_sha256$1000$seasalt$JgZryXe2Ga8ysg6XbzkLpTdyPQrHqsinbL9BnnhgX4A="}
	for alg, want := range map[string]string{
		"":       "9f101d1ca36ae7e575043215e992f97f74e006bfba68a5292c738ff7bcad0351",
		"sha256": "9f101d1ca36ae7e575043215e992f97f74e006bfba68a5292c738ff7bcad0351",
		"sha1":   "f0441634058cbb3d60ed5ff3247ed499e2fe3af7",
	} {
		a := &auth.Auth{Users: auth.StaticUsers{u}, SecretKey: "s3cr3t", HashingAlgorithm: alg}
		if got := a.SessionAuthHash(u); got != want {
			t.Errorf("SessionAuthHash (%q) = %s, want %s", alg, got, want)
		}
	}
}
