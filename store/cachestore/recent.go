package cachestore

import "sync"

// Bounds of the entries a Store remembers (see recent).
const (
	recentMaxBytes = 4 << 20  // in all
	recentMaxEntry = 64 << 10 // an entry larger than this is not remembered
)

// recent remembers, per cache key, the entry bytes this Store last read
// or wrote, so that Swap can send its CompareAndSwap at once instead of
// reading the entry first: a save that follows a load in the same process
// then costs Swap one round trip on Redis, as Update does. It is only a
// guess: the cache compares the bytes, and when they are no longer what it
// holds, Swap reads the entry and compares again. It holds at most
// recentMaxBytes, dropping arbitrary entries to make room.
type recent struct {
	mu    sync.Mutex
	m     map[string][]byte
	bytes int
}

// get returns the entry remembered for ck, or nil. The caller must not
// modify it.
func (r *recent) get(ck string) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m[ck]
}

// put remembers v for ck. v must not be modified afterwards.
func (r *recent) put(ck string, v []byte) {
	if len(v) > recentMaxEntry {
		r.drop(ck)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = make(map[string][]byte)
	}
	if old, ok := r.m[ck]; ok {
		delete(r.m, ck)
		r.bytes -= len(ck) + len(old)
	}
	if r.bytes+len(ck)+len(v) > recentMaxBytes {
		for k, old := range r.m {
			delete(r.m, k)
			r.bytes -= len(k) + len(old)
			if r.bytes+len(ck)+len(v) <= recentMaxBytes {
				break
			}
		}
	}
	r.m[ck] = v
	r.bytes += len(ck) + len(v)
}

// drop forgets ck.
func (r *recent) drop(ck string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.m[ck]; ok {
		delete(r.m, ck)
		r.bytes -= len(ck) + len(old)
	}
}
