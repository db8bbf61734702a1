// Package filestore is a sessionkit.Store that keeps one file per session in
// a directory: Django's "file" session engine
// (django.contrib.sessions.backends.file), and a native mode that records
// the expiry and the owner of each session.
//
// Every session is one file named Config.CookieName followed by the
// session's id: the key itself in Django mode (exactly Django's name), the
// hex SHA-256 of the key (sessionkit.KeyHash) in native mode, so that
// listing the directory reveals no usable key. A key that is not
// [a-z0-9]{8,40} (sessionkit.ValidKey) never becomes a name: every method
// returns an error wrapping sessionkit.ErrInvalidKey. Every file is opened
// through an os.Root on the directory, so no name reaches outside it, and
// an entry under a session's name that is not a regular file (a symbolic
// link, a FIFO, a directory) holds no session.
//
// Every write makes a new file: the content goes to a temporary file (mode
// 0600, named <prefix>_out_<time>_<random>, which no reader, Django
// included, takes for a session), which Create links to the session's name
// (failing if the name is taken: of racing creators exactly one wins, the
// others get sessionkit.ErrKeyExists) and Update renames over it. A reader
// sees the old file or the new one, never a part, and no file ever holds
// two sessions' bytes. Update, Delete and ClearExpired lock the file they
// replace or remove (flock) and check, holding the lock, that it is still
// there, so a session deleted by a logout in one process is never brought
// back by an Update in another. (Django's processes take no lock, and nor
// can this package on Windows: there a Delete landing between Update's
// check and its rename can be undone, as in Django.)
//
// The directory must be private. The default, a directory named
// sessionkit-<uid> in os.TempDir(), is created with mode 0700 and must be
// the user's own directory, not a link. New refuses any directory that
// group or others can write: whoever can add a file there could log in as
// anyone. A session file that another user owns, or that group or others
// can write, is never loaded: Load reports it as not found and logs a
// warning. Django mode may share a directory with a Django process running
// as another user through Config.SharedDir. On systems without Unix owners
// (Windows) these checks are skipped.
//
// Files are read only up to Config.MaxFileSize; a larger file is not read
// and Load reports an error. Keys never appear in logs or errors: a file
// name that holds one (Django mode) is shown as its hash. Without
// Config.Sync nothing is flushed to disk, as in Django; a file that did not
// reach the disk whole is never read as a session (native mode checks each
// file's lengths and checksum, Django mode relies on Django's signature).
//
// # Django mode
//
// With Config.Django the file holds exactly Record.Data, which the
// Manager's Django codec makes equal to Django's session_data token: Django
// reads these files and this store reads Django's. Django computes a
// file's expiry as its modification time plus SESSION_COOKIE_AGE (unless
// the session holds a _session_expiry, which this store, holding no
// secret, cannot read), so the store sets the mtime to Record.Expiry -
// Config.MaxAge and reports Expiry = mtime + MaxAge: Config.MaxAge must
// equal Django's SESSION_COOKIE_AGE.
//
// # Native mode
//
// Without Config.Django each file starts with a header line (see header.go)
// holding the expiry, the owner (Record.UserID), the session's id, the
// lengths and a checksum. Expiry is exact, and the store implements
// sessionkit.UserSessionLister by reading the headers. A file that is not a
// whole file of its own session is never returned: Load reports it as not
// found and logs a warning, and ClearExpired removes it.
//
// # Costs
//
// Load is one open, two stats and one read. Create and Update write a
// temporary file and link or rename it; Delete is a lock and an unlink.
// ClearExpired, UserSessions and DeleteUserSessions read every session
// file, in chunks of the listing: fine for thousands of sessions, a reason
// to choose a database store for millions.
package filestore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sessionkit/sessionkit"
)

// DefaultMaxAge is the session age used when Config.MaxAge is zero: two
// weeks, Django's SESSION_COOKIE_AGE.
const DefaultMaxAge = 14 * 24 * time.Hour

// DefaultCookieName is the file-name prefix used when Config.CookieName is
// empty: Django's SESSION_COOKIE_NAME.
const DefaultCookieName = "sessionid"

// DefaultMaxFileSize is the size bound used when Config.MaxFileSize is
// zero: 16 MiB, far more than any session a web application should write.
const DefaultMaxFileSize = 16 << 20

