//go:build !linux || filestore_portable

package filestore

import "errors"

const (
	renameNoReplace = 1 << 0
	renameExchange  = 1 << 1
)

// renameat2 is Linux's; elsewhere the store falls back to link and rename.
func renameat2(dirfd int, from, to string, flags uintptr) error {
	return errors.ErrUnsupported
}
