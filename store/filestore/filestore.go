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
// Keys are checked with sessionkit.ValidKey before any name is built, and
// every file is opened relative to the directory (through an os.Root, or on
// Linux with openat and O_NOFOLLOW), so neither a crafted key nor a planted
// symbolic link can reach a file outside the directory. An entry under a
// session's name that is not a regular file (a symbolic link on Linux, a
// FIFO, a directory) holds no session. Prefer a private directory (mode
// 0700) to the shared temporary directory, which is Django's default and
// this package's default too.
//
// Writes are atomic: the content goes to a file of the store's own in the
// same directory (mode 0600, named <prefix>_out_<time>_<random>, a name no
// reader mistakes for a session, Django included), which is then put in
// place by one atomic rename, so a reader sees the old content or the new,
// never a part. The one exception is a native-mode Create with no idle
// spare at hand, which saves the rename: it creates the session's file
// exclusively and writes it under its lock, and until the file is whole it
// fails the checks every native file carries (see Native mode), so a
// reader sees no session rather than a part, and a file a crash cut short
// reads as missing until ClearExpired removes it. Create never replaces a
// file: of several processes racing to create one key exactly one wins and
// the others get sessionkit.ErrKeyExists. Update never recreates a deleted
// file: Update, Delete and ClearExpired take an advisory lock (flock) on
// the file they replace or remove and check, holding it, that the file is
// still there, so a session deleted by a logout in one process cannot be
// brought back by a concurrent Update in another. (Django's own processes take no lock:
// like Django, they only check that the file exists just before renaming
// over it. So do stores on systems without flock, such as Windows.)
//
// In native mode on Linux, Update does not make a new file for every
// version: it writes into a reused spare file of its own and swaps it with
// the session file in one atomic rename (renameat2 RENAME_EXCHANGE), which
// costs a fraction of allocating one file and freeing another each time.
// The old version, now under the spare's name, is cut to one byte at once,
// before the spare is used again; idle spares hold nothing of a session,
// are replaced once ten minutes old, and are removed by Close. A reader
// that opened the session file just before a swap may read the spare
// while it is refilled with another session: every native file therefore
// names its session and carries its lengths and a checksum, and Load reads
// again when what it read is not a whole file of its own session. Django
// mode never reuses files, since Django's processes would read them
// unchecked. Where the file system cannot swap names (NFS, FUSE, other
// systems), Update renames a new file into place instead, and Create links
// one (or, without hard links, claims the name and renames over it, as
// Django does).
//
// Without Config.Sync nothing is flushed to disk, as in Django: after a
// power loss a session may be missing or older, but a file that did not
// reach the disk whole is never read as a session (native mode checks
// each file's length and checksum; Django mode relies on Django's
// signature).
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
// expiry, the owner (Record.UserID), the session's id and a checksum,
// followed by Record.UserID and Record.Data:
//
//	sessionkit/2 <expiry ns> <user id length> <data length> <id> <CRC-32C>\n<user id><data>
//
// Expiry is therefore exact and independent of the file system's clock, and
// the store implements sessionkit.UserSessionLister by reading these
// headers. A file that is not a complete file of its own session (corrupt,
// cut short, or another session's) is never returned: Load reports it as
// not found and logs a warning, and ClearExpired removes it.
//
// # Costs
//
// Load is one open and read. Create, in native mode, fills an idle spare
// and renames it into place, or else writes the new file under its own
// name; in Django mode it writes a new file and renames it into place.
// Update refills a spare and swaps it in (native mode on Linux) or writes a
// new file and renames it over; Delete is one unlink.
// ClearExpired, UserSessions and DeleteUserSessions scan the whole
// directory in chunks (never holding the listing in memory) and read every
// session file, so they cost O(number of sessions): fine for thousands of
// sessions, and a reason to choose a database store for millions.
package filestore

