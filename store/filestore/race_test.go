package filestore

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/storetest"
)

// Racing writers are separate Store values on one directory, as separate
// processes would be, and then real separate processes.

func TestCreateRaceAcrossStores(t *testing.T) {
	for _, tc := range []struct {
		name   string
		django bool
	}{
		{name: "native"},
		{name: "django", django: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			const racers = 6
			stores := make([]*Store, racers)
			for i := range stores {
				stores[i] = newStore(t, Config{Dir: dir, Django: tc.django})
			}
			for range 30 {
				key := sessionkit.NewKey()
				var mu sync.Mutex
				var winners []int
				var wg sync.WaitGroup
				start := make(chan struct{})
				for i, s := range stores {
					wg.Go(func() {
						<-start
						_, err := s.Create(t.Context(), key, sessionkit.Record{Data: fmt.Appendf(nil, `{"w":%d}`, i), Expiry: time.Now().Add(time.Hour)})
						switch {
						case err == nil:
							mu.Lock()
							winners = append(winners, i)
							mu.Unlock()
						case !errors.Is(err, sessionkit.ErrKeyExists):
							t.Errorf("Create: %v", err)
						}
					})
				}
				close(start)
				wg.Wait()
				if len(winners) != 1 {
					t.Fatalf("%d racing Creates of one key: winners %v, want exactly one", racers, winners)
				}
				rec, err := stores[0].Load(t.Context(), key)
				if want := fmt.Sprintf(`{"w":%d}`, winners[0]); err != nil || string(rec.Data) != want {
					t.Fatalf("after the race Load = %q, %v; want the winner's %q", rec.Data, err, want)
				}
			}
			if names := listDir(t, dir); len(names) != 30 {
				t.Errorf("%d files after 30 races, want 30 (no temporary files left): %q", len(names), temps(t, dir))
			}
		})
	}
}