// staleTemp is how old a temporary file must be before ClearExpired takes
// it for a crashed writer's leftover. A write takes milliseconds.
const staleTemp = time.Hour

// tempMarker follows the prefix in temporary names. The underscore is not a
// key character, so Django's clear_expired skips these files too.
const tempMarker = "_out_"

// Config configures a Store. The zero value is usable: a native-mode store
// in a private directory of the user's in the system's temporary directory.
type Config struct {
	// Dir is the directory that holds the session files. It must exist
	// and no one but its owner may write to it (mode 0700 or 0755, say).
	// Default: os.TempDir()/sessionkit-<uid>, created if need be.
	Dir string

	// CookieName is the prefix of every session file's name, Django's
	// SESSION_COOKIE_NAME: at most 100 letters, digits or
	// !#$%&'*+-.^_`|~. Default: "sessionid".
	CookieName string

	// Django makes the store read and write exactly the files of Django's
	// file session engine (see the package documentation). Record.Data
	// must then be Django's session_data token (sessionkit.DjangoCodec)
	// and UserSessionLister is unsupported.
	Django bool

	// SharedDir, in Django mode only, accepts a directory that group or
	// others can write and session files of other users, so that a Django
	// process running as another user can share it. The risk: any user
	// who can write to the directory can delete or replace sessions, and
	// any who can list it reads the keys, which name Django's files. A
	// planted file cannot forge a session, since Django's files are signed
	// with SECRET_KEY. Files that anyone can write are still refused.
	SharedDir bool

	// MaxAge is Django's SESSION_COOKIE_AGE; in Django mode a session
	// expires at its file's mtime plus MaxAge. It is also the expiry of a
	// Record whose Expiry is zero. Default: DefaultMaxAge (two weeks).
	MaxAge time.Duration

	// MaxFileSize bounds the size of a session file the store reads: a
	// larger file is not read, Load reports it, and ClearExpired (native
	// mode) removes it. Default: DefaultMaxFileSize (16 MiB).
	MaxFileSize int64

	// Sync makes every write flush the new file to stable storage (fsync)
	// before it is put in place. Default: off, as in Django.
	Sync bool

	// Logger receives warnings about corrupt or suspicious files.
	// Default: slog.Default().
	Logger *slog.Logger
}

// Store is a file-based sessionkit.Store. It is safe for concurrent use,
// and several processes may share one directory. Create it with New and
// release it with Close.
type Store struct {
	root                 *os.Root
	prefix               string
	django, shared, sync bool
	maxAge               time.Duration
	maxSize              int64
	log                  *slog.Logger

	// life is held shared by every operation and exclusively by Close, so
	// that Close waits for operations in progress and none starts later.
	life   sync.RWMutex
	closed bool

	// noLink makes Create take its path for file systems without hard
	// links; tests set it.
	noLink bool
}

var (
	_ sessionkit.Store             = (*Store)(nil)
	_ sessionkit.ExpiredClearer    = (*Store)(nil)
	_ sessionkit.UserSessionLister = (*Store)(nil)
)

// ErrClosed is returned by a Store's methods after Close.
var ErrClosed = errors.New("filestore: the store is closed")

