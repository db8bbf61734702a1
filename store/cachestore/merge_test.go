package cachestore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/cache/memorycache"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/cachestore"
)

// TestSwapComparesData: Swap compares the stored record's Data, not the
// whole entry, whose header (expiry, user) another save may have changed.
func TestSwapComparesData(t *testing.T) {
	ctx := context.Background()
	s := cachestore.New(memorycache.New(memorycache.Config{}), cachestore.Config{})
	key := sessionkit.NewKey()
	rec := func(data, user string, d time.Duration) sessionkit.Record {
		return sessionkit.Record{Data: []byte(data), UserID: user, Expiry: time.Now().Add(d)}
	}
	if _, err := s.Create(ctx, key, rec("a", "", time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Same data, another expiry and user: still "a".
	if _, err := s.Update(ctx, key, rec("a", "7", 2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Swap(ctx, key, []byte("a"), rec("b", "7", time.Hour)); err != nil {
		t.Fatalf("Swap from the stored Data with another header: %v", err)
	}
	if _, err := s.Swap(ctx, key, []byte("a"), rec("c", "", time.Hour)); !errors.Is(err, sessionkit.ErrConflict) {
		t.Fatalf("Swap from stale Data = %v, want ErrConflict", err)
	}
	got, err := s.Load(ctx, key)
	if err != nil || string(got.Data) != "b" || got.UserID != "7" {
		t.Fatalf("Load = %q (user %q), %v; want b (user 7)", got.Data, got.UserID, err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Swap(ctx, key, []byte("b"), rec("d", "", time.Hour)); !errors.Is(err, sessionkit.ErrNotFound) {
		t.Fatalf("Swap of a deleted session = %v, want ErrNotFound", err)
	}
	if _, err := s.Load(ctx, key); !errors.Is(err, sessionkit.ErrNotFound) {
		t.Fatalf("Swap recreated a deleted session: Load = %v", err)
	}
}

// TestLockKeys: a lease lives under its own key, which reveals no session
// key in either mode and which Load cannot reach.
func TestLockKeys(t *testing.T) {
	ctx := context.Background()
	for _, django := range []bool{false, true} {
		c := memorycache.New(memorycache.Config{})
		s := cachestore.New(c, cachestore.Config{Django: django})
		key := sessionkit.NewKey()
		lk := s.LockKey(key)
		prefix := cachestore.DefaultPrefix + "lock:"
		if django {
			prefix = ":1:" + prefix
		}
		if lk == s.CacheKey(key) || strings.Contains(lk, key) || !strings.HasPrefix(lk, prefix) {
			t.Errorf("django=%v: lock key %q: want the prefix, lock: and a hash, not the session key or its entry's key", django, lk)
		}
		if ok, err := s.TryLock(ctx, key, "token", time.Minute); !ok || err != nil {
			t.Fatalf("TryLock = %v, %v", ok, err)
		}
		if v, err := c.Get(ctx, lk); err != nil || string(v) != "token" {
			t.Fatalf("the lease under %q = %q, %v; want the token", lk, v, err)
		}
		if _, err := s.Load(ctx, key); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("django=%v: a locked session that was never saved loads: %v", django, err)
		}
		if _, err := s.Create(ctx, key, sessionkit.Record{Data: []byte("{}"), Expiry: time.Now().Add(time.Hour)}); err != nil {
			t.Errorf("django=%v: the lease took the session's key: Create = %v", django, err)
		}
		if _, err := s.TryLock(ctx, "bad key", "t", time.Minute); !errors.Is(err, sessionkit.ErrInvalidKey) {
			t.Errorf("TryLock of an invalid key = %v, want ErrInvalidKey", err)
		}
		if err := s.Unlock(ctx, "bad key", "t"); !errors.Is(err, sessionkit.ErrInvalidKey) {
			t.Errorf("Unlock of an invalid key = %v, want ErrInvalidKey", err)
		}
		if _, err := s.Swap(ctx, "bad key", nil, sessionkit.Record{Data: []byte("{}"), Expiry: time.Now().Add(time.Hour)}); !errors.Is(err, sessionkit.ErrInvalidKey) {
			t.Errorf("Swap of an invalid key = %v, want ErrInvalidKey", err)
		}
		if err := s.Unlock(ctx, key, "token"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Get(ctx, lk); !errors.Is(err, cache.ErrMiss) {
			t.Errorf("the lease is still there after Unlock: %v", err)
		}
	}
}

// Cross-process test: two processes (this one and the test binary run
// again) share one Redis and one session. Each makes exclusive increments
// of one counter and, at the same time, merged saves of keys of its own.
const (
	crossEnv    = "SESSIONKIT_CACHESTORE_CROSS"
	crossRounds = 40
)

func crossManager(t *testing.T, prefix string) *sessionkit.Manager {
	c := openRedis(t, "redis://"+testenv.RedisAddr(t))
	return &sessionkit.Manager{Store: cachestore.New(c, cachestore.Config{Prefix: prefix}), LockWait: 30 * time.Second}
}

// crossWork runs one process's share: exclusive increments of "n" and
// merged saves of "<who><i>", concurrently.
func crossWork(t *testing.T, m *sessionkit.Manager, key, who string) {
	inc := m.ExclusiveMiddleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromRequest(r)
		n, _ := sessionkit.Get[int](s, "n")
		time.Sleep(time.Millisecond) // work between the read and the write
		s.Set("n", n+1)
	}))
	set := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromRequest(r)
		i, _ := strconv.Atoi(r.URL.Query().Get("i"))
		s.Get("n")
		s.Set(fmt.Sprintf("%s%d", who, i), i)
	}))
	serve := func(h http.Handler, target string) {
		req := httptest.NewRequest("POST", target, nil)
		req.AddCookie(&http.Cookie{Name: sessionkit.DefaultCookieName, Value: key})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Errorf("%s %s: status %d: %s", who, target, rec.Code, rec.Body)
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for range crossRounds {
			serve(inc, "/inc")
		}
	})
	wg.Go(func() {
		for i := range crossRounds {
			serve(set, fmt.Sprintf("/set?i=%d", i))
		}
	})
	wg.Wait()
}

