package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/pyjson"
	"github.com/sessionkit/sessionkit/signing"
)

// The key of the vector files in testdata (see testdata/README.md).
const vectorKey = "django-insecure-interop-test-key-0123456789abcdef"

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return result{code, out.String(), errb.String()}
}

// oneLine reports whether s is exactly one line of text.
func oneLine(s string) bool {
	return strings.Count(s, "\n") == 1 && strings.HasSuffix(s, "\n") && len(s) > 1
}

func TestUsage(t *testing.T) {
	t.Setenv("SECRET_KEY", "")
	for _, args := range [][]string{nil, {"help"}, {"--help"}, {"-h"}} {
		r := runCLI(t, "", args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("%q: exit %d, stderr %q", args, r.code, r.stderr)
		}
		for _, c := range commands() {
			if !strings.Contains(r.stdout, c.name) || !strings.Contains(r.stdout, c.summary) {
				t.Errorf("%q: usage does not list %s", args, c.name)
			}
		}
	}
	for _, args := range [][]string{{"help", "decode"}, {"decode", "--help"}, {"decode", "-h"}, {"help", "encode"}, {"encode", "--help"}} {
		r := runCLI(t, "", args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("%q: exit %d, stderr %q", args, r.code, r.stderr)
		}
		if !strings.HasPrefix(r.stdout, "usage: sessionkit "+strings.TrimPrefix(strings.Join(args, " "), "help ")[:6]) {
			t.Errorf("%q: stdout does not start with the usage line:\n%s", args, r.stdout)
		}
		for _, want := range []string{"--secret-key KEY", "--salt SALT", "django.contrib.sessions.SessionStore", "django.contrib.sessions.backends.signed_cookies"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%q: usage lacks %q:\n%s", args, want, r.stdout)
			}
		}
	}
}

func TestUsageErrors(t *testing.T) {
	t.Setenv("SECRET_KEY", "k")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"nope"}, `unknown command "nope"`},
		{[]string{"help", "nope"}, `unknown command "nope"`},
		{[]string{"decode", "--bogus", "x"}, "flag provided but not defined"},
		{[]string{"decode"}, "want exactly one TOKEN"},
		{[]string{"decode", "a", "b"}, "want exactly one TOKEN, got 2"},
		{[]string{"decode", "--max-age", "-1", "x"}, "--max-age"},
		{[]string{"decode", "--max-age", "soon", "x"}, "invalid value"},
		{[]string{"encode"}, "want exactly one JSON"},
		{[]string{"encode", `{"a":`}, "invalid JSON: pyjson: expecting value at byte offset 5"},
		{[]string{"encode", "{}", "--compress=maybe"}, "invalid boolean"},
		{[]string{"encode", "\"\xff\""}, "invalid UTF-8"},
	}
	for _, tt := range tests {
		r := runCLI(t, "", tt.args...)
		if r.code != 2 {
			t.Errorf("%q: exit %d, want 2", tt.args, r.code)
		}
		if !oneLine(r.stderr) || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%q: stderr %q, want one line containing %q", tt.args, r.stderr, tt.want)
		}
		if r.stdout != "" {
			t.Errorf("%q: stdout %q, want nothing", tt.args, r.stdout)
		}
	}
}

func TestNoSecretKey(t *testing.T) {
	t.Setenv("SECRET_KEY", "") // restored after the test
	os.Unsetenv("SECRET_KEY")
	for _, cmd := range []string{"decode", "encode"} {
		r := runCLI(t, "", cmd, "{}")
		if r.code != 2 || !oneLine(r.stderr) || !strings.Contains(r.stderr, "set SECRET_KEY, or pass --secret-key-file") {
			t.Errorf("%s without a key: exit %d, stderr %q", cmd, r.code, r.stderr)
		}
	}
}

type dumpsCase struct {
	Kind   string `json:"kind"`
	Inputs struct {
		Label string `json:"label"`
		Salt  string `json:"salt"`
		Token string `json:"token"`
	} `json:"inputs"`
	Outputs struct {
		JSON  string `json:"json"`
		Token string `json:"token"`
		Loads struct {
			Value json.RawMessage `json:"value"`
		} `json:"loads"`
	} `json:"outputs"`
}

