package filestore

import (
	"sync"
	"time"
)

// Spare files
//
// Writing each new version of a session to a new file and renaming it over
// the old one allocates an inode and frees another on every update, which
// on Linux file systems such as ext4 also forces the new file's data to be
// allocated at once: several times the cost of rewriting a file in place
// (see BenchmarkWritePatterns). In native mode on Linux, Update instead
// keeps a few spare files of its own in the directory, named like
// temporary files (<prefix>_out_<time>_<random>), holding nothing of a
// session while idle.
// It writes the new content into a spare, then swaps the spare and the
// session file in one atomic rename(2) (renameat2 with RENAME_EXCHANGE):
// readers see the old content or the new, exactly as with a plain rename.
// The spare's name now holds the previous version, which Update cuts to
// its first byte (spareResidue), still holding the session's lock, before
// pooling the spare, open, again.
//
// Reuse has a hazard a plain rename lacks: a reader that opened the
// session file just before the swap may read it while it is cut and
// refilled with another session. So every native file carries its session
// id, its lengths and a checksum (header.go), and Load reads again by name
// when what it read is not a complete file of its own session. The same
// checks make a crash harmless: without Config.Sync nothing is flushed, and
// a file whose new content did not reach the disk reads as missing, never
// as another session. Django mode never reuses files, since Django's
// processes read the same files and check nothing.
//
// A spare is retired after spareLife, well before any process's
// ClearExpired treats a temporary file as left behind by a crash
// (staleTemp); Close removes the pooled ones. Spares are written only by
// the Store that made them, and Create renames one into place when it
// finds one idle.
const (
	spareLife = 10 * time.Minute
	maxSpares = 8
)

// spareResidue is the size an idle spare is cut to: one byte, the first of
// every native file's header magic, so nothing of a session. Not zero,
// because ext4 treats a file truncated to zero and then rewritten as a
// replace-by-truncate and flushes its new content to disk on close (its
// auto_da_alloc heuristic), which made every Update wait for the disk.
// Every native file is longer, so a refill overwrites the byte.
const spareResidue = 1

// spare is an idle file of the store's own in the session directory,
// holding spareResidue bytes and kept open for writing (unlocked) while it
// is pooled, so that a refill costs no open.
type spare struct {
	name string
	born time.Time
	h    handle
}

// sparePool holds a Store's idle spares.
type sparePool struct {
	mu     sync.Mutex
	idle   []spare
	closed bool
}

// takeSpare returns an idle spare, or false if there is none. Spares past
// spareLife are removed on the way.
func (s *Store) takeSpare(now time.Time) (spare, bool) {
	p := &s.spares
	p.mu.Lock()
	var retired []spare
	for len(p.idle) > 0 {
		sp := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if now.Sub(sp.born) < spareLife {
			p.mu.Unlock()
			s.removeAll(retired)
			return sp, true
		}
		retired = append(retired, sp)
	}
	p.mu.Unlock()
	s.removeAll(retired)
	return spare{}, false
}

// putSpare pools an idle spare, or removes it if the pool is full or the
// store closed. Spares past spareLife at the bottom of the pool, which a
// store that is rarely busy never reaches, are removed on the way.
func (s *Store) putSpare(sp spare, now time.Time) {
	p := &s.spares
	p.mu.Lock()
	var retired []spare
	for len(p.idle) > 0 && now.Sub(p.idle[0].born) >= spareLife {
		retired = append(retired, p.idle[0])
		p.idle = p.idle[1:]
	}
	if !p.closed && len(p.idle) < maxSpares {
		p.idle = append(p.idle, sp)
	} else {
		retired = append(retired, sp)
	}
	p.mu.Unlock()
	s.removeAll(retired)
}

// closeSpares closes and removes every idle spare and stops pooling.
func (s *Store) closeSpares() {
	p := &s.spares
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	s.removeAll(idle)
}

// removeAll closes and removes spares.
func (s *Store) removeAll(spares []spare) {
	for _, sp := range spares {
		s.discard(sp)
	}
}

// discard closes and removes a file of the store's own.
func (s *Store) discard(sp spare) {
	sp.h.close()
	s.root.Remove(sp.name)
}