func TestCrossProcess(t *testing.T) {
	if os.Getenv(crossEnv) != "" {
		t.Skip("this is the second process")
	}
	prefix := uniquePrefix(t)
	m := crossManager(t, prefix)
	s := m.Open(context.Background(), "")
	s.Set("n", 0)
	if err := s.Save(context.Background()); err != nil {
		t.Fatal(err)
	}
	key := s.Key()
	t.Cleanup(func() { m.Store.Delete(context.Background(), key) })

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrossProcessPeer$", "-test.count=1")
	cmd.Env = append(os.Environ(), crossEnv+"="+prefix+" "+key)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Start together: the peer says when it is ready, then both go.
	out := bufio.NewScanner(stdout)
	var peerOut []string
	for out.Scan() && out.Text() != "READY" {
		peerOut = append(peerOut, out.Text())
	}
	if _, err := stdin.Write([]byte("go\n")); err != nil {
		t.Fatalf("the second process did not start: %v\n%s", err, strings.Join(peerOut, "\n"))
	}
	crossWork(t, m, key, "parent")
	for out.Scan() {
		peerOut = append(peerOut, out.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the second process failed: %v\n%s", err, strings.Join(peerOut, "\n"))
	}

	got := m.Open(context.Background(), key)
	if n, _ := sessionkit.Get[int](got, "n"); n != 2*crossRounds {
		t.Errorf("two processes × %d exclusive increments gave %d", crossRounds, n)
	}
	for _, who := range []string{"parent", "peer"} {
		for i := range crossRounds {
			if v, _ := sessionkit.Get[int](got, fmt.Sprintf("%s%d", who, i)); v != i {
				t.Errorf("%s%d = %v after concurrent merged saves from two processes; want %d", who, i, got.Get(fmt.Sprintf("%s%d", who, i)), i)
			}
		}
	}
}

// TestCrossProcessPeer is the second process of TestCrossProcess.
func TestCrossProcessPeer(t *testing.T) {
	arg := os.Getenv(crossEnv)
	if arg == "" {
		t.Skip("run by TestCrossProcess as its second process")
	}
	prefix, key, _ := strings.Cut(arg, " ")
	m := crossManager(t, prefix)
	fmt.Println("READY")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		t.Fatalf("waiting for the go: %v", err)
	}
	crossWork(t, m, key, "peer")
}