import (
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
	"sync"
	"sync/atomic"
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

// tempMarker follows the prefix in the names of the store's temporary and
// spare files (<prefix>_out_<suffix>; earlier versions put a session's id
// before it, as Django's mkstemp(prefix=<file>+"_out_") does). The
// underscore is not a key character, so Django's clear_expired skips these
// files as it skips its own temporary files.
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

	// Sync makes every write flush the new content to stable storage
	// (fsync) before it is put in place, so that a session survives a
	// power loss, at the price of a disk flush per write. Default: off,
	// as in Django.
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
	dir    *os.File // the directory, kept open for dirfd
	dirfd  int      // its descriptor, on Linux (handle_linux.go)
	prefix string
	django bool
	maxAge time.Duration
	sync   bool
	log    *slog.Logger

	spares sparePool

	// life is held shared by every operation and exclusively by Close,
	// which sets closed: on Linux operations name files by the
	// directory's descriptor number, which a closed store must never use,
	// since the process may have given it to another directory.
	life   sync.RWMutex
	closed bool

	// Set once renameat2 reports that the file system lacks a flag;
	// tests set them to exercise the fallbacks.
	noExchange, noNoReplace atomic.Bool

	// noLink forces Create's fallback for file systems without hard
	// links; tests set it.
	noLink bool

	// beforeSwap, if set, runs between filling a spare and swapping it
	// into place; tests use it to lose the spare at that instant.
	beforeSwap func(spare string)

	// beforeCreateLock, if set, runs between createInPlace's exclusive
	// create and its lock; tests use it to race an Update at that instant.
	beforeCreateLock func(name string)
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
	d, err := root.Open(".")
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("filestore: cannot open the session storage path %q: %w", dir, err)
	}
	return &Store{
		root:   root,
		dir:    d,
		dirfd:  dirFD(d),
		prefix: name,
		django: cfg.Django,
		maxAge: maxAge,
		sync:   cfg.Sync,
		log:    cfg.Logger,
	}, nil
}

// ErrClosed is returned by a Store's methods after Close.
var ErrClosed = errors.New("filestore: the store is closed")

// Close removes the store's spare files and releases its handles on the
// directory, once operations in progress have returned. Afterwards every
// method returns ErrClosed, and Close nil.
func (s *Store) Close() error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.closeSpares()
	return errors.Join(s.dir.Close(), s.root.Close())
}

// begin starts an operation: Close waits until end. It returns ErrClosed,
// and the operation must not run, once the store is closed.
func (s *Store) begin() error {
	s.life.RLock()
	if s.closed {
		s.life.RUnlock()
		return ErrClosed
	}
	return nil
}

func (s *Store) end() { s.life.RUnlock() }

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
	if err := s.begin(); err != nil {
		return sessionkit.Record{}, err
	}
	defer s.end()
	name, ok := s.fileName(key)
	if !ok {
		return sessionkit.Record{}, fmt.Errorf("filestore: load: invalid session key: %w", sessionkit.ErrNotFound)
	}
	var rec sessionkit.Record
	if s.django {
		content, st, err := s.readFile(name)
		if err != nil {
			return sessionkit.Record{}, loadError(err)
		}
		// Whatever the file holds is Django's session_data; the Manager's
		// codec decides whether it is valid, as Django's decode does.
		rec = sessionkit.Record{Data: content, Expiry: st.mtime.Add(s.maxAge)}
	} else {
		h, err := s.readNative(ctx, name)
		if err != nil {
			return sessionkit.Record{}, loadError(err)
		}
		rec = sessionkit.Record{Data: h.data, Expiry: h.expiry, UserID: h.userID}
	}
	if !time.Now().Before(rec.Expiry) {
		return sessionkit.Record{}, fmt.Errorf("filestore: load: session expired: %w", sessionkit.ErrNotFound)
	}
	return rec, nil
}

func loadError(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errCorrupt) {
		return fmt.Errorf("filestore: load: %w: %w", err, sessionkit.ErrNotFound)
	}
	return fmt.Errorf("filestore: load: %w", err)
}

// readAttempts is how many times readNative reads a native file that is
// not a complete file of its own session before it judges it corrupt.
const readAttempts = 3

// readNative reads and checks the named native file. A file that is not a
// complete file of its session may be a reused spare caught by the reader
// mid-refill (see spare.go), so it is read again by name before being
// judged corrupt: the error then wraps errCorrupt and a warning is logged,
// except for an empty file, which Create's fallback makes for an instant.
func (s *Store) readNative(ctx context.Context, name string) (header, error) {
	id := name[len(s.prefix):]
	var err error
	var content []byte
	for range readAttempts {
		content, _, err = s.readFile(name)
		if err != nil {
			return header{}, err
		}
		var h header
		if h, err = parseHeader(content); err == nil && h.id != id {
			err = errors.New("the file holds another session")
		}
		if err == nil {
			return h, nil
		}
	}
	if len(content) > 0 {
		s.logger().WarnContext(ctx, "filestore: ignoring a corrupt session file", "file", name, "error", err)
	}
	return header{}, fmt.Errorf("%w: %w", errCorrupt, err)
}

