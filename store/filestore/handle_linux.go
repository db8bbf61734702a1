//go:build linux && !filestore_portable

package filestore

import (
	"io/fs"
	"os"
	"strings"
	"syscall"
	"time"
)

// On Linux the store opens its files as raw descriptors relative to the
// directory's own descriptor. An *os.File costs five more system calls per
// open on Linux (os tries to add every file it opens to the network poller,
// which refuses regular files), plus a finalizer; a session request opens
// two or three files, so those calls were a fifth of a file-backed request.
// Names reaching openFile are always one path element of the store's own
// making (fileName, tempName), so openat with O_NOFOLLOW confines them to
// the directory as os.Root does, and further: a planted symbolic link is
// never followed, even to another file of the directory, but treated as
// an entry that holds no session. O_NONBLOCK keeps a planted FIFO from
// blocking the open (it is then refused as not a regular file); it
// changes nothing for regular files.

// handle is an open file of the session directory.
type handle struct{ fd int }

// openFlags are added to every open.
const openFlags = syscall.O_CLOEXEC | syscall.O_NOFOLLOW | syscall.O_NONBLOCK

// dirFD returns the descriptor of the open directory d, which the store
// keeps open until Close.
func dirFD(d *os.File) int { return int(d.Fd()) }

// openFile opens the named file of the directory with flag (os.O_*).
func (s *Store) openFile(name string, flag int, perm os.FileMode) (handle, error) {
	if !oneName(name) {
		// Never reached: every caller builds names that pass. A check
		// costs nanoseconds and keeps a future mistake inside the
		// directory, as os.Root would.
		return handle{}, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	for {
		fd, err := syscall.Openat(s.dirfd, name, flag|openFlags, uint32(perm.Perm()))
		switch err {
		case nil:
			return handle{fd}, nil
		case syscall.EINTR:
			continue
		case syscall.ELOOP:
			return handle{}, errNotRegular(name) // a symbolic link
		}
		return handle{}, &fs.PathError{Op: "open", Path: name, Err: err}
	}
}

// oneName reports whether name is a single path element other than "."
// and "..", which openat resolves inside the directory.
func oneName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\x00")
}

func (h handle) stat() (fileStat, error) {
	var st syscall.Stat_t
	if err := ignoringEINTR(func() error { return syscall.Fstat(h.fd, &st) }); err != nil {
		return fileStat{}, &fs.PathError{Op: "fstat", Err: err}
	}
	return fileStat{
		size:    st.Size,
		mtime:   time.Unix(int64(st.Mtim.Sec), int64(st.Mtim.Nsec)),
		regular: st.Mode&syscall.S_IFMT == syscall.S_IFREG,
	}, nil
}

// read reads from the start of the file into buf until it is full or the
// file ends, and returns how many bytes it read.
func (h handle) read(buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := syscall.Pread(h.fd, buf[n:], int64(n))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, &fs.PathError{Op: "read", Err: err}
		}
		if m == 0 {
			break
		}
		n += m
	}
	return n, nil
}

// write writes b at the start of the file.
func (h handle) write(b []byte) error {
	n := 0
	for n < len(b) {
		m, err := syscall.Pwrite(h.fd, b[n:], int64(n))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return &fs.PathError{Op: "write", Err: err}
		}
		n += m
	}
	return nil
}

func (h handle) truncate(size int64) error {
	if err := ignoringEINTR(func() error { return syscall.Ftruncate(h.fd, size) }); err != nil {
		return &fs.PathError{Op: "truncate", Err: err}
	}
	return nil
}

func (h handle) sync() error {
	if err := ignoringEINTR(func() error { return syscall.Fsync(h.fd) }); err != nil {
		return &fs.PathError{Op: "fsync", Err: err}
	}
	return nil
}

// lock takes an exclusive advisory lock (flock) on the file, waiting for
// it. Processes sharing the directory take it before replacing or removing
// a session file, so that an Update cannot undo a concurrent Delete.
func (h handle) lock() error {
	if err := ignoringEINTR(func() error { return syscall.Flock(h.fd, syscall.LOCK_EX) }); err != nil {
		return &fs.PathError{Op: "flock", Err: err}
	}
	return nil
}

// unlock releases the lock, for a file that stays open as a spare.
func (h handle) unlock() error {
	if err := ignoringEINTR(func() error { return syscall.Flock(h.fd, syscall.LOCK_UN) }); err != nil {
		return &fs.PathError{Op: "flock", Err: err}
	}
	return nil
}

// close closes the file. Linux releases the descriptor even when close
// reports an error, so it is never retried.
func (h handle) close() error {
	if err := syscall.Close(h.fd); err != nil {
		return &fs.PathError{Op: "close", Err: err}
	}
	return nil
}

// canLock reports whether lock locks; tests use it.
const canLock = true

// isCurrent reports whether the directory entry name still refers to the
// file open as h, which must be a regular file.
func (s *Store) isCurrent(h handle, name string) (bool, error) {
	var st syscall.Stat_t
	if err := ignoringEINTR(func() error { return syscall.Fstat(h.fd, &st) }); err != nil {
		return false, &fs.PathError{Op: "fstat", Path: name, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return false, errNotRegular(name)
	}
	cur, err := s.root.Lstat(name)
	if err != nil {
		return false, err
	}
	c, ok := cur.Sys().(*syscall.Stat_t)
	return ok && c.Dev == st.Dev && c.Ino == st.Ino, nil
}

func ignoringEINTR(fn func() error) error {
	for {
		if err := fn(); err != syscall.EINTR {
			return err
		}
	}
}
