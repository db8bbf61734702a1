//go:build unix

package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// readPrivateFile reads up to limit bytes of the file at path, which must
// be a regular file, not a symbolic link, owned by this process's user and
// closed to group and others.
func readPrivateFile(path string, limit int64) ([]byte, error) {
	// O_NOFOLLOW: a link planted in place of the file is refused, not
	// followed. O_NONBLOCK: opening a FIFO does not wait for a writer.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("config: the secret key file %s is a symbolic link, which is not followed; name the file itself", path)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("config: the secret key file %s is not a regular file (%s)", path, fi.Mode().Type())
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return nil, fmt.Errorf("config: the secret key file %s is owned by uid %d, not by this process's user (uid %d); chown it to this user, or use another file", path, st.Uid, os.Geteuid())
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("config: the secret key file %s has mode %04o, open to group or others; run chmod 600 %s (and replace the key if others could read it)", path, perm, path)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("config: the secret key file %s is larger than %d bytes; it should hold one key", path, limit)
	}
	return b, nil
}
