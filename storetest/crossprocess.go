package storetest

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
)

// The second process of CrossProcess learns its part from these.
const (
	crossTestEnv = "STORETEST_CROSS_TEST" // the test it runs
	crossArgEnv  = "STORETEST_CROSS_ARG"  // open's argument
	crossKeyEnv  = "STORETEST_CROSS_KEY"  // the shared session
)

// The work of each process: crossWorkers goroutines of crossEach
// exclusive increments, and crossMerges merged saves of keys of its own.
const crossWorkers, crossEach, crossMerges = 3, 10, 20

// CrossProcess checks that two processes sharing one store lose no write:
// this test process and a second one (the test binary run again for this
// test alone) open the store with open(t, arg), and at the same time each
// increments a counter of one session through ExclusiveMiddleware and
// saves keys of its own to it through the merge. Every increment and every
// key must be there at the end. arg names what both processes can open (a
// file, a key prefix on a shared server); it reaches the second process
// through its environment. The Manager open returns needs a Store that is
// both a Swapper and a Locker.
//
// Call it from a test (or subtest) that runs it once: the second process
// runs that test alone and CrossProcess, called there again, plays the
// second part.
func CrossProcess(t *testing.T, arg string, open func(t *testing.T, arg string) *sessionkit.Manager) {
	t.Helper()
	if os.Getenv(crossTestEnv) == t.Name() {
		crossPeer(t, open)
		return
	}
	m := open(t, arg)
	s := m.Open(t.Context(), "")
	s.Set("n", 0)
	if err := s.Save(t.Context()); err != nil {
		t.Fatal(err)
	}
	key := s.Key()
	t.Cleanup(func() { m.Store.Delete(context.WithoutCancel(t.Context()), key) })

	cmd := exec.Command(os.Args[0], "-test.run="+runPattern(t.Name()), "-test.count=1")
	cmd.Env = append(os.Environ(), crossTestEnv+"="+t.Name(), crossArgEnv+"="+arg, crossKeyEnv+"="+key)
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
	// Start together: the second process says when it is ready.
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

	got := m.Open(t.Context(), key)
	if n, _ := sessionkit.Get[int](got, "n"); n != 2*crossWorkers*crossEach {
		t.Errorf("two processes × %d exclusive increments gave %d", crossWorkers*crossEach, n)
	}
	for _, who := range []string{"parent", "peer"} {
		for i := range crossMerges {
			if k := fmt.Sprintf("%s-%d", who, i); !got.Has(k) {
				t.Errorf("key %s, saved through a merge, is lost", k)
			}
		}
	}
}

// crossPeer is the second process's part of CrossProcess.
func crossPeer(t *testing.T, open func(t *testing.T, arg string) *sessionkit.Manager) {
	m := open(t, os.Getenv(crossArgEnv))
	fmt.Println("READY")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		t.Fatalf("waiting for the go: %v", err)
	}
	crossWork(t, m, os.Getenv(crossKeyEnv), "peer")
}

// runPattern is the -test.run pattern that selects the test named name
// (with its subtests' names after slashes) and nothing else.
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// crossWork is one process's share: exclusive increments of "n" and,
// meanwhile, merged saves of "<who>-<i>", each from a request of its own.
func crossWork(t *testing.T, m *sessionkit.Manager, key, who string) {
	inc := m.ExclusiveMiddleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromRequest(r)
		n, _ := sessionkit.Get[int](s, "n")
		time.Sleep(time.Millisecond) // work between the read and the write
		s.Set("n", n+1)
	}))
	set := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromRequest(r)
		s.Get("n")
		s.Set(who+"-"+r.URL.Query().Get("i"), true)
	}))
	serve := func(h http.Handler, target string) {
		req := httptest.NewRequest("POST", target, nil).WithContext(t.Context())
		req.AddCookie(&http.Cookie{Name: sessionkit.DefaultCookieName, Value: key})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Errorf("%s %s: status %d: %s", who, target, rec.Code, rec.Body)
		}
	}
	var wg sync.WaitGroup
	for range crossWorkers {
		wg.Go(func() {
			for range crossEach {
				serve(inc, "/inc")
			}
		})
	}
	for i := range crossMerges {
		wg.Go(func() { serve(set, fmt.Sprintf("/set?i=%d", i)) })
	}
	wg.Wait()
}
