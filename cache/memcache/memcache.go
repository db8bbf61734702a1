// Package memcache is a cache.Cache on one or more memcached servers,
// through gomemcache, with keys spread over the servers by a Ring
// (rendezvous hashing), so that adding or removing a server keeps most keys
// where they are.
//
// Open takes a URL listing the servers:
//
//	memcached://host1:11211,host2:11211[?timeout=500ms&max_idle_conns=64]
//
// gomemcache has no context support: a Cache checks the context before
// each operation, and Config.Timeout bounds each network operation (dial,
// write, read), so a dead or cut-off server costs a caller at most about
// one Timeout and a clear error, never a hang.
//
// Expiry has memcached's resolution of a second: a ttl is rounded up to
// whole seconds, and one longer than 30 days is sent as an absolute Unix
// time, as memcached requires (a relative 40 days would be read as a date
// in 1970 and expire at once).
package memcache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomemcache "github.com/bradfitz/gomemcache/memcache"

	"github.com/sessionkit/sessionkit/cache"
)

// Config configures a Cache. The zero value is ready to use: one server on
// 127.0.0.1:11211.
type Config struct {
	// Servers are the memcached servers, host:port or a Unix socket path.
	// Default ["127.0.0.1:11211"].
	Servers []string
	// Timeout bounds each network operation (dial, write, read) of one
	// call. Default 500ms, gomemcache's own.
	Timeout time.Duration
	// MaxIdleConns is how many idle connections are kept per server; it
	// should exceed the number of requests in flight at peak, or calls will
	// dial. Default 64 (gomemcache's 2 makes a busy server dial on most
	// calls).
	MaxIdleConns int
	// Flags are the client flags stored with every item that Set, Add,
	// Replace and CompareAndSwap write (GetFlags reads them back). Default
	// 0. Python clients read them as the type of the value: pymemcache's
	// serde, which Django's PyMemcacheCache uses, unpickles an item with
	// FlagPickle and hands one with 0 over as raw bytes.
	Flags uint32
}

// FlagPickle is pymemcache's FLAG_PICKLE: the item is a pickle. Django's
// PyMemcacheCache stores every dict, a session included, with it.
const FlagPickle = 1

// Defaults used where Config is zero.
const (
	DefaultServer       = "127.0.0.1:11211"
	DefaultTimeout      = 500 * time.Millisecond
	DefaultMaxIdleConns = 64
)

// MaxKeyLength is memcached's limit on key length in bytes.
const MaxKeyLength = 250

// maxRelative is the longest expiry memcached takes as relative seconds;
// anything longer is read as a Unix time.
const maxRelative = 30 * 24 * 60 * 60

// Cache is a cache.Cache on memcached. Its methods are safe for concurrent
// use.
type Cache struct {
	client *gomemcache.Client
	ring   *Ring
	flags  uint32
}

var _ cache.Cache = (*Cache)(nil)

// New returns a Cache on cfg.Servers. It does not contact the servers.
func New(cfg Config) (*Cache, error) {
	servers := cfg.Servers
	if len(servers) == 0 {
		servers = []string{DefaultServer}
	}
	ring, err := NewRing(servers...)
	if err != nil {
		return nil, err
	}
	client := gomemcache.NewFromSelector(ring)
	client.Timeout = cfg.Timeout
	if client.Timeout <= 0 {
		client.Timeout = DefaultTimeout
	}
	client.MaxIdleConns = cfg.MaxIdleConns
	if client.MaxIdleConns <= 0 {
		client.MaxIdleConns = DefaultMaxIdleConns
	}
	return &Cache{client: client, ring: ring, flags: cfg.Flags}, nil
}

// Open returns a Cache on the servers of a memcached:// URL (see the
// package documentation).
func Open(rawURL string) (*Cache, error) {
	cfg, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return New(cfg)
}

// ErrBadURL is wrapped by every error of ParseURL.
var ErrBadURL = errors.New("memcache: bad memcached URL")

