// Package filestore is a sessionkit.Store that keeps one file per session in
// a directory: Django's "file" session engine
// (django.contrib.sessions.backends.file), and a native mode that goes
// further.
//
// # Files
//
// Every session is one file in Config.Dir, named Config.CookieName followed
// by the session's id: the key itself in Django mode (sessionid6psf0wak…,
// exactly Django's name), the hex SHA-256 of the key (sessionkit.KeyHash)
// in native mode, so that whoever can list the directory cannot read
// usable session keys from the file names.
//
// All file access goes through an os.Root opened on the directory, and keys
// are checked with sessionkit.ValidKey before any name is built, so neither
// a crafted key nor a planted absolute symbolic link can reach a file
// outside the directory. Prefer a private directory (mode 0700) to the
// shared temporary directory, which is Django's default and this package's
// default too.
//
// Writes are atomic: the content goes to a temporary file in the same
// directory (mode 0600, named <file>_out_<time>_<random>, a name no reader
// mistakes for a session), which is then hard-linked (Create) or renamed
// (Update) into place, so a reader sees the old content or the new, never a
// part. Create never replaces a file: of several processes racing to create
// one key exactly one wins and the others get sessionkit.ErrKeyExists.
// Update never recreates a deleted file: Update, Delete and ClearExpired
// take an advisory lock (flock) on the file they replace or remove and
// check, holding it, that the file is still there, so a session deleted by
// a logout in one process cannot be brought back by a concurrent Update in
// another. (Django's own processes take no lock: like Django, they only
// check that the file exists just before renaming over it. So do stores on
// systems without flock, such as Windows.)
//
// # Django mode
//
// With Config.Django the file holds exactly Record.Data, which the
// Manager's Django codec makes equal to Django's session_data token, with
// no trailing newline: Django reads these files and this store reads
// Django's.
//
// Django computes a file session's expiry from the session's
// _session_expiry if it has one, otherwise as the file's modification time
// plus SESSION_COOKIE_AGE. The store cannot read the session data (it holds
// no secret), so it keeps Record.Expiry in the modification time instead:
// it sets the mtime to Record.Expiry - Config.MaxAge, so that Django
// computes exactly Record.Expiry, and on Load it reports Expiry = mtime +
// MaxAge. Config.MaxAge must therefore equal Django's SESSION_COOKIE_AGE.
// A session Django wrote with a _session_expiry of its own is judged by its
// mtime here, which can make it expire sooner or later than Django would
// judge it (Django 3.2 treats an integer _session_expiry as an age, so such
// a session never expires by time there).
//
// # Native mode
//
// Without Config.Django each file starts with a one-line header holding the
// expiry and the owner (Record.UserID), followed by Record.Data:
//
//	sessionkit/1 <expiry, Unix nanoseconds> <length of the user id>\n<user id><data>
//
// Expiry is therefore exact and independent of the file system's clock, and
// the store implements sessionkit.UserSessionLister by reading these
// headers. A file whose header cannot be parsed is never returned: Load
// reports it as not found and logs a warning, and ClearExpired removes it.
//
// # Costs
//
// Load is one open and read, Create and Update one temporary file plus a
// link or rename, Delete one unlink. ClearExpired, UserSessions and
// DeleteUserSessions scan the whole directory in chunks (never holding the
// listing in memory); UserSessions and DeleteUserSessions also open every
// session file to read its header, so they cost O(number of sessions):
// fine for thousands of sessions, and a reason to choose a database store
// for millions.
package filestore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/sessionkit/sessionkit"
)

// DefaultMaxAge is the session age used when Config.MaxAge is zero: two
// weeks, Django's SESSION_COOKIE_AGE.
const DefaultMaxAge = 14 * 24 * time.Hour

// DefaultCookieName is the file-name prefix used when Config.CookieName is
// empty: Django's SESSION_COOKIE_NAME.
const DefaultCookieName = "sessionid"

