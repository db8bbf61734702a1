//go:build !linux || filestore_portable

package filestore

import (
	"io"
	"os"
)

// Elsewhere files are *os.File opened through the store's os.Root, which
// confines every name to the directory (see handle_linux.go for Linux).
// The build tag filestore_portable selects this code on Linux too, so
// that CI runs the whole suite over it.

// handle is an open file of the session directory.
type handle struct{ f *os.File }

// dirFD is Linux's; here the directory is reached through the os.Root.
func dirFD(*os.File) int { return -1 }

// openFile opens the named file of the directory with flag (os.O_*).
func (s *Store) openFile(name string, flag int, perm os.FileMode) (handle, error) {
	f, err := s.root.OpenFile(name, flag, perm)
	return handle{f}, err
}

func (h handle) stat() (fileStat, error) {
	fi, err := h.f.Stat()
	if err != nil {
		return fileStat{}, err
	}
	return fileStat{size: fi.Size(), mtime: fi.ModTime(), regular: fi.Mode().IsRegular()}, nil
}

// read reads from the start of the file into buf until it is full or the
// file ends, and returns how many bytes it read.
func (h handle) read(buf []byte) (int, error) {
	n, err := h.f.ReadAt(buf, 0)
	if err == io.EOF {
		err = nil
	}
	return n, err
}

// write writes b at the start of the file.
func (h handle) write(b []byte) error {
	_, err := h.f.WriteAt(b, 0)
	return err
}

func (h handle) truncate(size int64) error { return h.f.Truncate(size) }
func (h handle) sync() error               { return h.f.Sync() }
func (h handle) lock() error               { return lockFile(h.f) }
func (h handle) unlock() error             { return unlockFile(h.f) }
func (h handle) close() error              { return h.f.Close() }

// isCurrent reports whether the directory entry name still refers to the
// file open as h, which must be a regular file.
func (s *Store) isCurrent(h handle, name string) (bool, error) {
	locked, err := h.f.Stat()
	if err != nil {
		return false, err
	}
	if !locked.Mode().IsRegular() {
		return false, errNotRegular(name)
	}
	cur, err := s.root.Lstat(name)
	if err != nil {
		return false, err
	}
	return os.SameFile(locked, cur), nil
}
