package filestore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"

	"github.com/sessionkit/sessionkit"
)

// usersDir holds the per-user index of Django mode, whose session files
// record no user: a directory per user (a hash of the id) holding an empty
// file named by each of the user's session keys. Django's file engine
// looks only at entries whose names start with the cookie name, and the
// store's scan skips directories, so neither reads it. (The keys are
// already the names of Django-mode session files in the same private
// directory.)
const usersDir = ".sessionkit-users"

func userDir(userID string) string {
	sum := sha256.Sum256([]byte(userID))
	return usersDir + "/" + hex.EncodeToString(sum[:16])
}

// ownersDir maps each indexed key to its user's directory (a file named by
// the key holding the directory's name), so that a session that changes
// hands leaves its former user's index.
const ownersDir = usersDir + "/by-key"

// indexUser records in Django mode that the session under key belongs to
// rec.UserID: one small read when it is recorded already.
func (s *Store) indexUser(ctx context.Context, op, key string, rec sessionkit.Record) error {
	if !s.django || rec.UserID == "" {
		return nil
	}
	return s.guard(ctx, op+" (the per-user index)", func() error {
		dir := userDir(rec.UserID)
		owner := ownersDir + "/" + key
		prev, err := s.readSmall(owner)
		if err == nil && prev == dir {
			return nil
		}
		for _, d := range []string{usersDir, ownersDir, dir} {
			if err := s.root.Mkdir(d, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
				return err
			}
		}
		f, err := s.root.OpenFile(dir+"/"+key, os.O_WRONLY|os.O_CREATE, 0o600)
		if err != nil {
			return err
		}
		f.Close()
		tmp := owner + tempMarker
		if f, err = s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600); err != nil {
			return err
		}
		_, err = io.WriteString(f, dir)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = s.root.Rename(tmp, owner)
		}
		if err != nil {
			return err
		}
		if prev != "" && prev != dir && len(prev) == len(dir) {
			s.root.Remove(prev + "/" + key) // the former user's entry
		}
		return nil
	})
}

// readSmall returns the content of a small index file.
func (s *Store) readSmall(name string) (string, error) {
	f, err := s.root.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var b [128]byte
	n, err := io.ReadFull(f, b[:])
	if err != nil && err != io.ErrUnexpectedEOF {
		return "", err
	}
	return string(b[:n]), nil
}

// indexedSession is a live session of a user's index.
type indexedSession struct {
	key string
	rec sessionkit.Record
}

// userKeys lists the key names in dir.
func (s *Store) userKeys(dir string) ([]string, error) {
	d, err := s.root.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	defer d.Close()
	var keys []string
	for {
		ents, err := d.ReadDir(256)
		for _, de := range ents {
			if de.Type().IsRegular() && sessionkit.ValidKey(de.Name()) {
				keys = append(keys, de.Name())
			}
		}
		if err == io.EOF {
			return keys, nil
		} else if err != nil {
			return keys, err
		}
	}
}

// djangoEntries reads userID's index and the session files it names, and
// drops from the index the entries whose sessions are gone or expired.
func (s *Store) djangoEntries(ctx context.Context, op, userID string) ([]indexedSession, error) {
	if userID == "" {
		return nil, nil
	}
	var live []indexedSession
	err := s.guard(ctx, op, func() error {
		dir := userDir(userID)
		keys, err := s.userKeys(dir)
		if err != nil {
			return err
		}
		now := s.clock(ctx)
		for _, k := range keys {
			name := s.prefix + k
			f, fi, err := s.open(name)
			var rec sessionkit.Record
			if err == nil {
				rec, err = s.read(ctx, f, fi, name)
				f.Close()
			}
			if err == nil && now.Before(rec.Expiry) {
				live = append(live, indexedSession{key: k, rec: rec})
				continue
			}
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			if err := s.root.Remove(dir + "/" + k); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		return nil
	})
	return live, err
}

func (s *Store) djangoUserSessions(ctx context.Context, userID string) ([]sessionkit.SessionInfo, error) {
	live, err := s.djangoEntries(ctx, "user sessions", userID)
	var out []sessionkit.SessionInfo
	for _, in := range live {
		out = append(out, sessionkit.SessionInfo{ID: sessionkit.KeyHash(in.key), Expiry: in.rec.Expiry, Data: in.rec.Data})
	}
	return out, err
}

// djangoDelete removes the files of the user's sessions that match, and
// their index entries, and reports how many it removed.
func (s *Store) djangoDelete(ctx context.Context, op, userID string, match func(key string) bool) (int64, error) {
	live, err := s.djangoEntries(ctx, op, userID)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.guard(ctx, op, func() error {
		for _, in := range live {
			if !match(in.key) {
				continue
			}
			removed, err := s.removeIf(ctx, s.prefix+in.key, func(*os.File, fs.FileInfo) bool { return true })
			if err != nil {
				return err
			}
			if removed {
				n++
			}
			if err := s.root.Remove(userDir(userID) + "/" + in.key); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		return nil
	})
	return n, err
}

// pruneUserIndex removes the index entries whose session files are gone,
// and the users' directories left empty.
func (s *Store) pruneUserIndex(ctx context.Context) error {
	if !s.django {
		return nil
	}
	return s.guard(ctx, "clear expired (the per-user index)", func() error {
		d, err := s.root.Open(usersDir)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		} else if err != nil {
			return err
		}
		users, err := d.ReadDir(-1)
		d.Close()
		if err != nil {
			return err
		}
		for _, u := range users {
			if !u.IsDir() || u.Name() == "by-key" {
				continue
			}
			dir := usersDir + "/" + u.Name()
			keys, err := s.userKeys(dir)
			if err != nil {
				return err
			}
			left := len(keys)
			for _, k := range keys {
				if _, err := s.root.Lstat(s.prefix + k); errors.Is(err, fs.ErrNotExist) {
					if err := s.root.Remove(dir + "/" + k); err != nil && !errors.Is(err, fs.ErrNotExist) {
						return err
					}
					left--
				}
			}
			if left == 0 {
				s.root.Remove(dir) // fails harmlessly if a save just added an entry
			}
		}
		keys, err := s.userKeys(ownersDir)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if _, err := s.root.Lstat(s.prefix + k); errors.Is(err, fs.ErrNotExist) {
				if err := s.root.Remove(ownersDir + "/" + k); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return err
				}
			}
		}
		return nil
	})
}
