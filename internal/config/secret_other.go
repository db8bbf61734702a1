//go:build !unix

package config

import (
	"fmt"
	"io"
	"os"
)

// readPrivateFile reads up to limit bytes of the file at path, which must
// be a regular file and not a symbolic link. Ownership and permission bits
// are Unix notions and are not checked here.
func readPrivateFile(path string, limit int64) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("config: the secret key file %s is not a regular file (%s); name the file itself", path, fi.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("config: the secret key file %s is larger than %d bytes; it should hold one key", path, limit)
	}
	return b, nil
}
