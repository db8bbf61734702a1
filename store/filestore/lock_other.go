//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || illumos)

package filestore

import "os"

// lockFile does nothing where the standard library offers no flock: there
// Update checks that the file exists just before renaming over it, as
// Django does, and a Delete landing in that instant can be undone.
func lockFile(f *os.File) error { return nil }

func unlockFile(f *os.File) error { return nil }

// canLock reports whether lockFile locks; tests use it.
const canLock = false
