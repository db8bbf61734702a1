package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

func TestSessionsListAndRevoke(t *testing.T) {
	t.Setenv("SESSION_ENGINE", "")
	dbURL := "sqlite:///" + filepath.Join(t.TempDir(), "s.db")
	st, err := sqlstore.Open(context.Background(), dbURL, sqlstore.Config{CreateTable: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	keys := []string{"user42session00000000000000000001", "user42session00000000000000000002", "user7session000000000000000000001"}
	for i, k := range keys {
		uid := "42"
		if i == 2 {
			uid = "7"
		}
		data := `{"_auth_user_id":"` + uid + `","_sessionkit_since":1800000000000,"_sessionkit_seen":1800000060,"_sessionkit_ua":"Phone/1"}`
		if _, err := st.Create(context.Background(), k, sessionkit.Record{Data: []byte(data), Expiry: time.Now().Add(time.Hour), UserID: uid}); err != nil {
			t.Fatal(err)
		}
	}
	r := runCLI(t, "", "sessions", "list", "--db", dbURL, "--user", "42", "--json")
	var out struct {
		Sessions []struct {
			ID, UserAgent, Created string
		} `json:"sessions"`
	}
	if r.code != 0 {
		t.Fatalf("list: exit %d %s", r.code, r.stderr)
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Sessions) != 2 {
		t.Fatalf("list --json = %s (%v); want 2 sessions", r.stdout, err)
	}
	if !strings.Contains(r.stdout, `"user_agent":"Phone/1"`) || !strings.Contains(r.stdout, `"created":"2027-01-15T08:00:00Z"`) {
		t.Errorf("list --json lacks the metadata: %s", r.stdout)
	}
	if strings.Contains(r.stdout, keys[0]) {
		t.Error("list shows a session key")
	}
	r = runCLI(t, "", "sessions", "list", "--db", dbURL, "--user", "42")
	if r.code != 0 || !strings.Contains(r.stdout, sessionkit.KeyHash(keys[1])) || !strings.Contains(r.stdout, "USER AGENT") {
		t.Errorf("list: %d %s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", "sessions", "revoke", "--db", dbURL, "--user", "42", "--id", sessionkit.KeyHash(keys[0]))
	if r.code != 0 || !strings.Contains(r.stdout, "Revoked 1 session") {
		t.Errorf("revoke --id: %d %s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "", "sessions", "revoke", "--db", dbURL, "--user", "42", "--id", sessionkit.KeyHash(keys[2])); r.code != 1 {
		t.Errorf("revoking another user's session: exit %d, want 1", r.code)
	}
	r = runCLI(t, "", "sessions", "revoke", "--db", dbURL, "--user", "42", "--all")
	if r.code != 0 || !strings.Contains(r.stdout, "Revoked 1 session(s)") {
		t.Errorf("revoke --all: %d %s%s", r.code, r.stdout, r.stderr)
	}
	for i, k := range keys {
		_, err := st.Load(context.Background(), k)
		if (err == nil) != (i == 2) {
			t.Errorf("session %d: Load = %v after revoking user 42's", i, err)
		}
	}
}

func TestSessionsUsage(t *testing.T) {
	for _, args := range [][]string{
		{"sessions", "list"},
		{"sessions", "--user", "1"},
		{"sessions", "revoke", "--user", "1"},
		{"sessions", "revoke", "--user", "1", "--all", "--id", "x"},
		{"sessions", "list", "--user", "1", "--all"},
	} {
		if r := runCLI(t, "", args...); r.code != 2 {
			t.Errorf("%q: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
}

// TestSessionsSignedCookies: signed cookies cannot be listed, but --all
// records the revocation in DATABASE_URL's database.
func TestSessionsSignedCookies(t *testing.T) {
	dbURL := "sqlite:///" + filepath.Join(t.TempDir(), "s.db")
	t.Setenv("SECRET_KEY", strings.Repeat("k", 50))
	if r := runCLI(t, "", "sessions", "list", "--engine", "signed_cookies", "--db", dbURL, "--user", "1"); r.code != 1 || !strings.Contains(r.stderr, "cannot") {
		t.Errorf("list on signed_cookies: %d %s", r.code, r.stderr)
	}
	r := runCLI(t, "", "sessions", "revoke", "--engine", "signed_cookies", "--db", dbURL, "--user", "1", "--all")
	if r.code != 0 || !strings.Contains(r.stdout, "issued until now") {
		t.Errorf("revoke --all on signed_cookies: %d %s%s", r.code, r.stdout, r.stderr)
	}
}
