package sessionkit

import (
	"sync"
	"time"
)

// turnWait bounds how long a save waits for its turn (see turns); past it,
// the save goes ahead and merges as it would without turns.
const turnWait = time.Second

// turns lets the saves of one session in this process go one at a time,
// each handing the next the data it stored. The store makes concurrent
// saves of a session wait for each other anyway (a row lock, a swap that
// fails), but a save that starts from the data just stored swaps at the
// first try, where one that starts from the data its request read
// conflicts and must load the session again. An entry lives only while
// saves hold or wait for it.
type turns struct {
	mu sync.Mutex
	m  map[string]*turn
}

type turn struct {
	ch    chan struct{} // full while a save has the turn
	users int           // saves holding or waiting for it; guarded by turns.mu
	last  []byte        // what the previous holder stored, nil if unknown; guarded by ch
}

// take waits at most turnWait for the turn to save the session under key.
// It returns nil if the wait ran out.
func (ts *turns) take(key string) *turn {
	ts.mu.Lock()
	t := ts.m[key]
	if t == nil {
		if ts.m == nil {
			ts.m = make(map[string]*turn)
		}
		t = &turn{ch: make(chan struct{}, 1)}
		ts.m[key] = t
	}
	t.users++
	ts.mu.Unlock()
	select {
	case t.ch <- struct{}{}:
		return t
	default:
	}
	timer := time.NewTimer(turnWait)
	defer timer.Stop()
	select {
	case t.ch <- struct{}{}:
		return t
	case <-timer.C:
		ts.leave(key, t)
		return nil
	}
}

// give ends the turn t on key, passing on what its save stored (nil if it
// stored nothing).
func (ts *turns) give(key string, t *turn, stored []byte) {
	t.last = stored
	<-t.ch
	ts.leave(key, t)
}

func (ts *turns) leave(key string, t *turn) {
	ts.mu.Lock()
	if t.users--; t.users == 0 {
		delete(ts.m, key)
	}
	ts.mu.Unlock()
}