// Every token of dumps_loads.json, from both Django versions, decodes to
// exactly the JSON Django serialized.
func TestDecodeVectors(t *testing.T) {
	t.Setenv("SECRET_KEY", "")
	n := 0
	for _, version := range []string{"django-4.2.28", "django-5.2.18"} {
		b, err := os.ReadFile(filepath.Join("testdata", version, "dumps_loads.json"))
		if err != nil {
			t.Fatal(err)
		}
		var f struct{ Cases []dumpsCase }
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		for _, c := range f.Cases {
			token, want, salt := c.Outputs.Token, c.Outputs.JSON, c.Inputs.Salt
			switch c.Kind {
			case "dumps":
			case "loads_raw_utf8_json":
				// Raw UTF-8 JSON, read by Django as Latin-1: the output is
				// Django's (mojibake) value, written as Python writes it.
				token = c.Inputs.Token
				v, err := pyjson.UnmarshalUTF8(c.Outputs.Loads.Value)
				if err != nil {
					t.Fatal(err)
				}
				w, _ := pyjson.Marshal(v)
				want = string(w)
			default:
				t.Fatalf("unknown kind %q", c.Kind)
			}
			t.Setenv("SECRET_KEY", vectorKey)
			args := []string{"decode", token}
			if salt != "" {
				args = append(args, "--salt", salt) // flags after the token work too
			}
			r := runCLI(t, "", args...)
			if r.code != 0 || r.stdout != want+"\n" || r.stderr != "" {
				t.Errorf("%s %s (%s): exit %d\nstdout %q\nwant   %q\nstderr %q", version, c.Inputs.Label, salt, r.code, r.stdout, want+"\n", r.stderr)
			}
			n++
		}
	}
	if n < 98 {
		t.Fatalf("decoded only %d vector tokens", n)
	}
}

func TestDecode(t *testing.T) {
	const token = "ImhlbGxvIg:1r31eq:qU4zA6CgHWntt9gYUmb9B7o6qB2OZXfZWSp12zNs-tI" // "hello", 2023-11-14
	// SPEC.md §4.1: session data of {"foo":"bar"}.
	const session = "eyJmb28iOiJiYXIifQ:1r31eq:HpP88y98DOPZ44Om-HE6Y8Vqu2uG2I2igVzB_O06hEg"
	old, err := signing.Dumps(map[string]any{"old": true}, "old-key", "", false)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SECRET_KEY", vectorKey)
	otherKeyFile := writeKeyFile(t, "other")
	tests := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stdout string
		stderr string // substring; "" means stderr must be empty
	}{
		{"key from $SECRET_KEY", "", []string{token}, 0, `"hello"` + "\n", ""},
		{"token from stdin", token + "\n", []string{"-"}, 0, `"hello"` + "\n", ""},
		{"session data", "", []string{"--salt", "django.contrib.sessions.SessionStore", session}, 0, `{"foo":"bar"}` + "\n", ""},
		{"session data with the default salt", "", []string{session}, 1, "", "bad signature"},
		{"wrong key", "", []string{"--secret-key-file", otherKeyFile, token}, 1, "", "check the secret key and --salt"},
		{"tampered", "", []string{"J" + token[1:]}, 1, "", "bad signature"},
		{"not a token", "", []string{"garbage"}, 1, "", `no ":" found`},
		{"empty stdin", "", []string{"-"}, 1, "", "bad signature"},
		{"expired", "", []string{"--max-age", "60", token}, 1, "", "signature expired"},
		{"fresh enough", "", []string{"--max-age", "1e9", token}, 0, `"hello"` + "\n", ""},
		{"without the fallback key", "", []string{old}, 1, "", "bad signature"},
		{"flag after --", "", []string{"--", token}, 0, `"hello"` + "\n", ""},
	}
	for _, tt := range tests {
		r := runCLI(t, tt.stdin, append([]string{"decode"}, tt.args...)...)
		if r.code != tt.code || r.stdout != tt.stdout {
			t.Errorf("%s: exit %d, stdout %q; want %d, %q (stderr %q)", tt.name, r.code, r.stdout, tt.code, tt.stdout, r.stderr)
		}
		if tt.stderr == "" && r.stderr != "" || tt.stderr != "" && (!oneLine(r.stderr) || !strings.Contains(r.stderr, tt.stderr)) {
			t.Errorf("%s: stderr %q, want one line containing %q", tt.name, r.stderr, tt.stderr)
		}
	}
}

