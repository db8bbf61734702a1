//go:build (linux && filestore_portable) || darwin || freebsd || netbsd || openbsd || dragonfly || illumos

package filestore

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive advisory lock (flock) on f, waiting for it.
// Processes sharing the directory take it before replacing or removing a
// session file, so that an Update cannot undo a concurrent Delete.
func lockFile(f *os.File) error {
	c, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var lerr error
	err = c.Control(func(fd uintptr) {
		for {
			lerr = syscall.Flock(int(fd), syscall.LOCK_EX)
			if lerr != syscall.EINTR {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	return lerr
}

// unlockFile releases the lock taken by lockFile.
func unlockFile(f *os.File) error {
	c, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var uerr error
	err = c.Control(func(fd uintptr) {
		uerr = syscall.Flock(int(fd), syscall.LOCK_UN)
	})
	if err != nil {
		return err
	}
	return uerr
}

// canLock reports whether lockFile locks; tests use it.
const canLock = true
