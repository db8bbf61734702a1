//go:build unix && !aix && !solaris

package filestore

import (
	"io/fs"
	"os"
	"strconv"
	"syscall"
)

const openFlags = syscall.O_NONBLOCK // so that a planted FIFO cannot block an open

// lockFile takes an exclusive advisory lock (flock) on f, waiting for it.
func lockFile(f *os.File) error {
	for {
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != syscall.EINTR {
			return err
		}
	}
}

// tryLockFile takes an exclusive advisory lock on f if no one holds one.
func tryLockFile(f *os.File) (bool, error) {
	for {
		switch err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err {
		case nil:
			return true, nil
		case syscall.EWOULDBLOCK:
			return false, nil
		case syscall.EINTR:
			continue
		default:
			return false, err
		}
	}
}

func defaultDirName() string { return "sessionkit-" + strconv.Itoa(os.Getuid()) } // one per user

// untrusted says why fi must not be trusted (it has a mode bit of writable,
// or checkOwner is set and another user owns it), or returns "".
func untrusted(fi fs.FileInfo, writable fs.FileMode, checkOwner bool) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); fi.Mode().Perm()&writable != 0 {
		return "writable by group or others (mode " + fi.Mode().Perm().String() + ")"
	} else if ok && checkOwner && int(st.Uid) != os.Getuid() {
		return "owned by uid " + strconv.Itoa(int(st.Uid)) + ", not this process's " + strconv.Itoa(os.Getuid())
	}
	return ""
}
