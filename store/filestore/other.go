//go:build !unix || aix || solaris

package filestore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Here (Windows; AIX and Solaris, whose syscall package has no flock) files
// take no lock, there are no FIFOs to guard against and no owner or mode
// checks (Windows has no Unix owners and reports 0666 for any writable
// file), and the default directory lies in the user's own %TEMP%.
const openFlags = 0

func lockFile(*os.File) error                         { return nil }
func defaultDirName() string                          { return "sessionkit" }
func untrusted(fs.FileInfo, fs.FileMode, bool) string { return "" }

func tryLockFile(*os.File) (bool, error) {
	return false, fmt.Errorf("session locks need flock, which this system lacks: %w", errors.ErrUnsupported)
}