// ParseURL parses memcached://host1:port1,host2:port2?timeout=..&max_idle_conns=..
// into a Config. A host without a port gets 11211.
func ParseURL(rawURL string) (Config, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s (in %q)", ErrBadURL, fmt.Sprintf(format, args...), rawURL)
	}
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok || !strings.EqualFold(scheme, "memcached") && !strings.EqualFold(scheme, "memcache") {
		return Config{}, bad("want memcached://host1:11211,host2:11211")
	}
	authority, query, _ := strings.Cut(rest, "?")
	authority = strings.TrimSuffix(authority, "/")
	if strings.ContainsAny(authority, "/@#") {
		return Config{}, bad("want only host:port pairs separated by commas, then ?options")
	}
	var cfg Config
	for _, h := range strings.Split(authority, ",") {
		if h == "" {
			return Config{}, bad("empty host")
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(strings.Trim(h, "[]"), "11211") // no port
		}
		if _, err := serverAddr(h); err != nil {
			return Config{}, bad("%v", err)
		}
		cfg.Servers = append(cfg.Servers, h)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return Config{}, bad("%v", err)
	}
	for name, vs := range q {
		v := vs[len(vs)-1]
		switch name {
		case "timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return Config{}, bad("timeout=%q: want a positive duration such as 500ms", v)
			}
			cfg.Timeout = d
		case "max_idle_conns":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return Config{}, bad("max_idle_conns=%q: want a positive integer", v)
			}
			cfg.MaxIdleConns = n
		default:
			return Config{}, bad("unknown option %q", name)
		}
	}
	return cfg, nil
}

// Ring returns the Ring that places keys on servers.
func (c *Cache) Ring() *Ring { return c.ring }

// Close closes the idle connections.
func (c *Cache) Close() error { return c.client.Close() }

// Get implements cache.Cache.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, error) {
	v, _, err := c.GetFlags(ctx, key)
	return v, err
}

// GetFlags is Get that also returns the item's client flags (see
// Config.Flags).
func (c *Cache) GetFlags(ctx context.Context, key string) ([]byte, uint32, error) {
	if err := check(ctx, "get", key); err != nil {
		return nil, 0, err
	}
	it, err := c.client.Get(key)
	if err != nil {
		if errors.Is(err, gomemcache.ErrCacheMiss) {
			return nil, 0, cache.ErrMiss
		}
		return nil, 0, c.opError("get", key, err)
	}
	return it.Value, it.Flags, nil
}

// Set implements cache.Cache.
func (c *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	it, err := c.item(ctx, "set", key, value, ttl)
	if err != nil {
		return err
	}
	if err := c.client.Set(it); err != nil {
		return c.opError("set", key, err)
	}
	return nil
}

// Add implements cache.Cache with memcached's add.
func (c *Cache) Add(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	it, err := c.item(ctx, "add", key, value, ttl)
	if err != nil {
		return err
	}
	if err := c.client.Add(it); err != nil {
		if errors.Is(err, gomemcache.ErrNotStored) {
			return cache.ErrNotStored
		}
		return c.opError("add", key, err)
	}
	return nil
}

// Replace implements cache.Cache with memcached's replace.
func (c *Cache) Replace(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	it, err := c.item(ctx, "replace", key, value, ttl)
	if err != nil {
		return err
	}
	if err := c.client.Replace(it); err != nil {
		if errors.Is(err, gomemcache.ErrNotStored) {
			return cache.ErrMiss
		}
		return c.opError("replace", key, err)
	}
	return nil
}

// Delete implements cache.Cache.
func (c *Cache) Delete(ctx context.Context, key string) error {
	if err := check(ctx, "delete", key); err != nil {
		return err
	}
	if err := c.client.Delete(key); err != nil && !errors.Is(err, gomemcache.ErrCacheMiss) {
		return c.opError("delete", key, err)
	}
	return nil
}

