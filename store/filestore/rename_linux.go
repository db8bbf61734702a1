//go:build linux && !filestore_portable

package filestore

import (
	"errors"
	"os"
	"runtime"
	"syscall"
	"unsafe"
)

// Flags of renameat2(2).
const (
	renameNoReplace = 1 << 0 // fail with EEXIST if the new name exists
	renameExchange  = 1 << 1 // swap the two names atomically
)

// sysRenameat2 returns renameat2's system call number on this
// architecture (the syscall package lacks it on most), or 0 if unknown.
func sysRenameat2() uintptr {
	switch runtime.GOARCH {
	case "386":
		return 353
	case "amd64":
		return 316
	case "arm":
		return 382
	case "arm64", "loong64", "riscv64":
		return 276
	case "mips", "mipsle":
		return 4351
	case "mips64", "mips64le":
		return 5311
	case "ppc64", "ppc64le":
		return 357
	case "s390x":
		return 347
	}
	return 0
}

func renameat2(dirfd int, from, to string, flags uintptr) error {
	trap := sysRenameat2()
	if trap == 0 {
		return errors.ErrUnsupported
	}
	p1, err := syscall.BytePtrFromString(from)
	if err != nil {
		return err
	}
	p2, err := syscall.BytePtrFromString(to)
	if err != nil {
		return err
	}
	var errno syscall.Errno
	for {
		_, _, errno = syscall.Syscall6(trap, uintptr(dirfd), uintptr(unsafe.Pointer(p1)), uintptr(dirfd), uintptr(unsafe.Pointer(p2)), flags, 0)
		if errno != syscall.EINTR {
			break
		}
	}
	switch {
	case errno == 0:
		return nil
	case errno == syscall.ENOSYS || errno == syscall.EINVAL || errno == syscall.EOPNOTSUPP:
		// EINVAL: a file system without the flag (before Linux 3.15,
		// or NFS, FUSE and others).
		return &os.LinkError{Op: "renameat2", Old: from, New: to, Err: errors.Join(errno, errors.ErrUnsupported)}
	default:
		return &os.LinkError{Op: "renameat2", Old: from, New: to, Err: errno}
	}
}
