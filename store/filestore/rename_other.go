//go:build !linux

package filestore

import (
	"errors"
	"os"
)

const (
	renameNoReplace = 1 << 0
	renameExchange  = 1 << 1
)

// spareOpen is never used here: without renameat2 no spare is pooled.
const spareOpen = os.O_WRONLY

// renameat2 is Linux's; elsewhere the store falls back to link and rename.
func renameat2(dir *os.File, from, to string, flags uintptr) error {
	return errors.ErrUnsupported
}
