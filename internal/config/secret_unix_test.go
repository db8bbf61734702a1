//go:build unix

package config

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

const goodKey = "k3y-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"

func writeKeyFile(t *testing.T, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(path, []byte(goodKey+"\n"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
	return path
}

// loadFrom is what serve does with --secret-key-file.
func loadFrom(path string) (string, error) {
	s := Settings{SecretKeyFile: path}
	_, err := s.LoadSecretKey(true)
	return s.SecretKey, err
}

func TestSecretKeyFileGood(t *testing.T) {
	path := writeKeyFile(t, 0o600)
	if key, err := loadFrom(path); err != nil || key != goodKey {
		t.Fatalf("LoadSecretKey = %q, %v; want the file's key", key, err)
	}
	if key, err := ReadSecretKeyFile(path); err != nil || key != goodKey {
		t.Fatalf("ReadSecretKeyFile = %q, %v", key, err)
	}
}

// A symbolic link is not followed: whoever can write the directory could
// otherwise point the key at a file of their choosing.
func TestSecretKeyFileRefusesSymlink(t *testing.T) {
	target := writeKeyFile(t, 0o600)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	key, err := loadFrom(link)
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("LoadSecretKey through a link = %q, %v; want a refusal naming the link", key, err)
	}
}

// A key file group or others may read is refused, with the fix.
func TestSecretKeyFileRefusesOpenModes(t *testing.T) {
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o602} {
		path := writeKeyFile(t, mode)
		key, err := loadFrom(path)
		if err == nil || !strings.Contains(err.Error(), "chmod 600") || !strings.HasPrefix(err.Error(), "config: ") {
			t.Errorf("mode %04o: LoadSecretKey = %q, %v; want a refusal that says chmod 600", mode, key, err)
		}
	}
}

// A key file owned by another user is refused: that user chose the key.
func TestSecretKeyFileRefusesForeignOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving a file to another user needs root")
	}
	path := writeKeyFile(t, 0o600)
	if err := os.Chown(path, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	key, err := loadFrom(path)
	if err == nil || !strings.Contains(err.Error(), "owned by uid 4242") {
		t.Fatalf("LoadSecretKey = %q, %v; want a refusal naming the owner", key, err)
	}
}

// Only a regular file holds a key: not a directory, not a FIFO (which
// would also block the start until someone writes to it).
func TestSecretKeyFileRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, sub} {
		if key, err := ReadSecretKeyFile(p); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("%s: ReadSecretKeyFile = %q, %v; want a refusal", filepath.Base(p), key, err)
		}
	}
}

// A generated key file is private, complete, and readable by the checks.
func TestGeneratedSecretKeyFilePasses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	s := Settings{SecretKeyFile: path}
	if src, err := s.LoadSecretKey(true); err != nil || src != SecretKeyGenerated {
		t.Fatalf("LoadSecretKey = %v, %v", src, err)
	}
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Fatalf("generated file: %v, %v; want a regular file of mode 0600", fi, err)
	}
	if key, err := ReadSecretKeyFile(path); err != nil || key != s.SecretKey {
		t.Fatalf("read back %q, %v; want %q", key, err, s.SecretKey)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".sessionkit-secret-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestWeakSecretKey(t *testing.T) {
	for key, weak := range map[string]bool{
		goodKey:                  false,
		strings.Repeat("ab", 30): true, // 2 different characters
		"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLM":  true, // 49
		"django-insecure-" + goodKey:                         true,
		"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMN": false, // 50
		strings.Repeat("abcde", 10):                          false,
		strings.Repeat("é", 49) + "abcd":                     false, // 53 characters, 5 different
	} {
		if got := WeakSecretKey(key) != ""; got != weak {
			t.Errorf("WeakSecretKey(%q) = %q; want weak %v", key, WeakSecretKey(key), weak)
		}
	}
}

// Open warns, once, about a weak SECRET_KEY or fallback, and still opens.
func TestOpenWarnsAboutWeakSecretKey(t *testing.T) {
	for _, tc := range []struct {
		key       string
		fallbacks []string
		want      []string
	}{
		{"short", nil, []string{"SECRET_KEY", "fewer than 50"}},
		{goodKey, []string{goodKey, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}, []string{"SECRET_KEY_FALLBACKS[1]", "fewer than 5"}},
		{goodKey, []string{goodKey}, nil},
	} {
		var buf bytes.Buffer
		log := slog.New(slog.NewTextHandler(&buf, nil))
		s := Defaults()
		s.Engine, s.SecretKey, s.SecretKeyFallbacks = EngineSignedCookies, tc.key, tc.fallbacks
		_, closeStore, err := s.Open(context.Background(), log)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		closeStore()
		out := buf.String()
		if n := strings.Count(out, "level=WARN"); tc.want == nil && n != 0 || tc.want != nil && n != 1 {
			t.Errorf("key %q fallbacks %q: %d warnings, want %d:\n%s", tc.key, tc.fallbacks, n, min(len(tc.want), 1), out)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("key %q: the warning does not say %q:\n%s", tc.key, w, out)
			}
		}
	}
}
