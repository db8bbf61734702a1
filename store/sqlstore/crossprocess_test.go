package sqlstore_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/sqlstore"
)

// The second process of TestCrossProcess reads its orders from these.
const (
	crossURL    = "SQLSTORE_TEST_CROSS_URL"
	crossKey    = "SQLSTORE_TEST_CROSS_KEY"
	crossDjango = "SQLSTORE_TEST_CROSS_DJANGO"
)

// Each process runs crossWorkers goroutines of crossEach exclusive
// increments, and crossMerges saves of a key of its own.
const crossWorkers, crossEach, crossMerges = 3, 10, 15

// TestCrossProcess: two processes share one SQLite file. Each increments
// a counter through ExclusiveMiddleware and saves keys of its own through
// the merge, at the same time as the other; no increment and no key is
// lost.
func TestCrossProcess(t *testing.T) {
	for _, django := range []bool{false, true} {
		mode := "Native"
		if django {
			mode = "Django"
		}
		t.Run(mode, func(t *testing.T) {
			u := "sqlite:///" + filepath.Join(t.TempDir(), "sessions.db")
			m := crossManager(t, u, django)
			s := m.Open(t.Context(), "")
			s.Set("n", 0)
			if err := s.Save(t.Context()); err != nil {
				t.Fatal(err)
			}
			key := s.Key()
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrossProcessWorker$", "-test.count=1")
			cmd.Env = append(os.Environ(), crossURL+"="+u, crossKey+"="+key, fmt.Sprintf("%s=%t", crossDjango, django))
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			crossWork(t, m, key, "parent")
			if err := cmd.Wait(); err != nil {
				t.Fatalf("the second process failed: %v\n%s", err, out.Bytes())
			}
			got := m.Open(t.Context(), key)
			if n, _ := sessionkit.Get[int](got, "n"); n != 2*crossWorkers*crossEach {
				t.Errorf("two processes × %d exclusive increments gave %d", crossWorkers*crossEach, n)
			}
			for _, who := range []string{"parent", "child"} {
				for i := range crossMerges {
					if k := fmt.Sprintf("%s-%d", who, i); !got.Has(k) {
						t.Errorf("key %s, saved by a merge, is lost", k)
					}
				}
			}
		})
	}
}

// TestCrossProcessWorker is the second process of TestCrossProcess.
func TestCrossProcessWorker(t *testing.T) {
	u := os.Getenv(crossURL)
	if u == "" {
		t.Skip("the second process of TestCrossProcess; runs only when it starts it")
	}
	m := crossManager(t, u, os.Getenv(crossDjango) == "true")
	crossWork(t, m, os.Getenv(crossKey), "child")
}

func crossManager(t *testing.T, u string, django bool) *sessionkit.Manager {
	st, err := sqlstore.Open(t.Context(), u, sqlstore.Config{Django: django, CreateTable: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	m := sessionkit.New(st)
	m.Logger = slog.New(slog.DiscardHandler)
	if django {
		m.Codec = &sessionkit.DjangoCodec{SecretKey: djangoSecret}
	}
	return m
}

// crossWork increments "n" through ExclusiveMiddleware and, meanwhile,
// saves the keys who-0, who-1, … each from a request of its own.
func crossWork(t *testing.T, m *sessionkit.Manager, key, who string) {
	h := m.ExclusiveMiddleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := sessionkit.FromRequest(r)
		n, _ := sessionkit.Get[int](s, "n")
		s.Set("n", n+1)
	}))
	var wg sync.WaitGroup
	for range crossWorkers {
		wg.Go(func() {
			for range crossEach {
				req := httptest.NewRequest("POST", "/", nil).WithContext(t.Context())
				req.AddCookie(&http.Cookie{Name: sessionkit.DefaultCookieName, Value: key})
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					t.Errorf("%s: exclusive increment: status %d: %s", who, rec.Code, rec.Body)
				}
			}
		})
	}
	for i := range crossMerges {
		wg.Go(func() {
			s := m.Open(t.Context(), key)
			s.Get("n")
			s.Set(fmt.Sprintf("%s-%d", who, i), i)
			if err := s.Save(t.Context()); err != nil {
				t.Errorf("%s: merge of key %d: %v", who, i, err)
			}
		})
	}
	wg.Wait()
}
