//go:build (linux && filestore_portable) || darwin || freebsd || netbsd || openbsd || dragonfly || illumos

package filestore

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive advisory lock (flock) on f, waiting for it.
// Processes sharing the directory take it before replacing or removing a
// session file, so that an Update cannot undo a concurrent Delete.
func lockFile(f *os.File) error { return flock(f, syscall.LOCK_EX) }

// unlockFile releases the lock taken by lockFile.
func unlockFile(f *os.File) error { return flock(f, syscall.LOCK_UN) }

func flock(f *os.File, how int) error {
	c, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	err = c.Control(func(fd uintptr) {
		for {
			ferr = syscall.Flock(int(fd), how)
			if ferr != syscall.EINTR {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	return ferr
}

// canLock reports whether lockFile locks; tests use it.
const canLock = true
