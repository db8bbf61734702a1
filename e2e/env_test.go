package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the sessionkit command, built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sessionkit-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "sessionkit")
	build := exec.Command(goTool(), "build", "-o", binary, "./cmd/sessionkit")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building sessionkit: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// server is one `sessionkit serve` process.
type server struct {
	t    *testing.T
	dir  string   // working directory: the SQLite database and key file
	env  []string // settings
	addr string
	URL  string

	mu   sync.Mutex
	out  strings.Builder
	cmd  *exec.Cmd
	done chan error
}

// startServer runs `sessionkit serve` with settings (environment variables)
// on a free loopback port, in a directory of its own, until the test ends.
func startServer(t *testing.T, settings map[string]string) *server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := &server{t: t, dir: t.TempDir(), addr: addr}
	for _, kv := range os.Environ() {
		// Only the test's settings: none the developer's shell may carry.
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "SESSION") || strings.HasPrefix(name, "SECRET_KEY") ||
			name == "DATABASE_URL" || name == "CACHE_URL" {
			continue
		}
		s.env = append(s.env, kv)
	}
	for k, v := range settings {
		s.env = append(s.env, k+"="+v)
	}
	s.start()
	t.Cleanup(func() {
		if s.cmd != nil {
			s.stop()
		}
	})
	return s
}

var startLine = regexp.MustCompile(`^sessionkit serve: (http://\S+) — `)

func (s *server) start() {
	t := s.t
	t.Helper()
	cmd := exec.Command(binary, "serve", "--addr", s.addr)
	cmd.Dir, cmd.Env = s.dir, s.env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = writerFunc(func(p []byte) (int, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.out.Write(p)
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.cmd, s.done = cmd, make(chan error, 1)
	started := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.out.WriteString(line + "\n")
			s.mu.Unlock()
			if m := startLine.FindStringSubmatch(line); m != nil {
				started <- m[1]
			}
		}
		s.done <- cmd.Wait()
	}()
	select {
	case s.URL = <-started:
	case err := <-s.done:
		s.cmd = nil
		t.Fatalf("sessionkit serve exited before serving (%v):\n%s", err, s.output())
	case <-time.After(30 * time.Second):
		t.Fatalf("sessionkit serve did not start in 30 s:\n%s", s.output())
	}
}

// stop sends SIGTERM and checks that the server shut down cleanly.
func (s *server) stop() {
	t := s.t
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("sessionkit serve exited with %v after SIGTERM:\n%s", err, s.output())
		}
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		t.Errorf("sessionkit serve did not stop within 20 s of SIGTERM:\n%s", s.output())
	}
	s.cmd = nil
}

// restart stops the server and starts a new process with the same
// settings, on the same address.
func (s *server) restart() {
	s.t.Helper()
	s.stop()
	s.start()
}

func (s *server) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

var _ io.Writer = writerFunc(nil)
