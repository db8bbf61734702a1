// Package filestore is a sessionkit.Store that keeps one file per session
// in a directory: Django's file session engine, or a native mode that also
// records each session's expiry and owner (see header.go).
//
// A session's file is Config.CookieName followed by the key (Django mode:
// Django's own name) or its hash (native mode). Keys that are not
// [a-z0-9]{8,40} never become names (sessionkit.ErrInvalidKey), files are
// opened through an os.Root, an entry that is not a regular file holds no
// session, and logs and errors show a name that holds a key as its hash.
//
// Every write makes a new file under a temporary name (mode 0600), which
// Create links to the session's name, so that of racing creators exactly
// one wins, and Update renames over the old one: no file ever holds two
// sessions' bytes. Update, Delete and ClearExpired lock (flock) the file
// they replace or remove, so no Update brings back a session deleted
// meanwhile (Django takes no lock, nor can Windows, AIX or Solaris).
//
// The directory must be private, or anyone who can add a file to it could
// log in as anyone: the default, sessionkit-<uid> in os.TempDir(), is made
// 0700, New refuses a directory that group or others can write, and Load
// ignores, with a warning, a file another user owns or group or others can
// write (Config.SharedDir relaxes this in Django mode; Windows, with no
// Unix owners and modes, skips it). Load reads no file over MaxFileSize,
// nor takes a file cut short for a session. In Django mode a file holds
// Record.Data, and its mtime is Record.Expiry - MaxAge, as Django expects.
package filestore

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sessionkit/sessionkit"
)

// Defaults for the zero fields of Config.
const (
	DefaultMaxAge      = 14 * 24 * time.Hour
	DefaultCookieName  = "sessionid"
	DefaultMaxFileSize = 16 << 20
)

const (
	staleTemp  = time.Hour // the age at which a temporary file is a crash's leftover
	tempMarker = "_out_"   // follows the prefix in temporary names; not a key character
)

// Config configures a Store; the zero value is a native store in a private directory.
type Config struct {
	Dir        string // the directory; only its owner may write to it. Default: os.TempDir()/sessionkit-<uid>
	CookieName string // the file-name prefix, Django's SESSION_COOKIE_NAME (a cookie name). Default: "sessionid"
	Django     bool   // Django's files: Record.Data is Django's token; no UserSessionLister
	// SharedDir (Django mode only) accepts a directory others can write, and
	// other users' files unless anyone can write them, for a Django process
	// running as another user. The risk: whoever can write the directory can
	// delete or replace sessions and read keys; none can forge one (signed).
	SharedDir   bool
	MaxAge      time.Duration // Django's SESSION_COOKIE_AGE; the expiry of a zero Record.Expiry. Default: two weeks
	MaxFileSize int64         // files over it are never read: Load reports them. Default: 16 MiB
	Sync        bool          // fsync every new file before it is put in place. Default: off, as in Django
	Logger      *slog.Logger  // receives warnings about corrupt or suspicious files. Default: slog.Default()
	// Now is the store's own clock. Default: the Manager's (sessionkit.Now of the context), else time.Now.
	Now func() time.Time
}

// Store is a sessionkit.Store safe for use by many goroutines and processes.
type Store struct {
	root                 *os.Root
	prefix               string
	django, shared, sync bool
	maxAge               time.Duration
	maxSize              int64
	writable             fs.FileMode // mode bits a session file must not have
	log                  *slog.Logger
	now                  func() time.Time
	life                 sync.RWMutex // held shared by operations, by Close exclusively
	closed               bool
	leaseMu              sync.Mutex
	leases               map[string]lease // the session locks this process holds, by file name
}

var (
	// ErrClosed is returned by a Store's methods after Close.
	ErrClosed  = errors.New("filestore: the store is closed")
	errCorrupt = errors.New("corrupt session file")
	// preallocate reserves size bytes for a new file where that helps (Linux).
	preallocate = func(*os.File, int) {}
)