// fileStat is what the store needs of a file's metadata.
type fileStat struct {
	size    int64
	mtime   time.Time
	regular bool
}

// readFile returns the content and metadata of the named file.
func (s *Store) readFile(name string) ([]byte, fileStat, error) {
	h, err := s.openFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, fileStat{}, err
	}
	defer h.close()
	return readOpen(h, name)
}

// readOpen returns the content and metadata of the open file h. It reads
// as many bytes as the file had when it was opened: session files are
// replaced, never rewritten while they have a session's name, and a spare
// refilled under a late reader fails the native checks whatever length is
// read.
func readOpen(h handle, name string) ([]byte, fileStat, error) {
	st, err := h.stat()
	if err != nil {
		return nil, fileStat{}, err
	}
	if !st.regular {
		return nil, fileStat{}, errNotRegular(name)
	}
	buf := make([]byte, st.size)
	n, err := h.read(buf)
	if err != nil {
		return nil, fileStat{}, err
	}
	return buf[:n], st, nil
}

// errNotRegular reports a directory entry under a session's name that is
// not a regular file (a planted FIFO, say): no session is stored there.
func errNotRegular(name string) error {
	return fmt.Errorf("%s is not a regular file: %w", name, fs.ErrNotExist)
}

// Create stores rec under key, which must not be in use. It returns an
// error wrapping sessionkit.ErrKeyExists if a file for key exists, even
// one being written by another process at the same instant.
func (s *Store) Create(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := s.begin(); err != nil {
		return "", err
	}
	defer s.end()
	name, ok := s.fileName(key)
	if !ok {
		return "", errInvalidKey("create")
	}
	content, exp, err := s.content(name, rec)
	if err != nil {
		return "", fmt.Errorf("filestore: create: %w", err)
	}
	if s.django {
		err = s.createRenamed(name, content, exp)
	} else {
		err = s.createNative(name, content, exp)
	}
	if errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("filestore: create: %w", sessionkit.ErrKeyExists)
	}
	if err != nil {
		return "", fmt.Errorf("filestore: create: %w", err)
	}
	return key, nil
}

// createNative creates a native session file: by renaming an idle spare
// into place if there is one, which allocates no file, otherwise by
// writing the file under its own name (createInPlace), which saves the
// rename of a temporary file.
func (s *Store) createNative(name string, content []byte, exp time.Time) error {
	// A spare that fill finds broken is removed by it.
	if sp, ok := s.takeSpare(time.Now()); ok && s.fill(sp, content, exp) == nil {
		return s.publish(sp.name, name)
	}
	return s.createInPlace(name, content)
}

// createRenamed writes content to a file of the store's own and publishes
// it as name, so that the file appears with its whole content: Django's
// processes read session files without checking them.
func (s *Store) createRenamed(name string, content []byte, exp time.Time) error {
	tmp, err := s.stage(content, exp)
	if err != nil {
		return err
	}
	return s.publish(tmp.name, name)
}

// createInPlace creates name exclusively and writes content into it,
// holding the file's lock, as Update and Delete would. No reader can
// mistake the file for a session before it is whole: a native file that
// is cut short fails its checks, so a reader racing the write, or finding
// what a crash left, sees no session, and ClearExpired removes such a
// file. The lock keeps the write out of a concurrent Update, which could
// otherwise swap the new file out and make it a spare while it is
// written.
func (s *Store) createInPlace(name string, content []byte) error {
	h, err := s.openFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if s.beforeCreateLock != nil {
		s.beforeCreateLock(name)
	}
	if err := h.lock(); err != nil {
		// Left empty: ClearExpired removes it once it is stale.
		h.close()
		return err
	}
	current, err := s.isCurrent(h, name)
	if errors.Is(err, fs.ErrNotExist) || err == nil && !current {
		// Replaced or removed between the create and the lock by a
		// store that found the name taken: someone else acts on the key.
		err = fmt.Errorf("%s was replaced or removed while being created: %w", name, fs.ErrExist)
	}
	if err != nil {
		h.close()
		return err
	}
	err = h.write(content)
	if err == nil && s.sync {
		err = h.sync()
	}
	if err != nil {
		// Still locked and still ours: nobody else has the file.
		s.root.Remove(name)
	}
	if cerr := h.close(); err == nil {
		err = cerr
	}
	return err
}

