package demo

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/cookiestore"
	"github.com/sessionkit/sessionkit/store/memstore"
)

func apiLogin(t *testing.T, c *client, name, password, ua string) {
	t.Helper()
	c.header.Set("User-Agent", ua)
	wantUser(t, c.postJSON("/api/login", `{"username": "`+name+`", "password": "`+password+`"}`), name)
}

func apiSessions(t *testing.T, c *client) []map[string]any {
	t.Helper()
	r := c.get("/api/user/sessions")
	wantStatus(t, r, 200)
	var out []map[string]any
	for _, v := range r.json(t)["sessions"].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

// TestAPIUserSessions: the device list and the three revocations.
func TestAPIUserSessions(t *testing.T) {
	s, _ := newTestServer(t, nil)
	laptop, phone, tablet, bob := newClient(t, s), newClient(t, s), newClient(t, s), newClient(t, s)
	apiLogin(t, laptop, "alice", "wonderland", "Laptop/1")
	apiLogin(t, phone, "alice", "wonderland", "Phone/1")
	apiLogin(t, tablet, "alice", "wonderland", "Tablet/1")
	apiLogin(t, bob, "bob", "builder", "Bob/1")
	wantError(t, newClient(t, s).get("/api/user/sessions"), 401, "not logged in")

	list := apiSessions(t, laptop)
	if len(list) != 3 {
		t.Fatalf("alice has %d sessions, want 3: %v", len(list), list)
	}
	var phoneID string
	for _, in := range list {
		for _, f := range []string{"id", "created", "last_seen", "expiry", "user_agent", "ip", "current"} {
			if _, ok := in[f]; !ok {
				t.Errorf("a session has no %q: %v", f, in)
			}
		}
		if in["user_agent"] == "Phone/1" {
			phoneID = in["id"].(string)
		}
		if (in["user_agent"] == "Laptop/1") != (in["current"] == true) {
			t.Errorf("current is wrong: %v", in)
		}
	}
	wantError(t, laptop.postJSON("/api/user/sessions/revoke", `{"others": true, "all": true}`), 400, "exactly one")
	// Bob cannot end alice's phone.
	if r := bob.postJSON("/api/user/sessions/revoke", `{"id": "`+phoneID+`"}`); fmt.Sprint(r.json(t)["revoked"]) != "0" {
		t.Errorf("bob revoking alice's phone: %s", r.body)
	}
	if r := laptop.postJSON("/api/user/sessions/revoke", `{"id": "`+phoneID+`"}`); fmt.Sprint(r.json(t)["revoked"]) != "1" {
		t.Errorf("revoking the phone: %s", r.body)
	}
	wantError(t, phone.get("/api/user/sessions"), 401, "not logged in")
	if r := laptop.postJSON("/api/user/sessions/revoke", `{"others": true}`); fmt.Sprint(r.json(t)["revoked"]) != "1" {
		t.Errorf("revoking the others: %s", r.body)
	}
	wantError(t, tablet.get("/api/user/sessions"), 401, "")
	if n := len(apiSessions(t, laptop)); n != 1 {
		t.Errorf("after revoking the others alice has %d sessions, want 1", n)
	}
	if r := laptop.postJSON("/api/user/sessions/revoke", `{"all": true}`); fmt.Sprint(r.json(t)["revoked"]) != "1" {
		t.Errorf("revoking all: %s", r.body)
	}
	wantError(t, laptop.get("/api/user/sessions"), 401, "")
	if n := len(apiSessions(t, bob)); n != 1 {
		t.Errorf("bob has %d sessions after alice logged out everywhere, want 1", n)
	}
}

// TestAPIUserSessionsSignedCookies: signed cookies cannot be listed (501)
// but can be logged out everywhere else through the revocation store.
func TestAPIUserSessionsSignedCookies(t *testing.T) {
	cs, err := cookiestore.New(cookiestore.Config{SecretKey: strings.Repeat("s", 50)})
	if err != nil {
		t.Fatal(err)
	}
	s, m := newTestServer(t, cs)
	m.Revocations = memstore.New(0)
	a, b := newClient(t, s), newClient(t, s)
	apiLogin(t, a, "alice", "wonderland", "A/1")
	apiLogin(t, b, "alice", "wonderland", "B/1")
	wantError(t, a.get("/api/user/sessions"), 501, "cannot")
	wantError(t, a.postJSON("/api/user/sessions/revoke", `{"id": "x"}`), 501, "cannot")
	wantStatus(t, a.postJSON("/api/user/sessions/revoke", `{"others": true}`), 200)
	wantUser(t, a.get("/api/user"), "alice")
	if r := b.get("/api/user"); r.json(t)["user"] != nil {
		t.Errorf("the other cookie is still logged in: %s", r.body)
	}
	var _ sessionkit.Store = cs
}
