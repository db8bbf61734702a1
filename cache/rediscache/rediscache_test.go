package rediscache_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/sessionkit/cache"
	"github.com/sessionkit/sessionkit/cache/cachetest"
	"github.com/sessionkit/sessionkit/cache/rediscache"
	"github.com/sessionkit/sessionkit/internal/faultproxy"
	"github.com/sessionkit/sessionkit/internal/testenv"
)

func open(t *testing.T, url string) *rediscache.Cache {
	t.Helper()
	c, err := rediscache.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestConformanceSingle(t *testing.T) {
	c := open(t, "redis://"+testenv.RedisAddr(t)+"/0")
	cachetest.Run(t, func(*testing.T) cache.Cache { return c }, cachetest.Options{Resolution: 100 * time.Millisecond})
}

func TestConformanceCluster(t *testing.T) {
	c := open(t, "redis+cluster://"+strings.Join(testenv.RedisClusterAddrs(t), ","))
	if _, ok := c.Client().(*redis.ClusterClient); !ok {
		t.Fatalf("a redis+cluster URL made a %T, want a *redis.ClusterClient", c.Client())
	}
	cachetest.Run(t, func(*testing.T) cache.Cache { return c }, cachetest.Options{Resolution: 100 * time.Millisecond})
}

func TestConformanceClusterOneSeed(t *testing.T) {
	// One seed is enough: the client discovers the other masters, and keys
	// of every slot work.
	c := open(t, "redis+cluster://"+testenv.RedisClusterAddrs(t)[0])
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		key := "rediscache-test:seed:" + k
		if err := c.Set(ctx, key, []byte(k), time.Minute); err != nil {
			t.Fatalf("Set(%s): %v", key, err)
		}
		if v, err := c.Get(ctx, key); err != nil || string(v) != k {
			t.Fatalf("Get(%s) = %q, %v", key, v, err)
		}
		c.Delete(ctx, key)
	}
}

func TestNewWithUserClient(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t)})
	c := rediscache.New(client, rediscache.Config{})
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	// Close left the caller's client alone.
	if err := client.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("the caller's client was closed by Cache.Close: %v", err)
	}
	client.Close()
}

