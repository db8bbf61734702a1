package faultproxy_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/internal/faultproxy"
)

// echoServer answers every line with "echo <line>".
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := io.WriteString(c, "echo "+line); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func start(t *testing.T) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.Start(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

type client struct {
	net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, p *faultproxy.Proxy) *client {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{c, bufio.NewReader(c)}
}

func (c *client) ask(line string, timeout time.Duration) (string, error) {
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return "", err
	}
	s, err := c.r.ReadString('\n')
	return strings.TrimSuffix(s, "\n"), err
}

func TestForwardsAndCountsRoundTrips(t *testing.T) {
	p := start(t)
	c := dial(t, p)
	for i, q := range []string{"a", "b", "c"} {
		got, err := c.ask(q, 2*time.Second)
		if err != nil || got != "echo "+q {
			t.Fatalf("ask(%q) = %q, %v", q, got, err)
		}
		if n := p.RoundTrips(); n != int64(i+1) {
			t.Fatalf("RoundTrips after %d questions = %d", i+1, n)
		}
	}
	// Two lines sent at once are one turn: a pipeline.
	c.SetDeadline(time.Now().Add(2 * time.Second))
	io.WriteString(c, "x\ny\n")
	for range 2 {
		if _, err := c.r.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
	}
	if n := p.RoundTrips(); n != 4 {
		t.Fatalf("RoundTrips after a pipeline = %d, want 4", n)
	}
}

func TestDropAll(t *testing.T) {
	p := start(t)
	c := dial(t, p)
	if _, err := c.ask("a", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	p.DropAll()
	if _, err := c.ask("b", 2*time.Second); err == nil {
		t.Fatal("a dropped connection still answered")
	}
	c2 := dial(t, p)
	if got, err := c2.ask("c", 2*time.Second); err != nil || got != "echo c" {
		t.Fatalf("a new connection after DropAll: %q, %v", got, err)
	}
}

func TestStallHoldsBytesUntilRestore(t *testing.T) {
	p := start(t)
	c := dial(t, p)
	if _, err := c.ask("a", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	p.Stall()
	_, err := c.ask("held", 200*time.Millisecond)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("ask during a stall = %v, want a timeout", err)
	}
	if err := p.Restore(); err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(2 * time.Second))
	got, err := c.r.ReadString('\n')
	if err != nil || got != "echo held\n" {
		t.Fatalf("after Restore the held request got %q, %v; want its answer", got, err)
	}
}

func TestStallAffectsNewConnections(t *testing.T) {
	p := start(t)
	p.Stall()
	c := dial(t, p) // the TCP handshake with the proxy succeeds, as with a blackhole after a NAT
	if _, err := c.ask("a", 200*time.Millisecond); err == nil {
		t.Fatal("a new connection answered during a stall")
	}
	p.Restore()
}

func TestRefuse(t *testing.T) {
	p := start(t)
	old := dial(t, p)
	p.Refuse()
	_, err := net.DialTimeout("tcp", p.Addr(), time.Second)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial while refusing = %v, want ECONNREFUSED", err)
	}
	if got, err := old.ask("still", 2*time.Second); err != nil || got != "echo still" {
		t.Fatalf("an open connection while refusing: %q, %v", got, err)
	}
	if err := p.Restore(); err != nil {
		t.Fatal(err)
	}
	c := dial(t, p)
	if got, err := c.ask("back", 2*time.Second); err != nil || got != "echo back" {
		t.Fatalf("after Restore: %q, %v", got, err)
	}
}

func TestLatency(t *testing.T) {
	p := start(t)
	c := dial(t, p)
	p.SetLatency(200 * time.Millisecond)
	t0 := time.Now()
	if _, err := c.ask("slow", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	slow := time.Since(t0)
	if slow < 400*time.Millisecond {
		t.Fatalf("a round trip with 200ms latency each way took %v", slow)
	}
	p.Restore()
	t0 = time.Now()
	if _, err := c.ask("fast", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t0); d > slow/2 {
		t.Fatalf("a round trip after Restore took %v, with latency %v", d, slow)
	}
}

func TestCloseEndsEverything(t *testing.T) {
	p, err := faultproxy.Start(echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, p)
	p.Stall()
	done := make(chan struct{})
	go func() { p.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hung on a stalled proxy")
	}
	if _, err := c.ask("x", time.Second); err == nil {
		t.Fatal("a connection answered after Close")
	}
}
