//go:build !unix || aix || solaris

package filestore

import (
	"io/fs"
	"os"
)

const openFlags = 0 // Windows has no FIFOs to guard against

// lockFile does nothing: there is no flock here.
func lockFile(*os.File) error { return nil }

// defaultDirName names the default directory, in the user's %TEMP%.
func defaultDirName() string { return "sessionkit" }

// untrusted checks nothing: Windows has no Unix owners and modes (it reports
// 0666 for any writable file), and AIX and Solaris run this file whole.
func untrusted(fs.FileInfo, fs.FileMode, bool) string { return "" }