// New opens the session directory. It fails, saying what to change, if the
// configuration is invalid or the directory is missing or not private.
func New(cfg Config) (*Store, error) {
	s := &Store{prefix: cfg.CookieName, django: cfg.Django, shared: cfg.SharedDir, sync: cfg.Sync,
		maxAge: cfg.MaxAge, maxSize: cfg.MaxFileSize, log: cfg.Logger}
	if s.prefix == "" {
		s.prefix = DefaultCookieName
	}
	if s.maxAge == 0 {
		s.maxAge = DefaultMaxAge
	}
	if s.maxSize == 0 {
		s.maxSize = DefaultMaxFileSize
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	switch {
	case !validCookieName(s.prefix):
		return nil, fmt.Errorf("filestore: Config.CookieName %q is not a valid cookie name: use at most 100 letters, digits or !#$%%&'*+-.^_`|~", s.prefix)
	case s.maxAge < 0 || s.maxSize < 0:
		return nil, fmt.Errorf("filestore: Config.MaxAge (%v) and Config.MaxFileSize (%d) must not be negative: use zero for the defaults", s.maxAge, s.maxSize)
	case s.shared && !s.django:
		return nil, errors.New("filestore: Config.SharedDir is for Django mode only, whose files are signed; a native store needs a private directory")
	}
	dir, stat := cfg.Dir, os.Stat
	if dir == "" {
		dir, stat = filepath.Join(os.TempDir(), defaultDirName()), os.Lstat
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("filestore: cannot create the session directory %q: %w; set Config.Dir", dir, err)
		}
	}
	fi, err := stat(dir)
	if err != nil {
		return nil, fmt.Errorf("filestore: the session directory %q doesn't exist or cannot be reached: %w; set Config.Dir to an existing directory", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("filestore: the session directory %q is not a directory (or is a symbolic link): set Config.Dir to an existing directory", dir)
	}
	why := untrusted(fi, 0o022, cfg.Dir == "")
	if cfg.Dir == "" && why == "" {
		why = untrusted(fi, 0o077, false) // the default is 0700
	}
	if why != "" && !s.shared {
		return nil, fmt.Errorf("filestore: the session directory %q is %s, so another local user could plant sessions: chmod 700 it, or choose a directory only this user can write", dir, why)
	}
	if s.root, err = os.OpenRoot(dir); err != nil {
		return nil, fmt.Errorf("filestore: cannot open the session directory %q: %w", dir, err)
	}
	if opened, err := s.root.Stat("."); err != nil || !os.SameFile(fi, opened) {
		s.root.Close()
		return nil, fmt.Errorf("filestore: the session directory %q was replaced while being opened", dir)
	}
	return s, nil
}

// Close releases the directory once operations in progress have returned.
// Afterwards every method returns ErrClosed, and Close nil.
func (s *Store) Close() error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.root.Close()
}

// do runs fn on the file name of key, holding the store open, and turns
// its error into one of the package's, with no key in it.
func (s *Store) do(ctx context.Context, op, key string, fn func(name string) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.life.RLock()
	defer s.life.RUnlock()
	if s.closed {
		return ErrClosed
	}
	name, ok := s.fileName(key)
	if !ok {
		return fmt.Errorf("filestore: %s: %w: keys are 8 to 40 characters from [a-z0-9]", op, sessionkit.ErrInvalidKey)
	}
	if err := fn(name); err != nil {
		return fmt.Errorf("filestore: %s: %w", op, s.hide(err))
	}
	return nil
}

// fileName returns the name of key's file, or false if key is not a valid
// session key. It is the only place a key turns into a file name.
func (s *Store) fileName(key string) (string, bool) {
	if !sessionkit.ValidKey(key) {
		return "", false
	} else if s.django {
		return s.prefix + key, true
	}
	return s.prefix + sessionkit.KeyHash(key), true
}

// display returns name as logs and errors may show it: in Django mode a
// session's name holds its key, so the key is replaced by its hash.
func (s *Store) display(name string) string {
	base := filepath.Base(name)
	if id, ok := strings.CutPrefix(base, s.prefix); ok && s.django && sessionkit.ValidKey(id) {
		return s.prefix + "#" + sessionkit.KeyHash(id)
	}
	return base
}

// hide replaces the file names in the os package's errors by display's.
func (s *Store) hide(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return &fs.PathError{Op: pe.Op, Path: s.display(pe.Path), Err: pe.Err}
	case errors.As(err, &le):
		return &os.LinkError{Op: le.Op, Old: s.display(le.Old), New: s.display(le.New), Err: le.Err}
	}
	return err
}

var (
	errCorrupt  = errors.New("corrupt session file")
	errTooLarge = errors.New("session file too large")
)