// CompareAndSwap implements cache.Cache with memcached's gets and cas: the
// cas stores value only if nobody has written key since the gets, so the
// comparison and the store are atomic. Both go to the server that owns
// key.
func (c *Cache) CompareAndSwap(ctx context.Context, key string, old, value []byte, ttl time.Duration) error {
	it, err := c.item(ctx, "cas", key, value, ttl)
	if err != nil {
		return err
	}
	return c.cas(key, old, it)
}

// CompareAndDelete implements cache.Cache with memcached's gets and a cas
// whose expiry is in the past: the text protocol's delete takes no cas
// unique, but a cas that stores an already expired item removes the
// entry just as atomically as CompareAndSwap replaces it.
func (c *Cache) CompareAndDelete(ctx context.Context, key string, old []byte) error {
	if err := check(ctx, "cas", key); err != nil {
		return err
	}
	return c.cas(key, old, &gomemcache.Item{Key: key, Expiration: -1})
}

// cas reads key with its cas unique, compares its value with old and
// stores it by cas.
func (c *Cache) cas(key string, old []byte, it *gomemcache.Item) error {
	cur, err := c.client.Get(key)
	if err != nil {
		if errors.Is(err, gomemcache.ErrCacheMiss) {
			return cache.ErrMiss
		}
		return c.opError("gets", key, err)
	}
	if !bytes.Equal(cur.Value, old) {
		return cache.ErrConflict
	}
	it.CasID = cur.CasID
	switch err := c.client.CompareAndSwap(it); {
	case err == nil:
		return nil
	case errors.Is(err, gomemcache.ErrCASConflict):
		return cache.ErrConflict // written since the gets
	case errors.Is(err, gomemcache.ErrCacheMiss), errors.Is(err, gomemcache.ErrNotStored):
		return cache.ErrMiss // deleted or evicted since the gets
	default:
		return c.opError("cas", key, err)
	}
}

// opError names the command and the server; never the key, which may be a
// live session key.
func (c *Cache) opError(cmd, key string, err error) error {
	return fmt.Errorf("memcache: %s on %s: %w", cmd, c.ring.Owner(key), err)
}

func check(ctx context.Context, cmd, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memcache: %s: %w", cmd, err)
	}
	if err := ValidKey(key); err != nil {
		return fmt.Errorf("memcache: %s: %w", cmd, err)
	}
	return nil
}

// item is the item that a write of value under key stores.
func (c *Cache) item(ctx context.Context, cmd, key string, value []byte, ttl time.Duration) (*gomemcache.Item, error) {
	if err := check(ctx, cmd, key); err != nil {
		return nil, err
	}
	if ttl <= 0 {
		return nil, fmt.Errorf("memcache: %s: %w (got %v)", cmd, cache.ErrInvalidTTL, ttl)
	}
	return &gomemcache.Item{Key: key, Value: value, Flags: c.flags, Expiration: expiration(ttl, time.Now())}, nil
}

// expiration converts ttl to memcached's expiry field: whole seconds rounded
// up, as an absolute Unix time when longer than 30 days.
func expiration(ttl time.Duration, now time.Time) int32 {
	secs := int64((ttl + time.Second - 1) / time.Second)
	if secs <= maxRelative {
		return int32(secs)
	}
	abs := now.Unix() + secs
	if abs > 1<<31-1 {
		abs = 1<<31 - 1 // memcached's field ends in 2038
	}
	return int32(abs)
}

// ValidKey reports whether memcached can store key: 1 to 250 bytes, none of
// them a space or a control character. The error wraps cache.ErrInvalidKey.
func ValidKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty key", cache.ErrInvalidKey)
	}
	if len(key) > MaxKeyLength {
		return fmt.Errorf("%w: %d bytes, memcached allows %d; use a shorter prefix or hash the key", cache.ErrInvalidKey, len(key), MaxKeyLength)
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c <= ' ' || c == 0x7f {
			return fmt.Errorf("%w: byte %#x at %d; memcached keys cannot contain spaces or control characters", cache.ErrInvalidKey, c, i)
		}
	}
	return nil
}
