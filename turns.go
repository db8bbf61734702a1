package sessionkit

import (
	"sync"
	"time"
)

// turnWait bounds how long a save waits for its turn (see turns); past it,
// the save goes ahead and merges as it would without turns.
const turnWait = time.Second

// turns lets the saves of one session in this process go in turns. A
// merged save takes a turn alone and hands the next the data it stored:
// the store makes concurrent saves of a session wait for each other anyway
// (a row lock, a swap that fails), but a save that starts from the data
// just stored swaps at the first try, where one that starts from the data
// its request read conflicts and must load the session again. A
// last-write-wins save shares its turn with one other (see
// lastWriteWinsSlots). An entry lives only while saves hold or wait for
// it.
type turns struct {
	mu   sync.Mutex
	m    map[string]*turn
	free sync.Pool // *turn entries no longer in m, to save two allocations a save
}

type turn struct {
	ch    chan struct{} // a token per save holding the turn
	users int           // saves holding or waiting for it; guarded by turns.mu
	last  []byte        // what the previous holder stored, nil if unknown; guarded by ch (one slot)
}

// lastWriteWinsSlots is how many last-write-wins saves of one session go
// at once: one that the store is writing and one queued behind it. More
// wait at the store (on PostgreSQL, a herd on the row's lock that wakes in
// no particular order: p99 twice scs's on one row with 8 writers); one
// alone would leave the store idle while the next save travels to it.
const lastWriteWinsSlots = 2

// take waits at most turnWait for a turn to save the session under key,
// among slots saves at a time (the same number for every save of key). It
// returns nil if the wait ran out.
func (ts *turns) take(key string, slots int) *turn {
	ts.mu.Lock()
	t := ts.m[key]
	if t == nil {
		if ts.m == nil {
			ts.m = make(map[string]*turn)
		}
		if t, _ = ts.free.Get().(*turn); t == nil || cap(t.ch) != slots {
			t = &turn{ch: make(chan struct{}, slots)}
		}
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
// stored nothing, or if t has more than one slot).
func (ts *turns) give(key string, t *turn, stored []byte) {
	if cap(t.ch) == 1 {
		t.last = stored
	}
	<-t.ch
	ts.leave(key, t)
}

func (ts *turns) leave(key string, t *turn) {
	ts.mu.Lock()
	if t.users--; t.users == 0 {
		delete(ts.m, key)
		t.last = nil
		ts.free.Put(t)
	}
	ts.mu.Unlock()
}