// New opens the directory, or says what to change to make it usable and private.
func New(cfg Config) (*Store, error) {
	s := &Store{prefix: cmp.Or(cfg.CookieName, DefaultCookieName), django: cfg.Django, shared: cfg.SharedDir, sync: cfg.Sync,
		maxAge: cmp.Or(cfg.MaxAge, DefaultMaxAge), maxSize: cmp.Or(cfg.MaxFileSize, DefaultMaxFileSize), log: cmp.Or(cfg.Logger, slog.Default()), writable: 0o022, now: cfg.Now}
	if s.shared {
		s.writable = 0o002
	}
	switch {
	case len(s.prefix) > 100 || strings.Trim(s.prefix, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~") != "":
		return nil, fmt.Errorf("filestore: Config.CookieName %q is not a valid cookie name: use at most 100 letters, digits or !#$%%&'*+-.^_`|~", s.prefix)
	case s.maxAge < 0 || s.maxSize < 0:
		return nil, fmt.Errorf("filestore: Config.MaxAge (%v) and Config.MaxFileSize (%d) must not be negative: use zero for the defaults", s.maxAge, s.maxSize)
	case s.shared && !s.django:
		return nil, errors.New("filestore: Config.SharedDir is for Django mode only, whose files are signed; a native store needs a private directory")
	}
	dir, stat, writable := cfg.Dir, os.Stat, fs.FileMode(0o022)
	if dir == "" { // the user's own, not a link, mode 0700
		dir, stat, writable = filepath.Join(os.TempDir(), defaultDirName()), os.Lstat, 0o077
		os.Mkdir(dir, 0o700) // if it fails, stat says why
	}
	fi, err := stat(dir)
	if err != nil {
		return nil, fmt.Errorf("filestore: the session directory %q doesn't exist or cannot be reached: %w; set Config.Dir to an existing directory", dir, err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("filestore: the session directory %q is not a directory (or is a symbolic link): set Config.Dir to an existing directory", dir)
	} else if why := untrusted(fi, writable, cfg.Dir == ""); why != "" && !s.shared {
		return nil, fmt.Errorf("filestore: the session directory %q is %s, so another local user could plant sessions: chmod 700 it, or choose a directory only this user can write", dir, why)
	}
	if s.root, err = os.OpenRoot(dir); err != nil {
		return nil, fmt.Errorf("filestore: cannot open the session directory %q: %w", dir, err)
	}
	return s, nil
}

// Close waits for operations in progress and releases the directory.
func (s *Store) Close() error {
	s.life.Lock()
	defer s.life.Unlock()
	s.closed = true
	s.leaseMu.Lock()
	for name, l := range s.leases {
		l.f.Close()
		delete(s.leases, name)
	}
	s.leaseMu.Unlock()
	return s.root.Close() // nil when closed already
}

// guard runs fn holding the store open, and makes its error the package's,
// showing file names that hold a key as their hash.
func (s *Store) guard(ctx context.Context, op string, fn func() error) error {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.closed {
		return ErrClosed
	} else if err := ctx.Err(); err != nil {
		return err
	}
	err := fn()
	var pe *fs.PathError
	var le *os.LinkError
	if errors.As(err, &pe) {
		err = &fs.PathError{Op: pe.Op, Path: s.display(pe.Path), Err: pe.Err}
	} else if errors.As(err, &le) {
		err = &os.LinkError{Op: le.Op, Old: s.display(le.Old), New: s.display(le.New), Err: le.Err}
	} else if err == nil {
		return nil
	}
	return fmt.Errorf("filestore: %s: %w", op, err)
}

// do runs fn through guard with key's file name: the only place one is made.
func (s *Store) do(ctx context.Context, op, key string, fn func(name string) error) error {
	return s.guard(ctx, op, func() error {
		if !sessionkit.ValidKey(key) {
			return fmt.Errorf("%w: keys are 8 to 40 characters from [a-z0-9]", sessionkit.ErrInvalidKey)
		} else if s.django {
			return fn(s.prefix + key)
		}
		return fn(s.prefix + sessionkit.KeyHash(key))
	})
}

// display returns the base of name, with a key in it replaced by its hash.
func (s *Store) display(name string) string {
	if id, ok := strings.CutPrefix(filepath.Base(name), s.prefix); ok && s.django && sessionkit.ValidKey(id) {
		return s.prefix + "#" + sessionkit.KeyHash(id)
	}
	return filepath.Base(name)
}

// Load returns the session stored under key. The error wraps
// sessionkit.ErrNotFound if the key is invalid, the session has expired or
// no file holds it that can be trusted; not if the file is too large.
func (s *Store) Load(ctx context.Context, key string) (sessionkit.Record, error) {
	var rec sessionkit.Record
	err := s.do(ctx, "load", key, func(name string) error {
		f, fi, err := s.open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		rec, err = s.read(ctx, f, fi, name)
		return err
	})
	if err == nil && !s.clock(ctx).Before(rec.Expiry) {
		return sessionkit.Record{}, fmt.Errorf("filestore: load: session expired: %w", sessionkit.ErrNotFound)
	} else if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errCorrupt) || errors.Is(err, sessionkit.ErrInvalidKey) {
		return sessionkit.Record{}, fmt.Errorf("%w: %w", err, sessionkit.ErrNotFound)
	}
	return rec, err // read returns no record with an error
}

// open opens the named file for reading, without waiting on a FIFO. An entry
// that is not a regular file, or is untrusted, holds no session (ErrNotExist).
func (s *Store) open(name string) (*os.File, fs.FileInfo, error) {
	f, err := s.root.OpenFile(name, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	var lfi fs.FileInfo
	if err == nil {
		lfi, err = s.root.Lstat(name)
	}
	why := ""
	if err == nil && (!fi.Mode().IsRegular() || lfi.Mode()&fs.ModeSymlink != 0) {
		err = fmt.Errorf("%s is not a regular file: %w", s.display(name), fs.ErrNotExist)
	} else if err == nil {
		why = untrusted(fi, s.writable, !s.shared)
	}
	if why != "" {
		s.log.Warn("filestore: ignoring a suspicious file", "file", s.display(name), "reason", why)
		err = fmt.Errorf("%s is %s: %w", s.display(name), why, fs.ErrNotExist)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// read returns the record in f, the open file name, unless it is over the
// size bound; a native file that is not whole and its own gives errCorrupt.
func (s *Store) read(ctx context.Context, f *os.File, fi fs.FileInfo, name string) (sessionkit.Record, error) {
	if fi.Size() > s.maxSize {
		err := fmt.Errorf("%s is %d bytes, over Config.MaxFileSize (%d), and was not read: remove it or raise the limit", s.display(name), fi.Size(), s.maxSize)
		s.log.WarnContext(ctx, "filestore: "+err.Error())
		return sessionkit.Record{}, err
	}
	buf := make([]byte, fi.Size())
	n, err := io.ReadFull(f, buf)
	if err != nil && err != io.ErrUnexpectedEOF {
		return sessionkit.Record{}, err
	} else if s.django { // the Manager's codec judges the content, as Django's decode does
		return sessionkit.Record{Data: buf[:n], Expiry: fi.ModTime().Add(s.maxAge)}, nil
	}
	rec, id, err := parseHeader(buf[:n])
	if err == nil && id != name[len(s.prefix):] {
		err = errors.New("the file holds another session")
	}
	if err != nil {
		s.log.WarnContext(ctx, "filestore: ignoring a corrupt session file", "file", name, "error", err)
		return sessionkit.Record{}, fmt.Errorf("%w %s: %w", errCorrupt, name, err)
	}
	return rec, nil
}

// Create stores rec under key. The error wraps sessionkit.ErrKeyExists if a
// file for key exists, even one another process is creating at this instant.
func (s *Store) Create(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	k, err := s.write(ctx, "create", key, rec, nil)
	if err == nil {
		err = s.indexUser(ctx, "create", key, rec)
	}
	return k, err
}

// Update replaces the session stored under key. The error wraps
// sessionkit.ErrNotFound if it no longer exists: a deleted one stays deleted.
func (s *Store) Update(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	k, err := s.write(ctx, "update", key, rec, nil)
	if err == nil {
		err = s.indexUser(ctx, "update", key, rec)
	}
	return k, err
}

// Swap is Update if the stored session's data is still old, compared under
// the file's lock; otherwise the error wraps sessionkit.ErrConflict.
func (s *Store) Swap(ctx context.Context, key string, old []byte, rec sessionkit.Record) (string, error) {
	k, err := s.write(ctx, "swap", key, rec, old)
	if err == nil {
		err = s.indexUser(ctx, "swap", key, rec)
	}
	return k, err
}

// write writes the file for rec to a new temporary file, then links it to
// key's name (create) or, holding the old file's lock, renames it over
// (update; swap when the old file still holds old).
func (s *Store) write(ctx context.Context, op, key string, rec sessionkit.Record, old []byte) (string, error) {
	exp := cmp.Or(rec.Expiry, s.clock(ctx).Add(s.maxAge))
	err := s.do(ctx, op, key, func(name string) error {
		content := rec.Data
		if !s.django && len(rec.UserID) > maxUserID {
			return fmt.Errorf("Record.UserID is %d bytes, over the limit of %d", len(rec.UserID), maxUserID)
		} else if !s.django {
			content = appendFile(make([]byte, 0, 128+len(rec.UserID)+len(rec.Data)), exp, rec.UserID, name[len(s.prefix):], rec.Data)
		}
		tmp := tempName(s.prefix, time.Now())
		f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		preallocate(f, len(content))
		_, err = f.Write(content)
		if err == nil && s.sync {
			err = f.Sync()
		}
		err = cmp.Or(err, f.Close())
		if err == nil && s.django { // the mtime Django reads the expiry from
			err = s.root.Chtimes(tmp, time.Time{}, exp.Add(-s.maxAge))
		}
		if err == nil && op == "create" {
			err = s.root.Link(tmp, name)
		} else if err == nil {
			var fi fs.FileInfo
			if f, fi, err = s.lock(ctx, name); err == nil {
				if op == "swap" {
					err = s.unchanged(ctx, f, fi, name, old)
				}
				if err == nil {
					err = s.root.Rename(tmp, name)
				}
				f.Close()
			}
		}
		if err != nil || op == "create" {
			s.root.Remove(tmp)
		}
		if errors.Is(err, fs.ErrExist) {
			return sessionkit.ErrKeyExists
		} else if errors.Is(err, fs.ErrNotExist) {
			return sessionkit.ErrNotFound
		}
		return err
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// unchanged reports, as an error wrapping sessionkit.ErrConflict, that the
// locked file f no longer holds old.
func (s *Store) unchanged(ctx context.Context, f *os.File, fi fs.FileInfo, name string, old []byte) error {
	cur, err := s.read(ctx, f, fi, name)
	if err == nil && !bytes.Equal(cur.Data, old) {
		err = sessionkit.ErrConflict
	}
	return err
}

// tempName returns a new temporary name, with its creation time in it.
func tempName(prefix string, now time.Time) string {
	return fmt.Sprintf("%s%s%016x_%016x", prefix, tempMarker, now.UnixNano(), rand.Uint64())
}

// tempCreated parses tempName's time, after the prefix and perhaps an id.
func tempCreated(id string) (time.Time, bool) {
	_, suffix, _ := strings.Cut(id, tempMarker)
	t, r, _ := strings.Cut(suffix, "_")
	u, err := strconv.ParseUint(t, 16, 64)
	return time.Unix(0, int64(u)), err == nil && len(t) == 16 && len(r) == 16 && strings.Trim(r, "0123456789abcdef") == ""
}

// lock opens and locks the named file, and checks that the name still refers
// to it (or starts again). The error wraps fs.ErrNotExist if it is gone.
func (s *Store) lock(ctx context.Context, name string) (*os.File, fs.FileInfo, error) {
	for range 10000 { // a bound for file systems whose files never compare equal
		f, fi, err := s.open(name)
		if err != nil {
			return nil, nil, err
		}
		var cur fs.FileInfo
		if err = cmp.Or(ctx.Err(), lockFile(f)); err == nil {
			if cur, err = s.root.Lstat(name); err == nil && os.SameFile(fi, cur) {
				return f, fi, nil
			}
		}
		f.Close()
		if err != nil {
			return nil, nil, err
		}
	}
	return nil, nil, fmt.Errorf("%s kept being replaced while waiting for its lock", s.display(name))
}

// Delete removes the session stored under key. A missing file is no error.
func (s *Store) Delete(ctx context.Context, key string) error {
	return s.do(ctx, "delete", key, func(name string) error {
		_, err := s.removeIf(ctx, name, func(*os.File, fs.FileInfo) bool { return true })
		return err
	})
}

// removeIf locks the named file and removes it if remove says so, if it exists.
func (s *Store) removeIf(ctx context.Context, name string, remove func(*os.File, fs.FileInfo) bool) (bool, error) {
	f, fi, err := s.lock(ctx, name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	defer f.Close()
	if !remove(f, fi) {
		return false, nil
	}
	if err := s.root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	return true, nil
}

// scan calls fn for every session file, and removes temporary files crashed
// writers left over an hour ago. It returns the first error (but ENOENT, EPERM).
func (s *Store) scan(ctx context.Context, op string, fn func(name, id string) error) error {
	return s.guard(ctx, op, func() error {
		d, err := s.root.Open(".")
		if err != nil {
			return err
		}
		defer d.Close()
		var first error
		for {
			ents, err := d.ReadDir(256)
			for _, de := range ents {
				id, ok := strings.CutPrefix(de.Name(), s.prefix)
				var ferr error
				if created, temp := tempCreated(id); !ok || !de.Type().IsRegular() {
					continue // a foreign entry
				} else if s.django && sessionkit.ValidKey(id) || !s.django && isHexHash(id) {
					ferr = fn(de.Name(), id)
				} else if temp && time.Since(created) > staleTemp {
					ferr = s.root.Remove(de.Name())
				}
				if !errors.Is(ferr, fs.ErrNotExist) && !errors.Is(ferr, fs.ErrPermission) {
					first = cmp.Or(first, ferr)
				}
			}
			if err == io.EOF {
				return first
			} else if err = cmp.Or(err, ctx.Err()); err != nil {
				return err
			}
		}
	})
}

// removeAll removes, under its lock, each file whose record remove approves.
// The per-user methods use it too, and fail in Django mode (no user there).
func (s *Store) removeAll(ctx context.Context, op string, remove func(rec sessionkit.Record, id string, err error) bool) (int64, error) {
	if s.django && op != "clear expired" {
		return 0, fmt.Errorf("filestore: %s: Django-mode session files record no user id, so sessions cannot be listed by user; use native mode: %w", op, errors.ErrUnsupported)
	}
	var n int64
	err := s.scan(ctx, op, func(name, id string) error {
		removed, err := s.removeIf(ctx, name, func(f *os.File, fi fs.FileInfo) bool {
			rec, err := sessionkit.Record{Expiry: fi.ModTime().Add(s.maxAge)}, error(nil) // Django's reckoning
			if !s.django {
				rec, err = s.read(ctx, f, fi, name)
			}
			return remove(rec, id, err)
		})
		if removed {
			n++
		}
		return err
	})
	return n, err
}

// ClearExpired removes, judging each under its lock, the files of expired
// sessions (and corrupt or oversized native files) and reports how many.
func (s *Store) ClearExpired(ctx context.Context) (int64, error) {
	n, err := s.removeAll(ctx, "clear expired", func(rec sessionkit.Record, _ string, err error) bool {
		return err != nil || !s.clock(ctx).Before(rec.Expiry)
	})
	if err == nil {
		err = s.pruneUserIndex(ctx)
	}
	return n, err
}

// UserSessions lists the live sessions of userID, reading every file; in
// Django mode, whose files record no user, those of the user's index (see
// usersDir).
func (s *Store) UserSessions(ctx context.Context, userID string) ([]sessionkit.SessionInfo, error) {
	if s.django {
		return s.djangoUserSessions(ctx, userID)
	}
	var out []sessionkit.SessionInfo
	_, err := s.removeAll(ctx, "user sessions", func(rec sessionkit.Record, id string, err error) bool {
		if err == nil && userID != "" && rec.UserID == userID && s.clock(ctx).Before(rec.Expiry) {
			out = append(out, sessionkit.SessionInfo{ID: id, Expiry: rec.Expiry, Data: rec.Data})
		}
		return false
	})
	return out, err
}

// DeleteUserSessions removes the sessions of userID but keepKey's ("" keeps
// none) and reports how many; in Django mode those of the user's index.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, keepKey string) (int64, error) {
	if s.django {
		return s.djangoDelete(ctx, "delete user sessions", userID, func(k string) bool { return k != keepKey })
	}
	return s.removeAll(ctx, "delete user sessions", func(rec sessionkit.Record, id string, err error) bool {
		return err == nil && userID != "" && rec.UserID == userID && (keepKey == "" || id != sessionkit.KeyHash(keepKey))
	})
}

// DeleteUserSession removes the session of userID whose KeyHash is id and
// reports whether there was one.
func (s *Store) DeleteUserSession(ctx context.Context, userID, id string) (bool, error) {
	if s.django {
		n, err := s.djangoDelete(ctx, "delete a user session", userID, func(k string) bool { return sessionkit.KeyHash(k) == id })
		return n > 0, err
	}
	n, err := s.removeAll(ctx, "delete a user session", func(rec sessionkit.Record, rid string, err error) bool {
		return err == nil && userID != "" && rec.UserID == userID && rid == id
	})
	return n > 0, err
}

// clock reads the store's own clock, else the one ctx carries.
func (s *Store) clock(ctx context.Context) time.Time {
	if s.now != nil {
		return s.now()
	}
	return sessionkit.Now(ctx)
}