// publish renames tmp, a filled file of the store's own, to name, which
// must not exist; it removes tmp if that fails. Each way of publishing
// makes the file appear atomically with its full content and fails with
// an error wrapping fs.ErrExist if the name is taken: exactly one of
// several racing creators wins.
func (s *Store) publish(tmp, name string) error {
	err := errors.ErrUnsupported
	if !s.noNoReplace.Load() {
		err = renameat2(s.dirfd, tmp, name, renameNoReplace)
		if errors.Is(err, errors.ErrUnsupported) {
			s.noNoReplace.Store(true)
		}
	}
	if errors.Is(err, errors.ErrUnsupported) {
		err = s.link(tmp, name)
	}
	if err != nil {
		s.root.Remove(tmp)
	}
	return err
}

// link publishes the temporary file tmp as name without renameat2: a
// hard link, or where there are none an exclusive create followed by a
// rename. It removes tmp.
func (s *Store) link(tmp, name string) error {
	err := errLinkUnused
	if !s.noLink {
		err = s.root.Link(tmp, name)
	}
	if err != nil && !errors.Is(err, fs.ErrExist) {
		// No hard links here (some network and FAT file systems):
		// claim the name with an exclusive create, as Django does,
		// then rename the content over it.
		err = s.claim(name)
		if err == nil {
			return s.root.Rename(tmp, name)
		}
	}
	s.root.Remove(tmp)
	return err
}

var errLinkUnused = errors.New("hard links disabled")

// claim creates name empty and exclusively.
func (s *Store) claim(name string) error {
	h, err := s.openFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	return h.close()
}

// Update replaces the session stored under key. It returns an error
// wrapping sessionkit.ErrNotFound if the file no longer exists: a session
// deleted by a concurrent logout is not recreated.
func (s *Store) Update(ctx context.Context, key string, rec sessionkit.Record) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := s.begin(); err != nil {
		return "", err
	}
	defer s.end()
	name, ok := s.fileName(key)
	if !ok {
		return "", errInvalidKey("update")
	}
	content, exp, err := s.content(name, rec)
	if err != nil {
		return "", fmt.Errorf("filestore: update: %w", err)
	}
	for attempt := 0; ; attempt++ {
		err := s.replace(ctx, name, content, exp)
		if errors.Is(err, errSpareGone) && attempt == 0 {
			continue
		}
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("filestore: update: %w", sessionkit.ErrNotFound)
		}
		if err != nil {
			return "", fmt.Errorf("filestore: update: %w", err)
		}
		return key, nil
	}
}

// errSpareGone reports that a spare vanished between its refill and the
// swap: another process's ClearExpired took it for a crash's leftover.
var errSpareGone = errors.New("spare file removed while in use")

// replace writes content to a file of its own, then swaps or renames it
// over the existing file name. It returns an error wrapping
// fs.ErrNotExist if name does not exist.
func (s *Store) replace(ctx context.Context, name string, content []byte, exp time.Time) error {
	tmp, err := s.stage(content, exp)
	if err != nil {
		return err
	}
	// Writing comes first, outside the lock, to keep the lock short.
	swap := s.reusing()
	lk, err := s.lock(ctx, name, swap)
	if err != nil {
		s.root.Remove(tmp.name)
		return err
	}
	if s.beforeSwap != nil {
		s.beforeSwap(tmp.name)
	}
	if swap {
		err = renameat2(s.dirfd, tmp.name, name, renameExchange)
		if errors.Is(err, errors.ErrUnsupported) {
			s.noExchange.Store(true)
			swap = false
		} else if errors.Is(err, fs.ErrNotExist) {
			// We hold the session file's lock, and it was there: the
			// spare is what vanished (unless someone removed the file
			// without the lock, which the retry will find).
			lk.close()
			s.root.Remove(tmp.name)
			return errSpareGone
		}
	}
	if !swap {
		err = s.root.Rename(tmp.name, name)
	}
	if err != nil {
		lk.close()
		s.root.Remove(tmp.name)
		return err
	}
	if !swap {
		return lk.close()
	}
	// The locked handle now refers to the previous version, under tmp's
	// name: cut it, under the lock, so that no old session lingers in a
	// spare, then keep it open as the spare.
	if err := lk.truncate(spareResidue); err != nil || lk.unlock() != nil {
		s.discard(spare{name: tmp.name, h: lk})
		return nil
	}
	s.putSpare(spare{name: tmp.name, born: tmp.born, h: lk}, time.Now())
	return nil
}

