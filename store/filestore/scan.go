package filestore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit"
)

// scanChunk is how many directory entries a scan reads at a time.
const scanChunk = 256

// scan calls fn with the name and id of every session file in the
// directory, reading the listing in chunks, and removes temporary files
// left behind by crashed writers. Entries that are not regular files are
// skipped. An error about one file does not stop the scan: scan returns
// the first such error once it has seen every file.
func (s *Store) scan(ctx context.Context, op string, fn func(name, id string) error) error {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.closed {
		return ErrClosed
	}
	d, err := s.root.Open(".")
	if err != nil {
		return fmt.Errorf("filestore: %s: %w", op, err)
	}
	defer d.Close()
	var first error
	keep := func(err error) {
		if err != nil && first == nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrPermission) {
			first = fmt.Errorf("filestore: %s: %w", op, s.hide(err))
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		ents, rerr := d.ReadDir(scanChunk)
		for _, de := range ents {
			id, ok := strings.CutPrefix(de.Name(), s.prefix)
			switch {
			case !ok || !de.Type().IsRegular():
			case s.django && sessionkit.ValidKey(id) || !s.django && isHexHash(id):
				keep(fn(de.Name(), id))
			case strings.Contains(id, tempMarker): // earlier versions put an id before the marker
				_, suffix, _ := strings.Cut(id, tempMarker)
				if created, ok := tempCreated(suffix); ok && time.Since(created) > staleTemp {
					keep(s.root.Remove(de.Name()))
				}
			}
		}
		if rerr == io.EOF {
			return first
		}
		if rerr != nil {
			return fmt.Errorf("filestore: %s: %w", op, rerr)
		}
	}
}

// ClearExpired removes the files of expired sessions (and, in native mode,
// corrupt files, which can never be loaded) and reports how many it
// removed. It also removes temporary files left behind for over an hour by
// a crashed writer, without counting them. It judges each file holding the
// lock Update takes, so a session renewed meanwhile is never removed.
func (s *Store) ClearExpired(ctx context.Context) (int64, error) {
	var n int64
	err := s.scan(ctx, "clear expired", func(name, _ string) error {
		removed, err := s.removeIf(ctx, name, func(f *os.File, fi fs.FileInfo) (bool, error) {
			if s.django {
				return !time.Now().Before(fi.ModTime().Add(s.maxAge)), nil
			}
			if fi.Size() == 0 && time.Since(fi.ModTime()) < staleTemp {
				return false, nil // Create without hard links, between claim and rename
			}
			h, err := s.readNative(ctx, f, fi, name)
			if errors.Is(err, errCorrupt) || errors.Is(err, errTooLarge) {
				return true, nil
			}
			return err == nil && !time.Now().Before(h.expiry), err
		})
		if removed {
			n++
		}
		return err
	})
	return n, err
}

// errNoUsers is returned by the UserSessionLister methods in Django mode.
var errNoUsers = fmt.Errorf("filestore: Django-mode session files record no user id, so sessions cannot be listed by user; use native mode: %w", errors.ErrUnsupported)

// UserSessions lists the live sessions whose Record.UserID is userID,
// reading every session file. In Django mode it returns an error wrapping
// errors.ErrUnsupported.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]sessionkit.SessionInfo, error) {
	if s.django {
		return nil, errNoUsers
	}
	var out []sessionkit.SessionInfo
	err := s.scan(ctx, "user sessions", func(name, id string) error {
		if userID == "" {
			return nil
		}
		f, fi, err := s.open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		h, err := s.readNative(ctx, f, fi, name)
		if err == nil && h.userID == userID && time.Now().Before(h.expiry) {
			out = append(out, sessionkit.SessionInfo{ID: id, Expiry: h.expiry})
		}
		if errors.Is(err, errCorrupt) || errors.Is(err, errTooLarge) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteUserSessions removes every session whose Record.UserID is userID,
// except the one stored under keepKey ("" keeps none), and reports how many
// it removed, reading every session file. In Django mode it returns an
// error wrapping errors.ErrUnsupported.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, keepKey string) (int64, error) {
	if s.django {
		return 0, errNoUsers
	}
	var n int64
	err := s.scan(ctx, "delete user sessions", func(name, id string) error {
		if userID == "" || keepKey != "" && id == sessionkit.KeyHash(keepKey) {
			return nil
		}
		removed, err := s.removeIf(ctx, name, func(f *os.File, fi fs.FileInfo) (bool, error) {
			h, err := s.readNative(ctx, f, fi, name)
			if errors.Is(err, errCorrupt) || errors.Is(err, errTooLarge) {
				return false, nil
			}
			return err == nil && h.userID == userID, err
		})
		if removed {
			n++
		}
		return err
	})
	return n, err
}