// staleTemp is how old a temporary file must be before ClearExpired treats
// it as left behind by a crashed writer and removes it. A write takes
// milliseconds; an hour leaves a wide margin for a slow disk.
const staleTemp = time.Hour

// scanChunk is how many directory entries a scan reads at a time.
const scanChunk = 256

// tempMarker separates a session file's name from the suffix of its
// temporary files. It is Django's (mkstemp(prefix=<file>+"_out_")), so
// Django's clear_expired skips our temporary files as it skips its own.
const tempMarker = "_out_"

// Config configures a Store. The zero value is usable: a native-mode store
// in the system's temporary directory.
type Config struct {
	// Dir is the directory that holds the session files. It must exist
	// when New is called. Default: os.TempDir(), as Django's
	// SESSION_FILE_PATH defaults to tempfile.gettempdir().
	Dir string

	// CookieName is the prefix of every session file's name, Django's
	// SESSION_COOKIE_NAME. It must be a valid cookie name: letters,
	// digits and !#$%&'*+-.^_`|~, at most 100 bytes. Default: "sessionid".
	CookieName string

	// Django makes the store read and write exactly the files of Django's
	// file session engine (see the package documentation). Record.Data
	// must then be Django's session_data token (sessionkit.DjangoCodec)
	// and UserSessionLister is unsupported.
	Django bool

	// MaxAge is Django's SESSION_COOKIE_AGE. In Django mode the store
	// keeps a session's expiry as its file's modification time plus
	// MaxAge, so it must equal the age Django is configured with. It is
	// also used as the expiry of a Record whose Expiry is zero.
	// Default: DefaultMaxAge (two weeks).
	MaxAge time.Duration

	// Sync makes every write flush the new file to stable storage
	// (fsync) before it is linked or renamed into place, so that a
	// session survives a power loss, at the price of a disk flush per
	// write. Default: off, as in Django.
	Sync bool

	// Logger receives warnings about corrupt files. Default:
	// slog.Default().
	Logger *slog.Logger
}

// Store is a file-based sessionkit.Store. It is safe for concurrent use,
// and several processes may share one directory. Create it with New and
// release it with Close.
type Store struct {
	root   *os.Root
	prefix string
	django bool
	maxAge time.Duration
	sync   bool
	log    *slog.Logger

	// noLink forces Create's fallback for file systems without hard
	// links; tests set it.
	noLink bool
}

var (
	_ sessionkit.Store             = (*Store)(nil)
	_ sessionkit.ExpiredClearer    = (*Store)(nil)
	_ sessionkit.UserSessionLister = (*Store)(nil)
)

// New opens the session directory cfg.Dir. It fails if the directory does
// not exist or is not a directory, so that a misconfiguration shows at
// start-up rather than at the first request.
func New(cfg Config) (*Store, error) {
	dir := cfg.Dir
	if dir == "" {
		dir = os.TempDir()
	}
	name := cfg.CookieName
	if name == "" {
		name = DefaultCookieName
	}
	if !validCookieName(name) {
		return nil, fmt.Errorf("filestore: Config.CookieName %q is not a valid cookie name: use at most 100 letters, digits or !#$%%&'*+-.^_`|~", name)
	}
	maxAge := cfg.MaxAge
	if maxAge == 0 {
		maxAge = DefaultMaxAge
	}
	if maxAge < 0 {
		return nil, fmt.Errorf("filestore: Config.MaxAge is negative (%v): use a positive age, or zero for two weeks", maxAge)
	}
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("filestore: the session storage path %q doesn't exist: set Config.Dir to an existing directory in which sessions can be stored: %w", dir, err)
	}
	if err != nil {
		return nil, fmt.Errorf("filestore: cannot use the session storage path %q: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("filestore: the session storage path %q is not a directory: set Config.Dir to an existing directory in which sessions can be stored", dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("filestore: cannot open the session storage path %q: %w", dir, err)
	}
	return &Store{
		root:   root,
		prefix: name,
		django: cfg.Django,
		maxAge: maxAge,
		sync:   cfg.Sync,
		log:    cfg.Logger,
	}, nil
}