// reusing reports whether Update swaps spare files into place (see
// spare.go) rather than renaming new files.
func (s *Store) reusing() bool {
	return !s.django && !s.noExchange.Load()
}

// lock opens the named session file, for writing if write is set and the
// file allows it, and locks it, so that no other Store replaces or removes
// it until the returned file is closed. Once it holds the lock it checks
// that the name still refers to the file it locked: if the file was
// replaced meanwhile it starts again with the new one, and if it was
// removed it returns an error wrapping fs.ErrNotExist.
func (s *Store) lock(ctx context.Context, name string, write bool) (handle, error) {
	// Under contention a waiter can be woken on a file that was just
	// replaced, again and again: it keeps trying while ctx allows, up to
	// a bound for file systems whose inode numbers never compare equal.
	for range maxLockAttempts {
		if err := ctx.Err(); err != nil {
			return handle{}, err
		}
		h, err := s.openLock(name, write)
		if err != nil {
			return handle{}, err
		}
		if err := h.lock(); err != nil {
			h.close()
			return handle{}, err
		}
		current, err := s.isCurrent(h, name)
		if err == nil && current {
			return h, nil
		}
		h.close()
		if err != nil {
			return handle{}, err
		}
	}
	return handle{}, fmt.Errorf("%s kept being replaced while waiting for its lock", name)
}

const maxLockAttempts = 10000

func (s *Store) openLock(name string, write bool) (handle, error) {
	if write {
		h, err := s.openFile(name, os.O_RDWR, 0)
		if !errors.Is(err, fs.ErrPermission) {
			return h, err
		}
		// Another user's file: it can still be renamed over.
	}
	return s.openFile(name, os.O_RDONLY, 0)
}

// Delete removes the session stored under key. A missing file, or a key
// that could not name one, is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.begin(); err != nil {
		return err
	}
	defer s.end()
	name, ok := s.fileName(key)
	if !ok {
		return nil
	}
	h, err := s.lock(ctx, name, false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("filestore: delete: %w", err)
	}
	defer h.close()
	if err := s.root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("filestore: delete: %w", err)
	}
	return nil
}

// content returns the content of the named file for rec, and the expiry it
// records.
func (s *Store) content(name string, rec sessionkit.Record) ([]byte, time.Time, error) {
	exp := rec.Expiry
	if exp.IsZero() {
		exp = time.Now().Add(s.maxAge)
	}
	if s.django {
		return rec.Data, exp, nil
	}
	if len(rec.UserID) > maxUserID {
		return nil, exp, fmt.Errorf("Record.UserID is %d bytes, over the limit of %d", len(rec.UserID), maxUserID)
	}
	b := make([]byte, 0, headerMax+len(rec.UserID)+len(rec.Data))
	return appendFile(b, exp, rec.UserID, name[len(s.prefix):], rec.Data), exp, nil
}

// stage writes content to a file of the store's own in the directory: an
// idle spare if there is one, otherwise a new temporary file, which it
// closes, ready to be renamed or swapped into place. In Django mode it also
// sets the file's mtime from exp. The result's handle is not open.
func (s *Store) stage(content []byte, exp time.Time) (spare, error) {
	now := time.Now()
	if sp, ok := s.takeSpare(now); ok {
		if err := s.fill(sp, content, exp); err == nil {
			return spare{name: sp.name, born: sp.born}, nil
		}
		// Broken, and removed by fill: start afresh with a new file.
	}
	name := tempName(s.prefix, now)
	h, err := s.openFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return spare{}, err
	}
	if err := s.fill(spare{name: name, born: now, h: h}, content, exp); err != nil {
		return spare{}, err
	}
	return spare{name: name, born: now}, nil
}

