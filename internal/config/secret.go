package config

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
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
	key, err := readSecretKey(path)
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
		key, err = readSecretKey(path)
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
// error wrapping fs.ErrExist). The content is written to a temporary file
// that is then linked into place, so that a process reading path never sees
// it half-written.
func createFile(path string, content []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".sessionkit-secret-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(content)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o600)
	}
	if err != nil {
		return err
	}
	return os.Link(tmp.Name(), path)
}

// readSecretKey reads a key file; it refuses an empty one, which would
// otherwise sign everything with an empty key.
func readSecretKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	key := strings.TrimSpace(string(b))
	if key == "" {
		return "", fmt.Errorf("the secret key file %s is empty; delete it to have a new key generated, or set SECRET_KEY", path)
	}
	return key, nil
}
