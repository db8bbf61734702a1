//go:build unix && !aix && !solaris

package filestore

import (
	"io/fs"
	"os"
	"strconv"
	"syscall"
)

// openFlags keeps an open of a FIFO planted under a session's name from
// waiting for a writer.
const openFlags = syscall.O_NONBLOCK

// canLock reports whether lockFile locks; tests use it.
const canLock = true

// lockFile takes an exclusive advisory lock (flock) on f, waiting for it.
// Processes sharing the directory take it before replacing or removing a
// session file, so that an Update cannot undo a concurrent Delete.
func lockFile(f *os.File) error {
	c, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	err = c.Control(func(fd uintptr) {
		for ferr = syscall.EINTR; ferr == syscall.EINTR; {
			ferr = syscall.Flock(int(fd), syscall.LOCK_EX)
		}
	})
	if err != nil {
		return err
	}
	return ferr
}

// defaultDirName names the default directory: one per user.
func defaultDirName() string { return "sessionkit-" + strconv.Itoa(os.Getuid()) }

// untrusted says why a file or directory that another user could have
// planted or could change must not be trusted, or returns "". writable
// is the permission bits that must be clear: 0o022 normally, 0o002 with
// Config.SharedDir, which also skips the owner check.
func untrusted(fi fs.FileInfo, writable fs.FileMode, checkOwner bool) string {
	if fi.Mode().Perm()&writable != 0 {
		return "writable by group or others (mode " + fi.Mode().Perm().String() + ")"
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && checkOwner && int(st.Uid) != os.Getuid() {
		return "owned by uid " + strconv.FormatUint(uint64(st.Uid), 10) + ", not this process's " + strconv.Itoa(os.Getuid())
	}
	return ""
}
