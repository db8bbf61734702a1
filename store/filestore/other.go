//go:build !unix || aix || solaris

package filestore

import (
	"io/fs"
	"os"
)

// openFlags: Windows has no FIFOs to guard against.
const openFlags = 0

// canLock reports whether lockFile locks; tests use it.
const canLock = false

// lockFile does nothing where the standard library offers no flock (on
// Windows, say): there Update checks that the file exists just before
// renaming over it, as Django does, and a Delete landing in that instant
// can be undone.
func lockFile(*os.File) error { return nil }

// defaultDirName names the default directory, inside a temporary directory
// that is already the user's own on these systems (Windows: %TEMP%).
func defaultDirName() string { return "sessionkit" }

// untrusted checks nothing: Windows has no Unix owners or mode bits (it
// reports 0666 for any writable file), and on AIX and Solaris, where the
// standard library offers no flock, this file stands in for unix.go whole.
func untrusted(fs.FileInfo, fs.FileMode, bool) string { return "" }