// Close releases the store's handle on its directory. The store must not be
// used afterwards.
func (s *Store) Close() error {
	return s.root.Close()
}

func (s *Store) logger() *slog.Logger {
	if s.log != nil {
		return s.log
	}
	return slog.Default()
}

// fileName returns the name of key's file, or false if key is not a valid
// session key. It is the only place a key turns into a file name.
func (s *Store) fileName(key string) (string, bool) {
	if !sessionkit.ValidKey(key) {
		return "", false
	}
	if s.django {
		return s.prefix + key, true
	}
	return s.prefix + sessionkit.KeyHash(key), true
}

// isID reports whether id, a file name without the prefix, names a session
// file of this store's mode.
func (s *Store) isID(id string) bool {
	if s.django {
		return sessionkit.ValidKey(id)
	}
	return isHexHash(id)
}

func isHexHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// errInvalidKey is returned by Create and Update for a key that could
// never be loaded.
func errInvalidKey(op string) error {
	return fmt.Errorf("filestore: %s: invalid session key: keys are 8 to 40 characters from [a-z0-9] (sessionkit.ValidKey)", op)
}

// Load returns the session stored under key. It returns an error wrapping
// sessionkit.ErrNotFound if there is no such file, the key is invalid, the
// session has expired, or (native mode) the file is corrupt.
func (s *Store) Load(ctx context.Context, key string) (sessionkit.Record, error) {
	if err := ctx.Err(); err != nil {
		return sessionkit.Record{}, err
	}
	name, ok := s.fileName(key)
	if !ok {
		return sessionkit.Record{}, fmt.Errorf("filestore: load: invalid session key: %w", sessionkit.ErrNotFound)
	}
	content, mtime, err := s.read(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return sessionkit.Record{}, fmt.Errorf("filestore: load: %w", sessionkit.ErrNotFound)
		}
		return sessionkit.Record{}, fmt.Errorf("filestore: load: %w", err)
	}
	var rec sessionkit.Record
	if s.django {
		// Whatever the file holds is Django's session_data; the Manager's
		// codec decides whether it is valid, as Django's decode does.
		rec = sessionkit.Record{Data: content, Expiry: mtime.Add(s.maxAge)}
	} else {
		if len(content) == 0 {
			// Only Create's fallback (no hard links) leaves an empty
			// file, for the instant before it renames the content in.
			return sessionkit.Record{}, fmt.Errorf("filestore: load: %w", sessionkit.ErrNotFound)
		}
		h, err := parseHeader(content)
		if err != nil {
			s.logger().WarnContext(ctx, "filestore: ignoring a corrupt session file", "file", name, "error", err)
			return sessionkit.Record{}, fmt.Errorf("filestore: load: corrupt session file: %w", sessionkit.ErrNotFound)
		}
		rec = sessionkit.Record{Data: h.data, Expiry: h.expiry, UserID: h.userID}
	}
	if !time.Now().Before(rec.Expiry) {
		return sessionkit.Record{}, fmt.Errorf("filestore: load: session expired: %w", sessionkit.ErrNotFound)
	}
	return rec, nil
}

// read returns the content and modification time of the named file.
func (s *Store) read(name string) ([]byte, time.Time, error) {
	f, err := s.root.Open(name)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, time.Time{}, err
	}
	if !fi.Mode().IsRegular() {
		return nil, time.Time{}, fmt.Errorf("%s is not a regular file: %w", name, fs.ErrNotExist)
	}
	// Size is a hint: the file is replaced, never rewritten in place, so
	// it rarely changes under an open descriptor.
	buf := bytes.NewBuffer(make([]byte, 0, fi.Size()+bytes.MinRead))
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, time.Time{}, err
	}
	return buf.Bytes(), fi.ModTime(), nil
}