// Stores on one directory update and read sessions at once: no Load ever
// returns another session's data or a mix.
func TestConcurrentUpdatesNeverMixSessions(t *testing.T) {
	dir := t.TempDir()
	stores := []*Store{newStore(t, Config{Dir: dir}), newStore(t, Config{Dir: dir})}
	ctx := t.Context()
	keys := make([]string, 4)
	for i := range keys {
		k, err := stores[0].Create(ctx, sessionkit.NewKey(), sessionkit.Record{Data: fmt.Appendf(nil, `{"k":%d,"n":0}`, i), Expiry: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = k
	}
	valid := make([]*regexp.Regexp, len(keys))
	for i := range valid {
		valid[i] = regexp.MustCompile(fmt.Sprintf(`^\{"k":%d,"n":\d+(,"pad":"x*")?\}$`, i))
	}
	const rounds = 300
	var wg sync.WaitGroup
	for w, s := range stores {
		wg.Go(func() {
			for n := range rounds {
				i := (n + w) % len(keys)
				// Lengths vary, so a torn read cannot pass for whole.
				pad := strings.Repeat("x", n%97)
				data := fmt.Appendf(nil, `{"k":%d,"n":%d,"pad":"%s"}`, i, n, pad)
				if _, err := s.Update(ctx, keys[i], sessionkit.Record{Data: data, Expiry: time.Now().Add(time.Hour), UserID: strconv.Itoa(i)}); err != nil {
					t.Errorf("Update: %v", err)
					return
				}
			}
		})
		wg.Go(func() {
			for n := range 2 * rounds {
				i := n % len(keys)
				rec, err := s.Load(ctx, keys[i])
				if err != nil {
					t.Errorf("Load: %v", err)
					return
				}
				if !valid[i].Match(rec.Data) || rec.UserID != strconv.Itoa(i) && rec.UserID != "" {
					t.Errorf("Load of session %d = %q (user %q): another session's data or a mix", i, rec.Data, rec.UserID)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestDeleteIsNotUndoneByUpdate(t *testing.T) {
	if !canLock {
		t.Skip("no flock on this system: Update can undo a Delete landing in its last instant, as in Django")
	}
	dir := t.TempDir()
	deleter := newStore(t, Config{Dir: dir})
	const updaters = 4
	stores := make([]*Store, updaters)
	for i := range stores {
		stores[i] = newStore(t, Config{Dir: dir})
	}
	for round := range 20 {
		key, err := deleter.Create(t.Context(), sessionkit.NewKey(), sessionkit.Record{Data: []byte("{}"), Expiry: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		deleted := make(chan struct{})
		var wg sync.WaitGroup
		for i, s := range stores {
			wg.Go(func() {
				for n := 0; ; n++ {
					after := false
					select {
					case <-deleted:
						after = true
					default:
					}
					_, err := s.Update(t.Context(), key, sessionkit.Record{Data: fmt.Appendf(nil, `{"w":%d,"n":%d}`, i, n), Expiry: time.Now().Add(time.Hour)})
					if after {
						if !errors.Is(err, sessionkit.ErrNotFound) {
							t.Errorf("round %d: an Update started after Delete returned = %v, want ErrNotFound", round, err)
						}
						return
					}
					if errors.Is(err, sessionkit.ErrNotFound) {
						return
					}
					if err != nil {
						t.Errorf("Update: %v", err)
						return
					}
				}
			})
		}
		time.Sleep(5 * time.Millisecond)
		if err := deleter.Delete(t.Context(), key); err != nil {
			t.Fatal(err)
		}
		close(deleted)
		wg.Wait()
		if rec, err := deleter.Load(t.Context(), key); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Fatalf("round %d: a deleted session came back as %q (%v)", round, rec.Data, err)
		}
	}
	deleter.Close()
	for _, s := range stores {
		s.Close()
	}
	if names := listDir(t, dir); len(names) != 0 {
		t.Errorf("files left after every session was deleted and the stores closed: %q", names)
	}
}

// The helper process: when FILESTORE_HELPER is set, this test is a child
// process of the two tests below and does what they ask.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv("FILESTORE_HELPER")
	if mode == "" {
		return
	}
	err := helper(mode, os.Getenv("FILESTORE_DIR"), strings.Fields(os.Getenv("FILESTORE_KEYS")), os.Getenv("FILESTORE_START"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func helper(mode, dir string, keys []string, start string) error {
	s, err := New(Config{Dir: dir})
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := context.Background()
	at, _ := strconv.ParseInt(start, 10, 64)
	time.Sleep(time.Until(time.Unix(0, at)))
	switch mode {
	case "create":
		for _, key := range keys {
			_, err := s.Create(ctx, key, sessionkit.Record{Data: fmt.Appendf(nil, `{"pid":%d}`, os.Getpid()), Expiry: time.Now().Add(time.Hour)})
			switch {
			case err == nil:
				fmt.Println("won", key)
			case errors.Is(err, sessionkit.ErrKeyExists):
				fmt.Println("taken", key)
			default:
				return err
			}
		}
	case "update":
		// Update every key until it is deleted; a key that stays for
		// seconds after the parent deleted it all was brought back.
		deadline := time.Now().Add(5 * time.Second)
		for _, key := range keys {
			for time.Now().Before(deadline) {
				_, err := s.Update(ctx, key, sessionkit.Record{Data: fmt.Appendf(nil, `{"pid":%d}`, os.Getpid()), Expiry: time.Now().Add(time.Hour)})
				if errors.Is(err, sessionkit.ErrNotFound) {
					break
				}
				if err != nil {
					return err
				}
			}
			fmt.Println("gone", key)
		}
	default:
		return fmt.Errorf("unknown helper mode %q", mode)
	}
	return nil
}

// TestNoLostUpdatesAcrossProcesses: two processes on one directory, each
// incrementing one counter in the exclusive mode (every increment counts)
// while setting keys of its own on the same session (the merge keeps all).
func TestNoLostUpdatesAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	storetest.CrossProcess(t, t.TempDir(), func(t *testing.T, dir string) *sessionkit.Manager {
		return &sessionkit.Manager{Store: newStore(t, Config{Dir: dir}), LockWait: time.Minute}
	})
}

// children starts n copies of the test binary as helpers in mode and
// returns their outputs once they have all exited.
func children(t *testing.T, n int, mode, dir string, keys []string, during func()) [][]byte {
	t.Helper()
	start := strconv.FormatInt(time.Now().Add(500*time.Millisecond).UnixNano(), 10)
	outs := make([]*bytes.Buffer, n)
	cmds := make([]*exec.Cmd, n)
	for i := range cmds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		cmd.Env = append(os.Environ(), "FILESTORE_HELPER="+mode, "FILESTORE_DIR="+dir, "FILESTORE_KEYS="+strings.Join(keys, " "), "FILESTORE_START="+start)
		outs[i] = new(bytes.Buffer)
		cmd.Stdout = outs[i]
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = cmd
	}
	if during != nil {
		during()
	}
	res := make([][]byte, n)
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper process %d: %v", i, err)
		}
		res[i] = outs[i].Bytes()
	}
	return res
}

func TestCreateRaceAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	var keys []string
	for range 50 {
		keys = append(keys, sessionkit.NewKey())
	}
	wins := make(map[string]int)
	for _, out := range children(t, 3, "create", dir, keys, nil) {
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			if verdict, key, ok := strings.Cut(sc.Text(), " "); ok && verdict == "won" {
				wins[key]++
			}
		}
	}
	s := newStore(t, Config{Dir: dir})
	for _, key := range keys {
		if wins[key] != 1 {
			t.Errorf("key %s: %d processes won the Create race, want exactly 1", key, wins[key])
		}
		if _, err := s.Load(t.Context(), key); err != nil {
			t.Errorf("key %s: Load after the race: %v", key, err)
		}
	}
}

func TestDeleteAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	if !canLock {
		t.Skip("no flock on this system")
	}
	dir := t.TempDir()
	s := newStore(t, Config{Dir: dir})
	var keys []string
	for range 20 {
		k, err := s.Create(t.Context(), sessionkit.NewKey(), sessionkit.Record{Data: []byte("{}"), Expiry: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	children(t, 2, "update", dir, keys, func() {
		time.Sleep(550 * time.Millisecond) // the children start at 500ms
		for _, key := range keys {
			time.Sleep(2 * time.Millisecond)
			if err := s.Delete(t.Context(), key); err != nil {
				t.Error(err)
			}
		}
	})
	for _, key := range keys {
		if rec, err := s.Load(t.Context(), key); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("key %s: deleted while other processes updated it, it came back as %q (%v)", key, rec.Data, err)
		}
	}
	if names := listDir(t, dir); len(names) != 0 {
		t.Errorf("files left once every session was deleted and the other processes closed their stores: %q", names)
	}
}
