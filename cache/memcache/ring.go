package memcache

import (
	"fmt"
	"net"
	"strings"
	"sync"

	gomemcache "github.com/bradfitz/gomemcache/memcache"
)

// Ring spreads keys over memcached servers by rendezvous hashing (highest
// random weight): a key goes to the server whose score for it is highest,
// where a score mixes the key's hash with the server's. Adding a server
// moves only the keys that now score highest there (about 1/N of them) and
// removing one moves only its own keys, so a change of the server list
// keeps most of the cache warm; gomemcache's own ServerList (crc32 mod N)
// moves about 2/3 of the keys when a third server is added.
//
// The hash is fixed (FNV-1a 64 with a SplitMix64 finaliser), never seeded
// per process, so every application server with the same server list picks
// the same server for a key. A server is identified by its address exactly
// as configured: list it the same way everywhere.
//
// Ring implements gomemcache's ServerSelector and is safe for concurrent
// use.
type Ring struct {
	mu      sync.RWMutex
	servers []ringServer
}

type ringServer struct {
	addr net.Addr
	seed uint64
}

var _ gomemcache.ServerSelector = (*Ring)(nil)

// NewRing returns a Ring over servers, given as host:port, or as the path
// of a Unix socket (anything with a slash).
func NewRing(servers ...string) (*Ring, error) {
	r := new(Ring)
	if err := r.SetServers(servers...); err != nil {
		return nil, err
	}
	return r, nil
}

// SetServers replaces the server list. The addresses are not resolved
// here: the client resolves them when it dials, so a DNS change is
// followed.
func (r *Ring) SetServers(servers ...string) error {
	if len(servers) == 0 {
		return fmt.Errorf("memcache: no servers; want at least one host:port")
	}
	ss := make([]ringServer, 0, len(servers))
	seen := make(map[string]bool)
	for _, s := range servers {
		a, err := serverAddr(s)
		if err != nil {
			return err
		}
		if seen[a.String()] {
			return fmt.Errorf("memcache: server %q listed twice", s)
		}
		seen[a.String()] = true
		ss = append(ss, ringServer{addr: a, seed: mix(hashString(a.String()))})
	}
	r.mu.Lock()
	r.servers = ss
	r.mu.Unlock()
	return nil
}

// Servers returns the servers' addresses in configuration order.
func (r *Ring) Servers() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, len(r.servers))
	for i, s := range r.servers {
		out[i] = s.addr.String()
	}
	return out
}

// Owner returns the address of the server that holds key.
func (r *Ring) Owner(key string) string {
	a, err := r.PickServer(key)
	if err != nil {
		return ""
	}
	return a.String()
}

// PickServer implements gomemcache.ServerSelector.
func (r *Ring) PickServer(key string) (net.Addr, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	switch len(r.servers) {
	case 0:
		return nil, gomemcache.ErrNoServers
	case 1:
		return r.servers[0].addr, nil
	}
	h := hashString(key)
	best, bestScore := 0, uint64(0)
	for i, s := range r.servers {
		// Ties (astronomically rare) go to the earlier server.
		if score := mix(h ^ s.seed); i == 0 || score > bestScore {
			best, bestScore = i, score
		}
	}
	return r.servers[best].addr, nil
}

// Each implements gomemcache.ServerSelector.
func (r *Ring) Each(f func(net.Addr) error) error {
	r.mu.RLock()
	ss := r.servers
	r.mu.RUnlock()
	for _, s := range ss {
		if err := f(s.addr); err != nil {
			return err
		}
	}
	return nil
}

// hashString is FNV-1a 64, inlined so that PickServer does not allocate.
func hashString(s string) uint64 {
	const (
		offset = 14695981039346656037
		prime  = 1099511628211
	)
	h := uint64(offset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime
	}
	return h
}

// mix is SplitMix64's finaliser: FNV alone leaves the high bits too
// correlated for rendezvous scores (keys move unevenly), this spreads them.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// addr is a net.Addr that is not resolved until dialled.
type addr struct{ network, address string }

func (a addr) Network() string { return a.network }
func (a addr) String() string  { return a.address }

func serverAddr(s string) (net.Addr, error) {
	if strings.Contains(s, "/") {
		return addr{"unix", s}, nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" || port == "" {
		return nil, fmt.Errorf("memcache: server %q: want host:port (e.g. 127.0.0.1:11211) or a Unix socket path", s)
	}
	return addr{"tcp", net.JoinHostPort(host, port)}, nil
}
