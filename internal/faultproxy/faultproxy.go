// Package faultproxy is a TCP proxy for tests that puts faults between a
// client and a real server (Redis, memcached): drop every connection, stall
// traffic as a network cut does, refuse new connections, add latency, then
// restore. It also counts round trips, so a test can prove how many a
// store operation costs.
//
// A fault is what a real server cannot be made to do on cue; the server
// behind the proxy stays real.
package faultproxy

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy forwards TCP connections from a loopback address to an upstream
// server. Its methods are safe for concurrent use.
type Proxy struct {
	upstream string
	addr     string

	mu        sync.Mutex
	ln        net.Listener // nil while refusing
	conns     map[*link]struct{}
	stalled   bool
	stallDone chan struct{} // closed when a stall ends
	latency   time.Duration
	closed    bool

	roundTrips atomic.Int64
	accepted   atomic.Int64
	wg         sync.WaitGroup
}

// link is one proxied connection.
type link struct {
	client, server net.Conn

	mu      sync.Mutex
	upwards bool // the last bytes went client → server
}

// Start listens on 127.0.0.1 (a free port) and forwards to upstream.
func Start(upstream string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen: %w", err)
	}
	p := &Proxy{
		upstream: upstream,
		addr:     ln.Addr().String(),
		ln:       ln,
		conns:    make(map[*link]struct{}),
	}
	p.wg.Add(1)
	go p.accept(ln)
	return p, nil
}

// Addr is the address clients dial instead of the upstream's.
func (p *Proxy) Addr() string { return p.addr }

// RoundTrips counts request/response turns over every connection so far: a
// turn starts each time a client sends bytes after the server last spoke
// (or on a fresh connection). A pipeline of commands sent at once is one.
func (p *Proxy) RoundTrips() int64 { return p.roundTrips.Load() }

// Accepted counts the connections accepted so far.
func (p *Proxy) Accepted() int64 { return p.accepted.Load() }

// DropAll closes every open connection at once, as a server restart or a
// reset by a middlebox does. New connections keep working.
func (p *Proxy) DropAll() {
	p.mu.Lock()
	conns := p.conns
	p.conns = make(map[*link]struct{})
	p.mu.Unlock()
	for l := range conns {
		l.client.Close()
		l.server.Close()
	}
}

// Stall stops all traffic in both directions on open and new connections,
// as a network cut does: connections stay open, bytes already sent are
// held (not lost) and delivered when Restore ends the stall, the way TCP
// delivers them once the path heals.
func (p *Proxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.stalled {
		p.stalled = true
		p.stallDone = make(chan struct{})
	}
}

// Refuse closes the listening socket, so new connections are refused
// (ECONNREFUSED) while open ones keep working.
func (p *Proxy) Refuse() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
}

// SetLatency delays every forwarded chunk by d (zero for none).
func (p *Proxy) SetLatency(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.latency = d
}

// Restore ends a stall, listens again after Refuse and removes latency.
func (p *Proxy) Restore() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.latency = 0
	if p.stalled {
		p.stalled = false
		close(p.stallDone)
	}
	if p.ln == nil && !p.closed {
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			return fmt.Errorf("faultproxy: listen again on %s: %w", p.addr, err)
		}
		p.ln = ln
		p.wg.Add(1)
		go p.accept(ln)
	}
	return nil
}

// Close stops the proxy and closes every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	if p.stalled {
		p.stalled = false
		close(p.stallDone)
	}
	p.mu.Unlock()
	p.DropAll()
	p.wg.Wait()
	return nil
}

func (p *Proxy) accept(ln net.Listener) {
	defer p.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return // closed by Refuse or Close
		}
		p.accepted.Add(1)
		s, err := net.DialTimeout("tcp", p.upstream, 2*time.Second)
		if err != nil {
			c.Close()
			continue
		}
		l := &link{client: c, server: s}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			s.Close()
			return
		}
		p.conns[l] = struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(l, s, c, true)
		go p.pipe(l, c, s, false)
	}
}

// pipe copies src to dst chunk by chunk, honouring stalls and latency.
func (p *Proxy) pipe(l *link, dst, src net.Conn, upwards bool) {
	defer p.wg.Done()
	defer func() {
		// Half-close so that the other side sees EOF after the bytes in
		// flight, then drop the link.
		if tc, ok := dst.(*net.TCPConn); ok {
			tc.CloseWrite()
		} else {
			dst.Close()
		}
		p.forget(l, upwards)
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.wait()
			if upwards {
				l.mu.Lock()
				if !l.upwards {
					p.roundTrips.Add(1)
				}
				l.upwards = true
				l.mu.Unlock()
			} else {
				l.mu.Lock()
				l.upwards = false
				l.mu.Unlock()
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				dst.Close()
			}
			return
		}
	}
}

// wait blocks while the proxy is stalled, then applies latency.
func (p *Proxy) wait() {
	for {
		p.mu.Lock()
		stalled, done, lat := p.stalled, p.stallDone, p.latency
		p.mu.Unlock()
		if !stalled {
			if lat > 0 {
				time.Sleep(lat)
			}
			return
		}
		<-done
	}
}

// forget ends the link when its server-to-client copy ends: the server
// has closed (or the link was dropped), so nothing more can come back. The
// client-to-server copy only half-closes, so a request already read from
// the client still reaches the server, as it would over TCP.
func (p *Proxy) forget(l *link, upwards bool) {
	if upwards {
		return
	}
	l.client.Close()
	l.server.Close()
	p.mu.Lock()
	delete(p.conns, l)
	p.mu.Unlock()
}