func TestTTLPrecision(t *testing.T) {
	c := open(t, "redis://"+testenv.RedisAddr(t))
	ctx := context.Background()
	key := "rediscache-test:ttl"
	t.Cleanup(func() { c.Delete(ctx, key) })
	if err := c.Set(ctx, key, []byte("v"), 1500*time.Millisecond+time.Microsecond); err != nil {
		t.Fatal(err)
	}
	pttl, err := c.Client().PTTL(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	// Rounded up to a millisecond, not down to a second.
	if pttl <= 1400*time.Millisecond || pttl > 1501*time.Millisecond {
		t.Fatalf("PTTL = %v, want about 1.501s", pttl)
	}
}

// A dead or cut-off server must cost the caller one clear error within the
// timeout, never a hang.
func TestFaultsBoundedByTimeout(t *testing.T) {
	p, err := faultproxy.Start(testenv.RedisAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	opts, err := rediscache.ParseURL("redis://" + p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewUniversalClient(opts)
	t.Cleanup(func() { client.Close() })
	const timeout = 300 * time.Millisecond
	c := rediscache.New(client, rediscache.Config{Timeout: timeout})
	ctx := context.Background()
	key := "rediscache-test:fault"
	if err := c.Set(ctx, key, []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Delete(ctx, key) })

	for _, fault := range []struct {
		name  string
		apply func()
	}{
		{"stall", p.Stall},
		{"refuse", func() { p.Refuse(); p.DropAll() }},
		{"drop", p.DropAll},
	} {
		t.Run(fault.name, func(t *testing.T) {
			fault.apply()
			t.Cleanup(func() { p.Restore() })
			for _, op := range []struct {
				name string
				do   func() error
			}{
				{"Get", func() error { _, err := c.Get(ctx, key); return err }},
				{"Set", func() error { return c.Set(ctx, key, []byte("v"), time.Minute) }},
				{"Add", func() error { return c.Add(ctx, key+"x", []byte("v"), time.Minute) }},
				{"Replace", func() error { return c.Replace(ctx, key, []byte("v"), time.Minute) }},
				{"Delete", func() error { return c.Delete(ctx, key+"y") }},
			} {
				t0 := time.Now()
				err := op.do()
				took := time.Since(t0)
				// Slack for a loaded CI machine; a hang would be seconds.
				if took > timeout+time.Second {
					t.Errorf("%s took %v with the server %s, want at most about %v", op.name, took, fault.name, timeout)
				}
				if fault.name == "drop" {
					// A dropped connection is replaced transparently.
					if err != nil && !errors.Is(err, cache.ErrNotStored) {
						t.Errorf("%s after DropAll: %v", op.name, err)
					}
					p.DropAll()
					continue
				}
				if err == nil || errors.Is(err, cache.ErrMiss) || errors.Is(err, cache.ErrNotStored) {
					t.Errorf("%s with the server %s = %v, want a failure", op.name, fault.name, err)
				}
				if !strings.HasPrefix(err.Error(), "rediscache: ") {
					t.Errorf("%s error %q does not say where it comes from", op.name, err)
				}
			}
		})
	}
	// And it recovers.
	p.Restore()
	if v, err := c.Get(ctx, key); err != nil || string(v) != "v" {
		t.Fatalf("Get after Restore = %q, %v", v, err)
	}
}

func TestDeadServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c := open(t, "redis://"+addr)
	t0 := time.Now()
	_, err = c.Get(context.Background(), "k")
	if err == nil || errors.Is(err, cache.ErrMiss) {
		t.Fatalf("Get from a dead server = %v, want an error", err)
	}
	if d := time.Since(t0); d > 2*time.Second {
		t.Fatalf("Get from a dead server took %v", d)
	}
}

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url     string
		check   func(t *testing.T, o *redis.UniversalOptions)
		wantErr string
	}{
		{url: "redis://localhost", check: func(t *testing.T, o *redis.UniversalOptions) {
			want(t, "Addrs", strings.Join(o.Addrs, ","), "localhost:6379")
			want(t, "DB", o.DB, 0)
			want(t, "cluster", o.IsClusterMode, false)
			want(t, "TLS", o.TLSConfig == nil, true)
			want(t, "DialTimeout", o.DialTimeout, rediscache.DefaultDialTimeout)
			want(t, "ReadTimeout", o.ReadTimeout, rediscache.DefaultReadTimeout)
			want(t, "MaxRetries", o.MaxRetries, rediscache.DefaultMaxRetries)
			want(t, "ContextTimeoutEnabled", o.ContextTimeoutEnabled, true)
		}},
		{url: "redis://:s3cret@10.0.0.5:6380/3", check: func(t *testing.T, o *redis.UniversalOptions) {
			want(t, "Addrs", strings.Join(o.Addrs, ","), "10.0.0.5:6380")
			want(t, "Password", o.Password, "s3cret")
			want(t, "Username", o.Username, "")
			want(t, "DB", o.DB, 3)
		}},
		{url: "rediss://app:p%40ss@cache.example:6390/1?read_timeout=2s&pool_size=7&max_retries=-1&client_name=web", check: func(t *testing.T, o *redis.UniversalOptions) {
			want(t, "Username", o.Username, "app")
			want(t, "Password", o.Password, "p@ss")
			want(t, "TLS", o.TLSConfig != nil, true)
			want(t, "ReadTimeout", o.ReadTimeout, 2*time.Second)
			want(t, "PoolSize", o.PoolSize, 7)
			want(t, "MaxRetries", o.MaxRetries, -1)
			want(t, "ClientName", o.ClientName, "web")
		}},
		{url: "redis://[::1]:7000", check: func(t *testing.T, o *redis.UniversalOptions) {
			want(t, "Addrs", strings.Join(o.Addrs, ","), "[::1]:7000")
		}},
		{url: "redis+cluster://h1:7001,h2:7002,[::1]:7003,h4", check: func(t *testing.T, o *redis.UniversalOptions) {
			want(t, "Addrs", strings.Join(o.Addrs, ","), "h1:7001,h2:7002,[::1]:7003,h4:6379")
			want(t, "cluster", o.IsClusterMode, true)
		}},
		{url: "rediss+cluster://:pw@h1:7001?skip_verify=true", check: func(t *testing.T, o *redis.UniversalOptions) {
			want(t, "cluster", o.IsClusterMode, true)
			want(t, "InsecureSkipVerify", o.TLSConfig.InsecureSkipVerify, true)
			want(t, "Password", o.Password, "pw")
		}},
		{url: "redis+sentinel://:masterpw@s1,s2:26380/2?master=mymaster&sentinel_password=sp", check: func(t *testing.T, o *redis.UniversalOptions) {
			want(t, "Addrs", strings.Join(o.Addrs, ","), "s1:26379,s2:26380")
			want(t, "MasterName", o.MasterName, "mymaster")
			want(t, "Password", o.Password, "masterpw")
			want(t, "SentinelPassword", o.SentinelPassword, "sp")
			want(t, "DB", o.DB, 2)
			want(t, "cluster", o.IsClusterMode, false)
		}},
		{url: "localhost:6379", wantErr: "missing scheme"},
		{url: "http://localhost", wantErr: "unknown scheme"},
		{url: "redis://h1:1,h2:2", wantErr: "redis+cluster://"},
		{url: "redis+cluster://h1:7001/2", wantErr: "only database 0"},
		{url: "redis+sentinel://s1", wantErr: "master="},
		{url: "redis://h/notanumber", wantErr: "database number"},
		{url: "redis://h:99999", wantErr: "bad port"},
		{url: "redis://h?read_timeout=soon", wantErr: "read_timeout"},
		{url: "redis://h?read_timout=1s", wantErr: `unknown option "read_timout"`},
		{url: "redis://h?skip_verify=true", wantErr: "needs TLS"},
		{url: "redis://::1:6379", wantErr: "brackets"},
		{url: "redis://,h2", wantErr: "empty host"},
		{url: "redis://:hunter2@h?pool_size=x", wantErr: "pool_size"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			o, err := rediscache.ParseURL(tc.url)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, rediscache.ErrBadURL) {
					t.Fatalf("ParseURL(%q) error = %v, want ErrBadURL mentioning %q", tc.url, err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Fatalf("the error reveals the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseURL(%q): %v", tc.url, err)
			}
			tc.check(t, o)
		})
	}
}