// Load returns the session stored under key. It returns an error wrapping
// sessionkit.ErrNotFound if there is no such file, the session has expired
// or the file is not one to trust (see the package documentation).
func (s *Store) Load(ctx context.Context, key string) (sessionkit.Record, error) {
	var rec sessionkit.Record
	err := s.do(ctx, "load", key, func(name string) error {
		f, fi, err := s.open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		if s.django {
			rec.Expiry = fi.ModTime().Add(s.maxAge)
			// The Manager's codec judges the content, as Django's decode does.
			rec.Data, err = s.read(ctx, f, fi, name)
			return err
		}
		h, err := s.readNative(ctx, f, fi, name)
		rec = sessionkit.Record{Data: h.data, Expiry: h.expiry, UserID: h.userID}
		return err
	})
	if err == nil && !time.Now().Before(rec.Expiry) {
		err = fmt.Errorf("filestore: load: session expired: %w", sessionkit.ErrNotFound)
	}
	// An invalid key is also not found, as the conformance suite expects.
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errCorrupt) || errors.Is(err, sessionkit.ErrInvalidKey) {
		err = fmt.Errorf("%w: %w", err, sessionkit.ErrNotFound)
	}
	if err != nil {
		return sessionkit.Record{}, err
	}
	return rec, nil
}

