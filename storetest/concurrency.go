package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
)

func runConcurrency(t *testing.T, newStore NewStore, opts Options) {
	const workers = 8
	t.Run("CreateRace", func(t *testing.T) {
		if opts.ClientSide {
			t.Skip("a client-side store has no keys to collide")
		}
		s := newStore(t)
		key := sessionkit.NewKey()
		var wins, taken atomic.Int32
		var wg sync.WaitGroup
		for i := range workers {
			wg.Go(func() {
				_, err := s.Create(ctx(t), key, sessionkit.Record{Data: fmt.Appendf(nil, `{"w":%d}`, i), Expiry: opts.now().Add(time.Hour)})
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, sessionkit.ErrKeyExists):
					taken.Add(1)
				default:
					t.Errorf("Create: %v", err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 || taken.Load() != workers-1 {
			t.Fatalf("%d racing Creates of one key: %d won, %d got ErrKeyExists; want 1 and %d", workers, wins.Load(), taken.Load(), workers-1)
		}
	})
	t.Run("ParallelLoadUpdate", func(t *testing.T) {
		s := newStore(t)
		key := create(t, s, `{"w":-1}`, opts.now().Add(time.Hour))
		var wg sync.WaitGroup
		written := make(map[string]bool)
		var mu sync.Mutex
		for i := range workers {
			wg.Go(func() {
				for j := range 5 {
					data := fmt.Sprintf(`{"w":%d,"j":%d}`, i, j)
					mu.Lock()
					written[data] = true
					mu.Unlock()
					k := key
					if _, err := s.Load(ctx(t), k); err != nil {
						t.Errorf("Load: %v", err)
						return
					}
					if _, err := s.Update(ctx(t), k, sessionkit.Record{Data: []byte(data), Expiry: opts.now().Add(time.Hour)}); err != nil {
						t.Errorf("Update: %v", err)
						return
					}
				}
			})
		}
		wg.Wait()
		if opts.ClientSide {
			return
		}
		r := mustLoad(t, s, key)
		if !written[string(r.Data)] {
			t.Fatalf("after parallel updates the record is %q, which no writer wrote", r.Data)
		}
	})
	t.Run("DeleteRacingUpdate", func(t *testing.T) {
		if opts.ClientSide {
			t.Skip("a client-side store cannot delete")
		}
		s := newStore(t)
		key := create(t, s, `{"a":0}`, opts.now().Add(time.Hour))
		deleted := make(chan struct{})
		// Each worker reports its first update, so that the delete lands
		// while all of them are updating.
		var started sync.WaitGroup
		started.Add(workers)
		var wg sync.WaitGroup
		for i := range workers {
			wg.Go(func() {
				for n := 0; ; n++ {
					select {
					case <-deleted:
						// Every update that starts after the delete must fail.
						_, err := s.Update(ctx(t), key, sessionkit.Record{Data: fmt.Appendf(nil, `{"late":%d}`, i), Expiry: opts.now().Add(time.Hour)})
						if !errors.Is(err, sessionkit.ErrNotFound) {
							t.Errorf("Update after Delete = %v, want ErrNotFound", err)
						}
						return
					default:
					}
					_, err := s.Update(ctx(t), key, sessionkit.Record{Data: fmt.Appendf(nil, `{"a":%d}`, n), Expiry: opts.now().Add(time.Hour)})
					if n == 0 {
						started.Done()
					}
					if err != nil && !errors.Is(err, sessionkit.ErrNotFound) {
						t.Errorf("Update: %v", err)
						return
					}
				}
			})
		}
		started.Wait()
		if err := s.Delete(ctx(t), key); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		close(deleted)
		wg.Wait()
		wantNotFound(t, s, key)
	})
	t.Run("ManySessionsInParallel", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		for i := range workers {
			wg.Go(func() {
				for j := range 10 {
					data := fmt.Sprintf(`{"w":%d,"j":%d}`, i, j)
					k, err := s.Create(ctx(t), sessionkit.NewKey(), sessionkit.Record{Data: []byte(data), Expiry: opts.now().Add(time.Hour)})
					if err != nil {
						t.Errorf("Create: %v", err)
						return
					}
					r, err := s.Load(ctx(t), k)
					if err != nil || string(r.Data) != data {
						t.Errorf("Load of a fresh session = %q, %v; want %q", r.Data, err, data)
						return
					}
				}
			})
		}
		wg.Wait()
	})
}