// fill makes content the whole content of sp, a new or spare file of the
// store's own, and closes it: a new file is empty, a spare holds
// spareResidue bytes, which any native file's content overwrites, and only
// their Store writes to them. If it fails it also removes the file.
func (s *Store) fill(sp spare, content []byte, exp time.Time) error {
	err := sp.h.write(content)
	if err == nil && s.sync {
		err = sp.h.sync()
	}
	if cerr := sp.h.close(); err == nil {
		err = cerr
	}
	if err == nil && s.django {
		// Django reads the expiry as mtime + SESSION_COOKIE_AGE. Setting
		// it on the temporary file makes the session appear with its
		// expiry already right.
		err = s.root.Chtimes(sp.name, time.Now(), exp.Add(-s.maxAge))
	}
	if err != nil {
		s.root.Remove(sp.name)
	}
	return err
}

// tempName returns a fresh temporary name beginning with base (the
// store's prefix): base, the marker, the creation time (so that
// ClearExpired can tell a leftover from a write in progress or a spare
// without trusting mtimes, which Django mode sets in the past) and 64
// random bits.
func tempName(base string, now time.Time) string {
	var r [8]byte
	rand.Read(r[:])
	var t [8]byte
	u := uint64(now.UnixNano())
	for i := range t {
		t[i] = byte(u >> (56 - 8*i))
	}
	return base + tempMarker + hex.EncodeToString(t[:]) + "_" + hex.EncodeToString(r[:])
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
			// A temporary file: <prefix>_out_… (a spare, or a write in
			// progress), or <prefix><id>_out_… as earlier versions named
			// them.
			if i := strings.Index(id, tempMarker); i == 0 || i > 0 && s.isID(id[:i]) {
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
	if err := s.begin(); err != nil {
		return 0, err
	}
	defer s.end()
	var n int64
	err := s.scan(ctx, func(e entry) error {
		removed, err := s.removeIf(ctx, e.name, func(st fileStat, h header, err error) (bool, error) {
			now := time.Now()
			if errors.Is(err, errCorrupt) {
				if st.size == 0 && now.Sub(st.mtime) < staleTemp {
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

// inspect returns the metadata of the open, locked session file lk and its
// header: the expiry and owner; in Django mode the expiry is mtime +
// MaxAge and there is no owner. A native file that is not a complete file
// of its session gives an error wrapping errCorrupt, with the metadata
// set. (Locked, and still under its name, the file cannot be a spare being
// refilled.)
func (s *Store) inspect(lk handle, name string) (fileStat, header, error) {
	if s.django {
		st, err := lk.stat()
		if err != nil {
			return fileStat{}, header{}, err
		}
		return st, header{expiry: st.mtime.Add(s.maxAge)}, nil
	}
	content, st, err := readOpen(lk, name)
	if err != nil {
		return st, header{}, err
	}
	h, err := parseHeader(content)
	if err == nil && h.id != name[len(s.prefix):] {
		err = errors.New("the file holds another session")
	}
	if err != nil {
		return st, header{}, fmt.Errorf("%w: %w", errCorrupt, err)
	}
	return st, h, nil
}

// removeIf locks the named file, inspects it and removes it if remove says
// so, all under the lock. A file that vanished meanwhile is not an error.
func (s *Store) removeIf(ctx context.Context, name string, remove func(fileStat, header, error) (bool, error)) (bool, error) {
	lk, err := s.lock(ctx, name, false)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer lk.close()
	ok, err := remove(s.inspect(lk, name))
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
	if err := s.begin(); err != nil {
		return nil, err
	}
	defer s.end()
	var out []sessionkit.SessionInfo
	if userID == "" {
		return out, nil
	}
	now := time.Now()
	err := s.scan(ctx, func(e entry) error {
		h, err := s.readNative(ctx, e.name)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errCorrupt) {
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
	if err := s.begin(); err != nil {
		return 0, err
	}
	defer s.end()
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
		removed, err := s.removeIf(ctx, e.name, func(_ fileStat, h header, err error) (bool, error) {
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
