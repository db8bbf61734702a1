// Package rediscache is a cache.Cache on Redis, through go-redis v9's
// UniversalClient: one server, a Redis Cluster, or a master found through
// Sentinel.
//
// Bring a client you already have with New, or let Open make one from a URL:
//
//	redis://[[user]:password@]host[:port][/db][?option=value&...]
//	rediss://...                          (the same over TLS)
//	redis+cluster://[[user]:password@]host1:port1,host2:port2,...[?...]
//	rediss+cluster://...                  (a cluster over TLS)
//	redis+sentinel://[[user]:password@]sentinel1:port1,sentinel2:port2,...[/db]?master=name[&...]
//	rediss+sentinel://...                 (TLS to the master and the sentinels)
//
// A cluster is named by its scheme, not guessed from the number of hosts,
// so a one-seed cluster URL and a one-node URL cannot be confused; the hosts
// are seeds, from which the client discovers the rest of the cluster. For
// Sentinel the hosts are the sentinels, the user and password are the
// master's, and sentinel_user / sentinel_password are the sentinels' own. The
// default port is 6379 (26379 for sentinels); an IPv6 host is written in
// brackets.
//
// Options, all optional:
//
//	dial_timeout=1s     connecting (default 1s)
//	read_timeout=500ms  waiting for one reply (default 500ms)
//	write_timeout=500ms writing one command (default 500ms)
//	pool_timeout=1s     waiting for a free connection (default 1s)
//	pool_size=N         connections per node (default 10 per CPU)
//	min_idle_conns=N    connections kept open while idle (default 0)
//	max_retries=N       retries of a failed command, -1 for none (default 3)
//	client_name=NAME    CLIENT SETNAME on every connection
//	skip_verify=true    do not verify the server's TLS certificate (tests only)
//	master=NAME         the Sentinel master set (Sentinel URLs only; required)
//	sentinel_user=U, sentinel_password=P   credentials for the sentinels
//
// The timeouts are shorter than go-redis's own (5 s to dial, 3 s to read),
// so that a dead or unreachable server costs a request about a second and a
// clear error rather than ten seconds; Config.Timeout bounds every
// operation as a whole, retries included. Retries stay (go-redis's 3): they
// are what replaces pooled connections that a server restart or a
// middlebox has closed, without failing the command.
package rediscache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/sessionkit/cache"
)

// Config configures a Cache. The zero value is ready to use.
type Config struct {
	// Timeout bounds one operation as a whole: waiting for a connection,
	// the command, and any retries. A caller's earlier context deadline
	// still wins. Default 1s; a negative value means no bound of the
	// Cache's own (the client's timeouts and the context still apply).
	Timeout time.Duration
}

// DefaultTimeout is the Config.Timeout used when it is zero.
const DefaultTimeout = time.Second

// Cache is a cache.Cache on a Redis server, cluster or Sentinel-managed
// master. Its methods are safe for concurrent use.
type Cache struct {
	client  redis.UniversalClient
	timeout time.Duration
	owned   bool // Close closes client: Open made it
}

var _ cache.Cache = (*Cache)(nil)

// New returns a Cache that uses client, which the caller keeps owning:
// Close does not close it. Any UniversalClient works: *redis.Client,
// *redis.ClusterClient, a failover client. For a client that should honour
// context deadlines on the socket, set ContextTimeoutEnabled in its options
// (Open does).
func New(client redis.UniversalClient, cfg Config) *Cache {
	t := cfg.Timeout
	if t == 0 {
		t = DefaultTimeout
	}
	return &Cache{client: client, timeout: t}
}

// Open connects to the Redis named by rawURL (see the package
// documentation) with a default Config. It does not contact the server:
// the first operation does, so a server that is down is an error of that
// operation. Close closes the client Open made.
func Open(rawURL string) (*Cache, error) {
	opts, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	c := New(redis.NewUniversalClient(opts), Config{})
	c.owned = true
	return c, nil
}

// Client returns the underlying client, for operations outside the cache
// contract (monitoring, flushing a test database).
func (c *Cache) Client() redis.UniversalClient { return c.client }

// Close closes the client if Open made it; a client passed to New is the
// caller's to close.
func (c *Cache) Close() error {
	if !c.owned {
		return nil
	}
	return c.client.Close()
}

// ctx applies the Cache's own bound, unless the caller's deadline is
// sooner anyway (which saves a timer per call). The cancel func must always
// be called.
func (c *Cache) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.timeout < 0 {
		return ctx, noCancel
	}
	if d, ok := ctx.Deadline(); ok && time.Until(d) <= c.timeout {
		return ctx, noCancel
	}
	return context.WithTimeout(ctx, c.timeout)
}

func noCancel() {}

