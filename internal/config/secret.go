package config

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// secretKeyChars is the alphabet of Django's get_random_secret_key.
const secretKeyChars = "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)"

// secretKeyLength is the length of Django's get_random_secret_key.
const secretKeyLength = 50

// NewSecretKey returns a random secret key as Django's startproject makes
// one: 50 characters from a 50-letter alphabet (about 282 bits), drawn with
// crypto/rand.
func NewSecretKey() string {
	b := make([]byte, secretKeyLength)
	var buf [64]byte
	for n := 0; n < len(b); {
		rand.Read(buf[:])
		for _, c := range buf {
			// 250 = 5*50: rejection sampling keeps every letter uniform.
			if c >= 250 || n == len(b) {
				continue
			}
			b[n] = secretKeyChars[int(c)%len(secretKeyChars)]
			n++
		}
	}
	return string(b)
}

// SecretKeyPath returns where the generated secret key is kept: SecretKeyFile
// if set, else "sessionkit.secret" in the directory of the SQLite database
// that DatabaseURL names, else in the working directory.
func (s *Settings) SecretKeyPath() string {
	if s.SecretKeyFile != "" {
		return s.SecretKeyFile
	}
	if p, ok, mem := sqlitePath(s.DatabaseURL); ok && !mem {
		return filepath.Join(filepath.Dir(p), SecretKeyFileName)
	}
	return SecretKeyFileName
}

// SecretKeySource says where the secret key came from.
type SecretKeySource int

const (
	// SecretKeyGiven: SECRET_KEY was set (flag or environment).
	SecretKeyGiven SecretKeySource = iota
	// SecretKeyFromFile: read from the file a previous run generated.
	SecretKeyFromFile
	// SecretKeyGenerated: generated now and saved to the file.
	SecretKeyGenerated
	// SecretKeyNone: none given, none saved, and generating was not allowed.
	SecretKeyNone
)

// LoadSecretKey fills in SecretKey when no SECRET_KEY was given: from the
// file at SecretKeyPath if it exists, else — when generate is true — with a
// new key that it saves there, readable by the owner only (mode 0600), so
// that sessions and signed cookies survive a restart. The file is created
// so that two processes starting at once end up with the same key.
func (s *Settings) LoadSecretKey(generate bool) (SecretKeySource, error) {
	if s.SecretKey != "" {
		return SecretKeyGiven, nil
	}
	path := s.SecretKeyPath()
	key, err := ReadSecretKeyFile(path)
	if err == nil {
		s.SecretKey = key
		return SecretKeyFromFile, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return SecretKeyNone, err
	}
	if !generate {
		return SecretKeyNone, nil
	}
	key = NewSecretKey()
	if err := createFile(path, []byte(key+"\n")); errors.Is(err, fs.ErrExist) {
		// Another process generated it a moment ago: use that one.
		key, err = ReadSecretKeyFile(path)
		if err != nil {
			return SecretKeyNone, err
		}
		s.SecretKey = key
		return SecretKeyFromFile, nil
	} else if err != nil {
		return SecretKeyNone, fmt.Errorf("no SECRET_KEY given, and saving a generated one failed: %w; set SECRET_KEY, or --secret-key-file to a writable place", err)
	}
	s.SecretKey = key
	return SecretKeyGenerated, nil
}

// createFile creates path with content, mode 0600, unless it exists (an
// error wrapping fs.ErrExist). The content is written to a temporary file,
// flushed to disk, and then linked into place, and the directory is
// flushed too, so that a process reading path never sees it half-written
// and a crash cannot leave an empty key file behind.
func createFile(path string, content []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".sessionkit-secret-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	err = tmp.Chmod(0o600) // CreateTemp's mode already; said for clarity
	if err == nil {
		_, err = tmp.Write(content)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir flushes a directory, so that a name just linked into it lasts.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// maxSecretKeyFile bounds what is read from a secret key file.
const maxSecretKeyFile = 64 << 10

// ReadSecretKeyFile reads a secret key from the file at path, as
// --secret-key-file names it: the file's content without surrounding white
// space. It refuses a symbolic link (the file is opened without following
// one), anything but a regular file, a file owned by another user, and a
// file that group or others may read or write (run chmod 600 on it), as
// well as an empty file. Errors wrapping fs.ErrNotExist mean there is no
// file.
func ReadSecretKeyFile(path string) (string, error) {
	b, err := readPrivateFile(path, maxSecretKeyFile)
	if err != nil {
		return "", err
	}
	key := strings.TrimSpace(string(b))
	if key == "" {
		return "", fmt.Errorf("config: the secret key file %s is empty; delete it to have a new key generated, or set SECRET_KEY", path)
	}
	return key, nil
}

// WeakSecretKey says why key is a weak secret by Django's rule (check
// security.W009): shorter than 50 characters, fewer than 5 different
// characters, or made by startproject for development ("django-insecure-").
// It returns "" for a key that passes.
func WeakSecretKey(key string) string {
	unique := map[rune]bool{}
	n := 0
	for _, r := range key {
		unique[r] = true
		n++
	}
	switch {
	case n < 50:
		return fmt.Sprintf("it has %d characters, fewer than 50", n)
	case len(unique) < 5:
		return fmt.Sprintf("it has %d different characters, fewer than 5", len(unique))
	case strings.HasPrefix(key, "django-insecure-"):
		return "it starts with django-insecure-, the prefix of a development key"
	}
	return ""
}

// warnWeakSecretKeys logs one warning if SecretKey or any of
// SecretKeyFallbacks is weak by Django's rule (see WeakSecretKey). It warns
// and does not refuse, as Django's check does.
func (s *Settings) warnWeakSecretKeys(log *slog.Logger) {
	var weak []any
	if why := WeakSecretKey(s.SecretKey); s.SecretKey != "" && why != "" {
		weak = append(weak, "SECRET_KEY", why)
	}
	for i, k := range s.SecretKeyFallbacks {
		if why := WeakSecretKey(k); why != "" {
			weak = append(weak, fmt.Sprintf("SECRET_KEY_FALLBACKS[%d]", i), why)
		}
	}
	if weak != nil {
		log.Warn("config: a secret key is weak by Django's check security.W009: use a random key of at least 50 characters", weak...)
	}
}