// Create stores rec under key, which must not be in use. It returns an
// error wrapping sessionkit.ErrKeyExists if a file for key exists, even
// one being written by another process at the same instant.
func (s *Store) Create(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	name, ok := s.fileName(key)
	if !ok {
		return "", errInvalidKey("create")
	}
	tmp, err := s.writeTemp(name, rec)
	if err != nil {
		return "", fmt.Errorf("filestore: create: %w", err)
	}
	defer s.root.Remove(tmp)
	// A hard link appears atomically with its full content and fails if
	// the name is taken: exactly one of several racing creators wins.
	err = errLinkUnused
	if !s.noLink {
		err = s.root.Link(tmp, name)
	}
	if err != nil && !errors.Is(err, fs.ErrExist) {
		// No hard links here (some network and FAT file systems):
		// claim the name with an exclusive create, as Django does,
		// then rename the content over it.
		err = s.claim(name)
		if err == nil {
			err = s.root.Rename(tmp, name)
		}
	}
	if errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("filestore: create: %w", sessionkit.ErrKeyExists)
	}
	if err != nil {
		return "", fmt.Errorf("filestore: create: %w", err)
	}
	return key, nil
}

var errLinkUnused = errors.New("hard links disabled")

// claim creates name empty and exclusively.
func (s *Store) claim(name string) error {
	f, err := s.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// Update replaces the session stored under key. It returns an error
// wrapping sessionkit.ErrNotFound if the file no longer exists: a session
// deleted by a concurrent logout is not recreated.
func (s *Store) Update(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	name, ok := s.fileName(key)
	if !ok {
		return "", errInvalidKey("update")
	}
	tmp, err := s.writeTemp(name, rec)
	if err != nil {
		return "", fmt.Errorf("filestore: update: %w", err)
	}
	// Writing comes first, outside the lock, to keep the lock short.
	f, err := s.lock(name)
	if err != nil {
		s.root.Remove(tmp)
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("filestore: update: %w", sessionkit.ErrNotFound)
		}
		return "", fmt.Errorf("filestore: update: %w", err)
	}
	defer f.Close()
	if err := s.root.Rename(tmp, name); err != nil {
		s.root.Remove(tmp)
		return "", fmt.Errorf("filestore: update: %w", err)
	}
	return key, nil
}

// lock opens the named session file and locks it, so that no other Store
// replaces or removes it until the returned file is closed. Once it holds
// the lock it checks that the name still refers to the file it locked: if
// the file was replaced meanwhile it starts again with the new one, and if
// it was removed it returns an error wrapping fs.ErrNotExist.
func (s *Store) lock(name string) (*os.File, error) {
	for range 100 {
		f, err := s.root.Open(name)
		if err != nil {
			return nil, err
		}
		if err := lockFile(f); err != nil {
			f.Close()
			return nil, err
		}
		locked, err := f.Stat()
		if err == nil {
			var cur fs.FileInfo
			cur, err = s.root.Lstat(name)
			if err == nil && os.SameFile(locked, cur) {
				return f, nil
			}
		}
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%s kept being replaced while waiting for its lock", name)
}

// Delete removes the session stored under key. A missing file, or a key
// that could not name one, is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name, ok := s.fileName(key)
	if !ok {
		return nil
	}
	f, err := s.lock(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("filestore: delete: %w", err)
	}
	defer f.Close()
	if err := s.root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("filestore: delete: %w", err)
	}
	return nil
}

// expiry returns the expiry to store for rec.
func (s *Store) expiry(rec sessionkit.Record) time.Time {
	if rec.Expiry.IsZero() {
		return time.Now().Add(s.maxAge)
	}
	return rec.Expiry
}