// open opens the named file for reading, without waiting on a FIFO. An
// entry that is not a regular file, is a symbolic link, or is untrusted
// gives an error wrapping fs.ErrNotExist: it holds no session.
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
	switch {
	case err != nil:
	case !fi.Mode().IsRegular() || lfi.Mode()&fs.ModeSymlink != 0:
		why = "not a regular file"
	case s.shared:
		why = untrusted(fi, 0o002, false)
	default:
		why = untrusted(fi, 0o022, true)
	}
	if why != "" {
		if why != "not a regular file" {
			s.log.Warn("filestore: ignoring a suspicious file", "file", s.display(name), "reason", why)
		}
		err = fmt.Errorf("%s is %s: %w", s.display(name), why, fs.ErrNotExist)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// read returns the content of f, the open file name, unless it is over the
// size bound. Files are replaced, never rewritten, so fi's size holds.
func (s *Store) read(ctx context.Context, f *os.File, fi fs.FileInfo, name string) ([]byte, error) {
	if fi.Size() > s.maxSize {
		err := fmt.Errorf("%w: %s is %d bytes, over Config.MaxFileSize (%d); it was not read: remove it or raise the limit", errTooLarge, s.display(name), fi.Size(), s.maxSize)
		s.log.WarnContext(ctx, "filestore: "+err.Error())
		return nil, err
	}
	buf := make([]byte, fi.Size())
	n, err := io.ReadFull(f, buf)
	if err == io.ErrUnexpectedEOF {
		err = nil
	}
	return buf[:n], err
}

// readNative reads and checks the native file f. A file that is not a
// whole file of its own session gives an error wrapping errCorrupt.
func (s *Store) readNative(ctx context.Context, f *os.File, fi fs.FileInfo, name string) (header, error) {
	content, err := s.read(ctx, f, fi, name)
	if err != nil {
		return header{}, err
	}
	h, err := parseHeader(content)
	if err == nil && h.id != name[len(s.prefix):] {
		err = errors.New("the file holds another session")
	}
	if err != nil {
		s.log.WarnContext(ctx, "filestore: ignoring a corrupt session file", "file", s.display(name), "error", err)
		return header{}, fmt.Errorf("%w %s: %w", errCorrupt, name, err)
	}
	return h, nil
}

// Create stores rec under key, which must not be in use. It returns an
// error wrapping sessionkit.ErrKeyExists if a file for key exists, even one
// being created by another process at the same instant.
func (s *Store) Create(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	err := s.do(ctx, "create", key, func(name string) error {
		tmp, err := s.writeTemp(name, rec)
		if err != nil {
			return err
		}
		defer s.root.Remove(tmp)
		err = errors.ErrUnsupported
		if !s.noLink {
			err = s.root.Link(tmp, name)
		}
		if err != nil && !errors.Is(err, fs.ErrExist) {
			// No hard links here (FAT, some network file systems): claim
			// the name with an exclusive create, as Django does, then
			// rename the content over the empty file.
			var f *os.File
			if f, err = s.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
				f.Close()
				err = s.root.Rename(tmp, name)
			}
		}
		if errors.Is(err, fs.ErrExist) {
			return sessionkit.ErrKeyExists
		}
		return err
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// Update replaces the session stored under key. It returns an error
// wrapping sessionkit.ErrNotFound if the file no longer exists: a session
// deleted by a concurrent logout is not recreated.
func (s *Store) Update(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	err := s.do(ctx, "update", key, func(name string) error {
		tmp, err := s.writeTemp(name, rec)
		if err != nil {
			return err
		}
		f, err := s.lock(ctx, name)
		if err == nil {
			err = s.root.Rename(tmp, name)
			f.Close()
		}
		if err != nil {
			s.root.Remove(tmp)
		}
		if errors.Is(err, fs.ErrNotExist) {
			return sessionkit.ErrNotFound
		}
		return err
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// writeTemp writes the file for rec to a new temporary file and returns its
// name. In Django mode it also sets the mtime Django reads the expiry from.
func (s *Store) writeTemp(name string, rec sessionkit.Record) (string, error) {
	exp, content := rec.Expiry, rec.Data
	if exp.IsZero() {
		exp = time.Now().Add(s.maxAge)
	}
	if !s.django {
		if len(rec.UserID) > maxUserID {
			return "", fmt.Errorf("Record.UserID is %d bytes, over the limit of %d", len(rec.UserID), maxUserID)
		}
		b := make([]byte, 0, headerMax+len(rec.UserID)+len(rec.Data))
		content = appendFile(b, exp, rec.UserID, name[len(s.prefix):], rec.Data)
	}
	tmp := tempName(s.prefix, time.Now())
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	_, err = f.Write(content)
	if err == nil && s.sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && s.django {
		err = s.root.Chtimes(tmp, time.Time{}, exp.Add(-s.maxAge))
	}
	if err != nil {
		s.root.Remove(tmp)
		return "", err
	}
	return tmp, nil
}

// lock opens and locks the named session file, so that no other Store
// replaces or removes it until the returned file is closed. Holding the
// lock, it checks that the name still refers to the file it locked, and
// starts again if the file was replaced meanwhile. It returns an error
// wrapping fs.ErrNotExist if the file is gone.
func (s *Store) lock(ctx context.Context, name string) (*os.File, error) {
	// A bound for file systems whose files never compare equal.
	for range 10000 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f, fi, err := s.open(name)
		if err != nil {
			return nil, err
		}
		if err = lockFile(f); err == nil {
			var cur fs.FileInfo
			if cur, err = s.root.Lstat(name); err == nil && os.SameFile(fi, cur) {
				return f, nil
			}
		}
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%s kept being replaced while waiting for its lock", s.display(name))
}

// Delete removes the session stored under key. A missing file is not an
// error.
func (s *Store) Delete(ctx context.Context, key string) error {
	return s.do(ctx, "delete", key, func(name string) error {
		_, err := s.removeIf(ctx, name, func(*os.File, fs.FileInfo) (bool, error) { return true, nil })
		return err
	})
}

// removeIf locks the named file and removes it if remove, called with the
// file open and locked, says so. A file that vanished is not an error.
func (s *Store) removeIf(ctx context.Context, name string, remove func(*os.File, fs.FileInfo) (bool, error)) (bool, error) {
	f, err := s.lock(ctx, name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	ok, err := remove(f, fi)
	if ok && err == nil {
		err = s.root.Remove(name)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return ok && err == nil, err
}

// tempName returns a fresh temporary name: the prefix, the marker, the
// creation time (ClearExpired's clock, since Django mode sets mtimes in
// the past) and 64 random bits, in hex.
func tempName(prefix string, now time.Time) string {
	var r [8]byte
	rand.Read(r[:])
	return fmt.Sprintf("%s%s%016x_%x", prefix, tempMarker, uint64(now.UnixNano()), r)
}

// tempCreated returns the creation time in a temporary file's name suffix
// (after the marker), or false if it is not one of the store's.
func tempCreated(suffix string) (time.Time, bool) {
	t, r, ok := strings.Cut(suffix, "_")
	u, err := strconv.ParseUint(t, 16, 64)
	if !ok || err != nil || len(t) != 16 || len(r) != 16 || strings.Trim(r, "0123456789abcdef") != "" {
		return time.Time{}, false
	}
	return time.Unix(0, int64(u)), true
}

// validCookieName reports whether name is an RFC 7230 token of at most 100
// bytes. A token holds no path separator, so the prefix stays one name.
func validCookieName(name string) bool {
	if name == "" || len(name) > 100 {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}