func want[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"redis://localhost", "rediss://u:p@h:1/2?read_timeout=1s", "redis+cluster://a:1,b:2,[::1]:3",
		"redis+sentinel://s1,s2?master=m", "redis://[::1", "redis://@", "redis://h:/?",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := rediscache.ParseURL(s)
		if err != nil {
			if !errors.Is(err, rediscache.ErrBadURL) {
				t.Fatalf("error %v does not wrap ErrBadURL", err)
			}
			return
		}
		if len(o.Addrs) == 0 {
			t.Fatalf("ParseURL(%q) succeeded with no address", s)
		}
		for _, a := range o.Addrs {
			if _, _, err := net.SplitHostPort(a); err != nil {
				t.Fatalf("ParseURL(%q) gave address %q: %v", s, a, err)
			}
		}
	})
}

// TestSentinel starts a Redis Sentinel that watches the test Redis and
// reaches it through a redis+sentinel:// URL.
func TestSentinel(t *testing.T) {
	master := testenv.RedisAddr(t)
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		testenv.Missing(t, "redis-server (to start a Sentinel)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	host, mport, _ := net.SplitHostPort(master)
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, "port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor sessionkit %s %s 1\n", port, dir, host, mport), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, conf, "--sentinel")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if i > 100 {
			t.Fatal("the Sentinel did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	c := open(t, "redis+sentinel://"+addr+"?master=sessionkit")
	ctx := context.Background()
	key := "rediscache-test:sentinel:" + fmt.Sprint(time.Now().UnixNano())
	if err := c.Set(ctx, key, []byte("via sentinel"), time.Minute); err != nil {
		t.Fatalf("Set through the Sentinel: %v", err)
	}
	defer c.Delete(ctx, key)
	// The value is on the master the Sentinel named.
	direct := open(t, "redis://"+master)
	if v, err := direct.Get(ctx, key); err != nil || string(v) != "via sentinel" {
		t.Fatalf("on the master: %q, %v", v, err)
	}
}

// TestScriptsAfterFlush: the compare-and-swap scripts still run when the
// server has forgotten them (a restart, a failover to a replica that never
// loaded them): EVALSHA's NOSCRIPT falls back to EVAL.
func TestScriptsAfterFlush(t *testing.T) {
	for name, url := range map[string]string{
		"Single":  "redis://" + testenv.RedisAddr(t),
		"Cluster": "redis+cluster://" + strings.Join(testenv.RedisClusterAddrs(t), ","),
	} {
		t.Run(name, func(t *testing.T) {
			c := open(t, url)
			ctx := context.Background()
			key := fmt.Sprintf("rediscache-test:flush:%d", time.Now().UnixNano())
			t.Cleanup(func() { c.Delete(ctx, key) })
			if err := c.Set(ctx, key, []byte("a"), time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := c.CompareAndSwap(ctx, key, []byte("a"), []byte("b"), time.Minute); err != nil {
				t.Fatal(err)
			}
			flush := func() {
				if cc, ok := c.Client().(*redis.ClusterClient); ok {
					err := cc.ForEachShard(ctx, func(ctx context.Context, n *redis.Client) error { return n.ScriptFlush(ctx).Err() })
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				if err := c.Client().ScriptFlush(ctx).Err(); err != nil {
					t.Fatal(err)
				}
			}
			flush()
			if err := c.CompareAndSwap(ctx, key, []byte("b"), []byte("c"), time.Minute); err != nil {
				t.Fatalf("CompareAndSwap after SCRIPT FLUSH: %v", err)
			}
			flush()
			if err := c.CompareAndDelete(ctx, key, []byte("c")); err != nil {
				t.Fatalf("CompareAndDelete after SCRIPT FLUSH: %v", err)
			}
			if _, err := c.Get(ctx, key); !errors.Is(err, cache.ErrMiss) {
				t.Fatalf("Get after CompareAndDelete = %v, want a miss", err)
			}
		})
	}
}

// TestGetTTL: GetTTL returns the value with its remaining time to live, 0
// for a key without expiry, and ErrMiss for none, on one server and on a
// Cluster.
func TestGetTTL(t *testing.T) {
	for name, url := range map[string]string{
		"Single":  "redis://" + testenv.RedisAddr(t) + "/0",
		"Cluster": "redis+cluster://" + strings.Join(testenv.RedisClusterAddrs(t), ","),
	} {
		t.Run(name, func(t *testing.T) {
			c := open(t, url)
			ctx := context.Background()
			key := fmt.Sprintf("rediscache-test:getttl:%d", time.Now().UnixNano())
			t.Cleanup(func() { c.Delete(ctx, key) })
			if err := c.Set(ctx, key, []byte("v"), time.Hour); err != nil {
				t.Fatal(err)
			}
			v, ttl, err := c.GetTTL(ctx, key)
			if err != nil || string(v) != "v" || ttl <= 59*time.Minute || ttl > time.Hour {
				t.Fatalf("GetTTL = %q, %v, %v; want v with about an hour", v, ttl, err)
			}
			if err := c.Client().Persist(ctx, key).Err(); err != nil {
				t.Fatal(err)
			}
			if v, ttl, err := c.GetTTL(ctx, key); err != nil || string(v) != "v" || ttl != 0 {
				t.Fatalf("GetTTL of a key without expiry = %q, %v, %v; want v, 0", v, ttl, err)
			}
			if _, _, err := c.GetTTL(ctx, key+"-missing"); !errors.Is(err, cache.ErrMiss) {
				t.Fatalf("GetTTL of a missing key = %v, want ErrMiss", err)
			}
		})
	}
}