// writeTemp writes rec's file content to a new temporary file next to name
// and returns the temporary file's name.
func (s *Store) writeTemp(name string, rec sessionkit.Record) (string, error) {
	exp := s.expiry(rec)
	var content []byte
	if s.django {
		content = rec.Data
	} else {
		if len(rec.UserID) > maxUserID {
			return "", fmt.Errorf("Record.UserID is %d bytes, over the limit of %d", len(rec.UserID), maxUserID)
		}
		content = appendHeader(make([]byte, 0, headerMax+len(rec.UserID)+len(rec.Data)), exp, rec.UserID)
		content = append(content, rec.Data...)
	}
	tmp := tempName(name, time.Now())
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
		// Django reads the expiry as mtime + SESSION_COOKIE_AGE. Setting
		// it on the temporary file makes the session appear with its
		// expiry already right.
		err = s.root.Chtimes(tmp, time.Now(), exp.Add(-s.maxAge))
	}
	if err != nil {
		s.root.Remove(tmp)
		return "", err
	}
	return tmp, nil
}

// tempName returns a fresh temporary name for a write of name: name, the
// marker, the creation time (so that ClearExpired can tell a leftover
// from a write in progress without trusting mtimes, which Django mode
// sets in the past) and 64 random bits.
func tempName(name string, now time.Time) string {
	var r [8]byte
	rand.Read(r[:])
	var t [8]byte
	u := uint64(now.UnixNano())
	for i := range t {
		t[i] = byte(u >> (56 - 8*i))
	}
	return name + tempMarker + hex.EncodeToString(t[:]) + "_" + hex.EncodeToString(r[:])
}

