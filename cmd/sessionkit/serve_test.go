package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer that a server goroutine writes while the
// test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var urlInStartLine = regexp.MustCompile(`^sessionkit serve: (http://[0-9.:]+) — (.*)\n`)

// startServe runs "sessionkit serve args..." until the test ends and
// returns its URL, its output, and a function that stops it (as SIGINT
// does) and returns the exit code.
func startServe(t *testing.T, args ...string) (base string, stdout, stderr *lockedBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = &lockedBuffer{}, &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), nil, stdout, stderr)
	}()
	var code *int
	stop = func() int {
		if code == nil {
			cancel()
			c := <-done
			code = &c
		}
		return *code
	}
	t.Cleanup(func() { stop() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := urlInStartLine.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], stdout, stderr, stop
		}
		select {
		case c := <-done:
			t.Fatalf("serve exited with %d before it served:\n%s%s", c, stdout, stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve printed no start-up line:\n%s%s", stdout, stderr)
	return
}

func TestServe(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	base, stdout, stderr, stop := startServe(t, "--engine", "db", "--db", "sqlite:///"+db)
	if !strings.Contains(stdout.String(), "db engine, SQLite file "+db+", native formats") {
		t.Errorf("the start-up line does not say which engine and store:\n%s", stdout)
	}
	key := filepath.Join(dir, "sessionkit.secret")
	if !strings.Contains(stderr.String(), "generated and saved in "+key) {
		t.Errorf("serve did not say it generated a SECRET_KEY:\n%s", stderr)
	}
	if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the key file: %v %v", fi, err)
	}

	client := &http.Client{Timeout: 10 * time.Second}
	res, err := client.Post(base+"/api/session", "application/json", strings.NewReader(`{"color": "blue"}`))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	json.NewDecoder(res.Body).Decode(&v)
	res.Body.Close()
	if res.StatusCode != 200 || v["session_key"] == nil {
		t.Fatalf("POST /api/session: %d %v", res.StatusCode, v)
	}
	for _, path := range []string{"/", "/cookies", "/session", "/shop"} {
		res, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("GET %s: %d", path, res.StatusCode)
		}
	}
	if code := stop(); code != 0 {
		t.Errorf("serve exited with %d after the signal:\n%s", code, stderr)
	}
	if !strings.Contains(stdout.String(), "shutting down") {
		t.Errorf("no shutdown line:\n%s", stdout)
	}

	// A second start keeps the key and the sessions.
	base, _, stderr, _ = startServe(t, "--engine", "db", "--db", "sqlite:///"+db)
	if strings.Contains(stderr.String(), "generated") {
		t.Error("the second start generated another key")
	}
	req, _ := http.NewRequest("GET", base+"/api/session", nil)
	req.AddCookie(&http.Cookie{Name: "sessionid", Value: v["session_key"].(string)})
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), `"data":{"color":"blue"}`) {
		t.Errorf("the session did not survive the restart: %s", body)
	}
}