func TestDecodeValidSignatureBadJSON(t *testing.T) {
	// session_decode_bad "valid_sig_bad_json": signed, but not JSON.
	const data = "bm90IGpzb24:1r31eq:Tlc8wrMQ8gIAGwkP37E5Ol6s9syIlcmlD63qEg7zokY"
	t.Setenv("SECRET_KEY", vectorKey)
	r := runCLI(t, "", "decode", "--salt", "django.contrib.sessions.SessionStore", data)
	if r.code != 1 || r.stdout != "" || !oneLine(r.stderr) || !strings.Contains(r.stderr, "payload is not JSON") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

var encodeInputs = []string{
	`{"name":"Jürgen Émile","emoji":"😀","n":[1,1.0,1e16,18446744073709551617]}`,
	`{"cart":{"items":[{"sku":"A1","qty":2}]},"flags":[true,false,null]}`,
	`"a string ’"`,
	`{"blob":"` + strings.Repeat("compressible ", 100) + `"}`,
}

func TestEncodeRoundTrip(t *testing.T) {
	t.Setenv("SECRET_KEY", "k")
	for _, in := range encodeInputs {
		for _, compress := range []bool{false, true} {
			args := []string{"encode", "--salt", "my-salt", "-"}
			if compress {
				args = append(args, "--compress")
			}
			r := runCLI(t, in, args...)
			if r.code != 0 || r.stderr != "" || !oneLine(r.stdout) {
				t.Fatalf("encode: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
			token := strings.TrimSpace(r.stdout)
			if big := len(in) > 1000; compress && big != strings.HasPrefix(token, ".") {
				t.Errorf("compress=%v on %d bytes: token %.20s…", compress, len(in), token)
			}
			v, _ := pyjson.UnmarshalUTF8([]byte(in))
			want, _ := pyjson.Marshal(v)
			d := runCLI(t, "", "decode", "--salt", "my-salt", token)
			if d.code != 0 || d.stdout != string(want)+"\n" {
				t.Errorf("decode(encode(%.40s)) = %d %q, want %q", in, d.code, d.stdout, want)
			}
		}
	}
}

// Tokens from encode are accepted by real Django's signing.loads.
func TestEncodeAcceptedByDjango(t *testing.T) {
	testenv.Python(t)
	for _, version := range testenv.DjangoVersions() {
		t.Run("Django"+version, func(t *testing.T) { encodeAcceptedByDjango(t, version) })
	}
}

func encodeAcceptedByDjango(t *testing.T, version string) {
	t.Setenv("SECRET_KEY", vectorKey)
	var tokens, wants []string
	for i, in := range encodeInputs {
		r := runCLI(t, "", "encode", "--salt", "django.contrib.sessions.SessionStore", "--compress="+[]string{"false", "true"}[i%2], in)
		if r.code != 0 {
			t.Fatalf("encode: %d %s", r.code, r.stderr)
		}
		tokens = append(tokens, strings.TrimSpace(r.stdout))
		v, _ := pyjson.UnmarshalUTF8([]byte(in))
		w, _ := pyjson.Marshal(v)
		wants = append(wants, string(w))
	}
	stdin, _ := json.Marshal(tokens)
	out := testenv.DjangoIn(t, version, map[string]any{"SECRET_KEY": vectorKey}, `
from django.core import signing
for token in json.load(sys.stdin):
    print(json.dumps(signing.loads(token, salt="django.contrib.sessions.SessionStore"), separators=(",", ":")))
`, stdin)
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(got) != len(wants) {
		t.Fatalf("Django printed %d lines for %d tokens:\n%s", len(got), len(wants), out)
	}
	for i := range wants {
		if got[i] != wants[i] {
			t.Errorf("Django loads %s\n got %s\nwant %s", tokens[i], got[i], wants[i])
		}
	}
}

// writeKeyFile writes key to a private file and returns its path.
func writeKeyFile(t *testing.T, key string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The secret key comes from the environment or a private file; a key on
// the command line still works but is warned about, since other users of
// the machine can read command lines.
func TestDecodeSecretKeySources(t *testing.T) {
	token, err := signing.Dumps("hello", "file-key", "", false)
	if err != nil {
		t.Fatal(err)
	}
	old, err := signing.Dumps("old", "old-key", "", false)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SECRET_KEY", "")
	os.Unsetenv("SECRET_KEY")
	file := writeKeyFile(t, "file-key")
	open := filepath.Join(t.TempDir(), "open")
	if err := os.WriteFile(open, []byte("file-key"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(open, 0o644)
	const warning = "other users of this machine can read it"
	for _, tc := range []struct {
		name      string
		env       map[string]string
		args      []string
		code      int
		stdout    string
		stderr    string // substring
		noWarning bool
	}{
		{"--secret-key-file", nil, []string{"--secret-key-file", file, token}, 0, `"hello"` + "\n", "", true},
		{"$SESSIONKIT_SECRET_KEY_FILE", map[string]string{"SESSIONKIT_SECRET_KEY_FILE": file}, []string{token}, 0, `"hello"` + "\n", "", true},
		{"$SECRET_KEY", map[string]string{"SECRET_KEY": "file-key"}, []string{token}, 0, `"hello"` + "\n", "", true},
		{"--secret-key", nil, []string{"--secret-key", "file-key", token}, 0, `"hello"` + "\n", warning, false},
		{"--fallback-key", map[string]string{"SECRET_KEY": "file-key"}, []string{"--fallback-key", "old-key", old}, 0, `"old"` + "\n", warning, false},
		{"$SECRET_KEY_FALLBACKS", map[string]string{"SECRET_KEY": "file-key", "SECRET_KEY_FALLBACKS": "x,, old-key,"}, []string{old}, 0, `"old"` + "\n", "", true},
		{"empty --fallback-key", map[string]string{"SECRET_KEY": "file-key"}, []string{"--fallback-key", "", old}, 2, "", "empty key", true},
		{"a key file others can read", nil, []string{"--secret-key-file", open, token}, 2, "", "chmod 600", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			r := runCLI(t, "", append([]string{"decode"}, tc.args...)...)
			if r.code != tc.code || r.stdout != tc.stdout || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q and a stderr with %q", r.code, r.stdout, r.stderr, tc.code, tc.stdout, tc.stderr)
			}
			if tc.noWarning && strings.Contains(r.stderr, warning) {
				t.Errorf("warned about a secret on the command line: %q", r.stderr)
			}
		})
	}
	t.Setenv("SECRET_KEY", "file-key")
	if r := runCLI(t, "", "encode", "--secret-key", "file-key", `"x"`); r.code != 0 || !strings.Contains(r.stderr, warning) {
		t.Errorf("encode --secret-key: exit %d, stderr %q; want a warning", r.code, r.stderr)
	}
}

// --max-age takes a positive age; leaving it out means no age check, and
// 0 is refused rather than read as "no limit" (its old meaning) or as
// Django's max_age=0 (expire everything).
func TestDecodeMaxAge(t *testing.T) {
	t.Setenv("SECRET_KEY", "k")
	token, err := signing.Dumps("hello", "k", "", false)
	if err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, "", "decode", token); r.code != 0 {
		t.Errorf("no --max-age: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, age := range []string{"0", "-1", "NaN"} {
		if r := runCLI(t, "", "decode", "--max-age", age, token); r.code != exitUsage || !strings.Contains(r.stderr, "leave it out for no age limit") {
			t.Errorf("--max-age %s: exit %d, stderr %q; want a usage error", age, r.code, r.stderr)
		}
	}
}