// tempCreated parses a temporary file's name suffix (after the marker) and
// returns its creation time, or false if it is not one of ours.
func tempCreated(suffix string) (time.Time, bool) {
	if len(suffix) != 33 || suffix[16] != '_' {
		return time.Time{}, false
	}
	var t [8]byte
	if _, err := hex.Decode(t[:], []byte(suffix[:16])); err != nil {
		return time.Time{}, false
	}
	var r [8]byte
	if _, err := hex.Decode(r[:], []byte(suffix[17:])); err != nil {
		return time.Time{}, false
	}
	var u uint64
	for _, b := range t {
		u = u<<8 | uint64(b)
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
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// entry is one session file met by a directory scan.
type entry struct {
	name string // file name
	id   string // name without the prefix: the key or its hash
}

// scan calls fn for every session file in the directory, reading the
// listing in chunks, and removes temporary files left behind by crashed
// writers. Entries that are not regular files (a planted symbolic link, a
// directory) are foreign and skipped, and so are files this process may
// not open (another user's, in a shared temporary directory). An error
// about one file does not stop the scan: scan returns the first such
// error once it has seen every file.
func (s *Store) scan(ctx context.Context, fn func(entry) error) error {
	d, err := s.root.Open(".")
	if err != nil {
		return err
	}
	defer d.Close()
	now := time.Now()
	var first error
	keep := func(err error) {
		if err != nil && first == nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrPermission) {
			first = err
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		ents, rerr := d.ReadDir(scanChunk)
		for _, de := range ents {
			name := de.Name()
			id, ok := strings.CutPrefix(name, s.prefix)
			if !ok || !de.Type().IsRegular() {
				continue // a foreign file
			}
			if s.isID(id) {
				keep(fn(entry{name: name, id: id}))
				continue
			}
			if i := strings.Index(id, tempMarker); i >= 0 && s.isID(id[:i]) {
				if created, ok := tempCreated(id[i+len(tempMarker):]); ok && now.Sub(created) > staleTemp {
					keep(s.root.Remove(name))
				}
			}
		}
		if rerr == io.EOF {
			return first
		}
		if rerr != nil {
			return rerr
		}
	}
}

// ClearExpired removes the files of expired sessions (and, in native mode,
// corrupt files, which can never be loaded) and reports how many it
// removed. It also removes temporary files left behind for over an hour by
// a crashed writer, without counting them.
//
// Several processes may run it, and write sessions, at the same time: it
// judges each file while holding the lock Update and Delete take, so a
// session renewed by a concurrent Update is never removed.
//
// In Django mode a session expires at its file's mtime plus Config.MaxAge,
// even if its data holds a _session_expiry (see the package documentation).
func (s *Store) ClearExpired(ctx context.Context) (int64, error) {
	var n int64
	err := s.scan(ctx, func(e entry) error {
		removed, err := s.removeIf(e.name, func(fi fs.FileInfo, h header, err error) (bool, error) {
			now := time.Now()
			if errors.Is(err, errCorrupt) {
				if fi.Size() == 0 && now.Sub(fi.ModTime()) < staleTemp {
					return false, nil // Create's fallback, between claim and rename
				}
				s.logger().WarnContext(ctx, "filestore: removing a corrupt session file", "file", e.name, "error", err)
				return true, nil
			}
			if err != nil {
				return false, err
			}
			return !now.Before(h.expiry), nil
		})
		if removed {
			n++
		}
		return err
	})
	if err != nil {
		return n, fmt.Errorf("filestore: clear expired: %w", err)
	}
	return n, nil
}

var errCorrupt = errors.New("corrupt session file")

// inspect returns the info of the open session file f and its header: the
// expiry and owner; in Django mode the expiry is mtime + MaxAge and there
// is no owner. A native file whose header cannot be parsed gives an error
// wrapping errCorrupt, with fi set.
func (s *Store) inspect(f *os.File) (fs.FileInfo, header, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, header{}, err
	}
	if s.django {
		return fi, header{expiry: fi.ModTime().Add(s.maxAge)}, nil
	}
	h, err := readHeader(f)
	if err != nil {
		return fi, header{}, fmt.Errorf("%w: %w", errCorrupt, err)
	}
	return fi, h, nil
}

// removeIf locks the named file, inspects it and removes it if remove says
// so, all under the lock. A file that vanished meanwhile is not an error.
func (s *Store) removeIf(name string, remove func(fs.FileInfo, header, error) (bool, error)) (bool, error) {
	f, err := s.lock(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	ok, err := remove(s.inspect(f))
	if !ok || err != nil {
		return false, err
	}
	if err := s.root.Remove(name); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// errNoUsers is returned by the UserSessionLister methods in Django mode.
var errNoUsers = fmt.Errorf("filestore: Django-mode session files record no user id, so sessions cannot be listed by user; use native mode: %w", errors.ErrUnsupported)

// UserSessions lists the live sessions whose Record.UserID is userID. It
// reads the header of every session file in the directory (see Costs in
// the package documentation). In Django mode it returns an error wrapping
// errors.ErrUnsupported.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]sessionkit.SessionInfo, error) {
	if s.django {
		return nil, errNoUsers
	}
	var out []sessionkit.SessionInfo
	if userID == "" {
		return out, nil
	}
	now := time.Now()
	err := s.scan(ctx, func(e entry) error {
		f, err := s.root.Open(e.name)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		_, h, err := s.inspect(f)
		f.Close()
		if errors.Is(err, errCorrupt) {
			return nil
		}
		if err != nil {
			return err
		}
		if h.userID == userID && now.Before(h.expiry) {
			out = append(out, sessionkit.SessionInfo{ID: e.id, Expiry: h.expiry})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("filestore: user sessions: %w", err)
	}
	return out, nil
}

// DeleteUserSessions removes every session whose Record.UserID is userID,
// except the one stored under keepKey ("" keeps none), and reports how many
// it removed. It reads the header of every session file in the directory.
// In Django mode it returns an error wrapping errors.ErrUnsupported.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, keepKey string) (int64, error) {
	if s.django {
		return 0, errNoUsers
	}
	if userID == "" {
		return 0, nil
	}
	keep := ""
	if keepKey != "" {
		keep = sessionkit.KeyHash(keepKey)
	}
	var n int64
	err := s.scan(ctx, func(e entry) error {
		if e.id == keep {
			return nil
		}
		removed, err := s.removeIf(e.name, func(_ fs.FileInfo, h header, err error) (bool, error) {
			if errors.Is(err, errCorrupt) {
				return false, nil
			}
			return err == nil && h.userID == userID, err
		})
		if removed {
			n++
		}
		return err
	})
	if err != nil {
		return n, fmt.Errorf("filestore: delete user sessions: %w", err)
	}
	return n, nil
}