// Get implements cache.Cache.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	v, err := c.client.Get(ctx, key).Bytes()
	if err != nil {
		if errors.Is(err, redis.Nil) {
			return nil, cache.ErrMiss
		}
		return nil, opError("GET", err)
	}
	return v, nil
}

// GetTTL is Get that also returns how long the entry has left to live,
// read by PTTL in the same MULTI/EXEC as the GET (one round trip, and
// no write lands between the two). An entry that never expires has a ttl
// of 0.
func (c *Cache) GetTTL(ctx context.Context, key string) ([]byte, time.Duration, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	var get *redis.StringCmd
	var pttl *redis.DurationCmd
	_, err := c.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		get = p.Get(ctx, key)
		pttl = p.PTTL(ctx, key)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, 0, opError("GET", err)
	}
	v, err := get.Bytes()
	if err != nil {
		if errors.Is(err, redis.Nil) {
			return nil, 0, cache.ErrMiss
		}
		return nil, 0, opError("GET", err)
	}
	ttl := pttl.Val()
	if ttl < 0 {
		ttl = 0 // -1: no expiry; -2 cannot follow a GET that found the key
	}
	return v, ttl, nil
}

// Set implements cache.Cache.
func (c *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := checkTTL("SET", ttl); err != nil {
		return err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	if err := c.client.Set(ctx, key, value, roundTTL(ttl)).Err(); err != nil {
		return opError("SET", err)
	}
	return nil
}

// Add implements cache.Cache with SET PX NX.
func (c *Cache) Add(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := checkTTL("SET NX", ttl); err != nil {
		return err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	ok, err := c.client.SetNX(ctx, key, value, roundTTL(ttl)).Result()
	if err != nil {
		return opError("SET NX", err)
	}
	if !ok {
		return cache.ErrNotStored
	}
	return nil
}

// Replace implements cache.Cache with SET PX XX.
func (c *Cache) Replace(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := checkTTL("SET XX", ttl); err != nil {
		return err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	ok, err := c.client.SetXX(ctx, key, value, roundTTL(ttl)).Result()
	if err != nil {
		return opError("SET XX", err)
	}
	if !ok {
		return cache.ErrMiss
	}
	return nil
}

// Delete implements cache.Cache.
func (c *Cache) Delete(ctx context.Context, key string) error {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	if err := c.client.Del(ctx, key).Err(); err != nil {
		return opError("DEL", err)
	}
	return nil
}

// The compare-and-swap scripts touch one key, so they run on a Cluster
// too. They answer 0 for a missing key, 1 for another value, 2 for done.
// go-redis sends them by EVALSHA and falls back to EVAL when the server
// does not have them yet (after a restart or a failover).
var (
	casScript = redis.NewScript(`
local v = redis.call("GET", KEYS[1])
if not v then return 0 end
if v ~= ARGV[1] then return 1 end
redis.call("SET", KEYS[1], ARGV[2], "PX", ARGV[3])
return 2`)
	cadScript = redis.NewScript(`
local v = redis.call("GET", KEYS[1])
if not v then return 0 end
if v ~= ARGV[1] then return 1 end
redis.call("DEL", KEYS[1])
return 2`)
)

// CompareAndSwap implements cache.Cache with a Lua script: GET, compare,
// SET PX, atomically on the server.
func (c *Cache) CompareAndSwap(ctx context.Context, key string, old, value []byte, ttl time.Duration) error {
	if err := checkTTL("compare-and-swap", ttl); err != nil {
		return err
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	n, err := casScript.Run(ctx, c.client, []string{key}, old, value, roundTTL(ttl).Milliseconds()).Int()
	return scriptResult("compare-and-swap", n, err)
}

// CompareAndDelete implements cache.Cache with a Lua script: GET, compare,
// DEL, atomically on the server.
func (c *Cache) CompareAndDelete(ctx context.Context, key string, old []byte) error {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	n, err := cadScript.Run(ctx, c.client, []string{key}, old).Int()
	return scriptResult("compare-and-delete", n, err)
}

func scriptResult(op string, n int, err error) error {
	switch {
	case err != nil:
		return opError(op+" script", err)
	case n == 0:
		return cache.ErrMiss
	case n == 1:
		return cache.ErrConflict
	}
	return nil
}

// opError says which command failed; it never includes the key, which may
// be a live session key.
func opError(cmd string, err error) error {
	return fmt.Errorf("rediscache: %s: %w", cmd, err)
}

func checkTTL(cmd string, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("rediscache: %s: %w (got %v)", cmd, cache.ErrInvalidTTL, ttl)
	}
	return nil
}

// roundTTL rounds ttl up to Redis's resolution, a millisecond, so that a
// short ttl is never sent as zero (which go-redis would turn into "no
// expiry").
func roundTTL(ttl time.Duration) time.Duration {
	if r := ttl % time.Millisecond; r != 0 {
		ttl += time.Millisecond - r
	}
	return ttl
}