func TestServeSettingsFromTheEnvironment(t *testing.T) {
	t.Setenv("SESSION_ENGINE", "django.contrib.sessions.backends.signed_cookies")
	t.Setenv("SECRET_KEY", "from-the-environment")
	t.Setenv("SESSION_COOKIE_NAME", "sid")
	base, stdout, stderr, _ := startServe(t, "--cookie-name", "flagsid")
	if !strings.Contains(stdout.String(), "signed_cookies engine") || strings.Contains(stderr.String(), "generated") {
		t.Errorf("start-up:\n%s%s", stdout, stderr)
	}
	res, err := http.Post(base+"/api/session", "application/json", strings.NewReader(`{"a": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("Set-Cookie"); !strings.HasPrefix(got, "flagsid=") {
		t.Errorf("the flag did not win over SESSION_COOKIE_NAME: %q", got)
	}
}

func TestServeBadSettings(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SESSION_ENGINE", "")
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--engine", "mongo"}, nil, `--engine="mongo" is not a session engine`},
		{nil, map[string]string{"SESSION_COOKIE_AGE": "soon"}, `SESSION_COOKIE_AGE="soon" (from the environment) is not a whole number of seconds`},
		{[]string{"--db", "oracle://x"}, nil, "DATABASE_URL"},
		{[]string{"--engine", "file", "--file-path", filepath.Join(dir, "missing")}, nil, "SESSION_FILE_PATH"},
		{[]string{"--engine", "cache", "--cache", "mongodb://x"}, nil, "CACHE_URL"},
		{[]string{"--addr", "127.0.0.1:99999"}, nil, "--addr"},
		{[]string{"extra"}, nil, "takes no arguments"},
		{[]string{"--no-such-flag"}, nil, "flag provided but not defined"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Setenv("SECRET_KEY", strongTestKey)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			args := append([]string{"serve", "--db", "sqlite:///" + filepath.Join(dir, "x.db")}, tc.args...)
			r := runCLI(t, "", args...)
			if r.code != exitUsage || !oneLine(r.stderr) || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("%v %v: exit %d, stderr %q; want 2 and one line with %q", tc.args, tc.env, r.code, r.stderr, tc.want)
			}
		})
	}
}

func TestServeHelp(t *testing.T) {
	r := runCLI(t, "", "serve", "--help")
	if r.code != 0 {
		t.Fatalf("exit %d", r.code)
	}
	for _, want := range []string{"usage: sessionkit serve", "--addr ADDRESS", "SESSION_ENGINE", "DATABASE_URL", "CACHE_URL",
		"SESSION_FILE_PATH", "SECRET_KEY_FALLBACKS", "SESSIONKIT_DJANGO", "SESSION_COOKIE_SAMESITE", "SESSION_EXPIRE_AT_BROWSER_CLOSE"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("serve --help lacks %q", want)
		}
	}
}

// strongTestKey passes Django's check security.W009, so that no warning
// about a weak key is logged.
const strongTestKey = "test-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF"

// A secret given as a flag is warned about (other users can read command
// lines); the help sends secrets to the environment or a file.
func TestServeWarnsAboutSecretFlags(t *testing.T) {
	dir := t.TempDir()
	const warning = "other users of this machine can read it"
	for _, tc := range []struct {
		args []string
		warn string
	}{
		{[]string{"--secret-key", strongTestKey}, "--secret-key puts a secret"},
		{[]string{"--secret-key-fallbacks", strongTestKey}, "--secret-key-fallbacks puts a secret"},
		{nil, ""},
	} {
		t.Setenv("SECRET_KEY", strongTestKey)
		// A port that cannot be listened on stops serve after the settings.
		args := append([]string{"serve", "--db", "sqlite:///" + filepath.Join(dir, "x.db"), "--addr", "127.0.0.1:99999"}, tc.args...)
		r := runCLI(t, "", args...)
		if tc.warn != "" && (!strings.Contains(r.stderr, tc.warn) || !strings.Contains(r.stderr, warning)) {
			t.Errorf("%v: stderr %q; want a warning %q", tc.args, r.stderr, tc.warn)
		}
		if tc.warn == "" && strings.Contains(r.stderr, warning) {
			t.Errorf("%v: stderr %q; want no warning", tc.args, r.stderr)
		}
	}
	r := runCLI(t, "", "serve", "--help")
	for _, want := range []string{"--secret-key-file", "not as flags", "mode 0600"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("serve --help does not say %q", want)
		}
	}
}

// serve answers /healthz and /metrics for the store it opened.
func TestServeMetricsAndHealth(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	base, _, _, _ := startServe(t, "--engine", "db", "--db", "sqlite:///"+db)
	client := &http.Client{Timeout: 10 * time.Second}
	get := func(path string) (int, string) {
		t.Helper()
		res, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || !strings.Contains(body, `"status":"ok"`) {
		t.Fatalf("GET /healthz: %d %s", code, body)
	}
	res, err := client.Post(base+"/api/session", "application/json", strings.NewReader(`{"color": "blue"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	code, body := get("/metrics")
	if code != 200 || !strings.Contains(body, "sessionkit_store_operations_total{engine=\"sqlstore\",op=\"create\"} 1\n") {
		t.Fatalf("GET /metrics: %d, no create counted for sqlstore:\n%s", code, body)
	}
}
