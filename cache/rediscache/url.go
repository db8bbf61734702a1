package rediscache

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults that Open and ParseURL use where the URL says nothing.
const (
	DefaultDialTimeout  = time.Second
	DefaultReadTimeout  = 500 * time.Millisecond
	DefaultWriteTimeout = 500 * time.Millisecond
	DefaultPoolTimeout  = time.Second
	DefaultMaxRetries   = 3
)

// ErrBadURL is wrapped by every error of ParseURL.
var ErrBadURL = errors.New("rediscache: bad Redis URL")

// ParseURL parses a redis://, rediss://, redis+cluster://,
// rediss+cluster://, redis+sentinel:// or rediss+sentinel:// URL (see the
// package documentation) into options for redis.NewUniversalClient, with
// this package's defaults for whatever the URL leaves out.
func ParseURL(rawURL string) (*redis.UniversalOptions, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s (in %s)", ErrBadURL, fmt.Sprintf(format, args...), redact(rawURL))
	}
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return nil, bad("missing scheme; want redis://host:6379/0")
	}
	scheme = strings.ToLower(scheme)
	var mode string
	switch scheme {
	case "redis", "rediss":
		mode = "single"
	case "redis+cluster", "rediss+cluster":
		mode = "cluster"
	case "redis+sentinel", "rediss+sentinel":
		mode = "sentinel"
	default:
		return nil, bad("unknown scheme %q; want redis, rediss, redis+cluster, rediss+cluster, redis+sentinel or rediss+sentinel", scheme)
	}
	tlsOn := strings.HasPrefix(scheme, "rediss")

	// The authority may list several hosts, which net/url cannot parse (it
	// rejects "[::1]:1,[::2]:2"), so it is split here and only the rest goes
	// through net/url.
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	var user *url.Userinfo
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		u, err := url.Parse("redis://" + authority[:i] + "@h")
		if err != nil {
			return nil, bad("bad user information")
		}
		user = u.User
		authority = authority[i+1:]
	}
	defPort := "6379"
	if mode == "sentinel" {
		defPort = "26379"
	}
	var addrs []string
	for _, h := range strings.Split(authority, ",") {
		a, err := hostPort(h, defPort)
		if err != nil {
			return nil, bad("%v", err)
		}
		addrs = append(addrs, a)
	}
	if mode == "single" && len(addrs) > 1 {
		return nil, bad("%d hosts in a redis:// URL; name a cluster redis+cluster://h1:7001,h2:7002 or sentinels redis+sentinel://s1:26379,s2:26379?master=name", len(addrs))
	}
	u, err := url.Parse("redis://h" + tail)
	if err != nil {
		return nil, bad("%v", err)
	}
	if u.Fragment != "" {
		return nil, bad("unexpected fragment")
	}

	o := &redis.UniversalOptions{
		Addrs:                 addrs,
		DialTimeout:           DefaultDialTimeout,
		ReadTimeout:           DefaultReadTimeout,
		WriteTimeout:          DefaultWriteTimeout,
		PoolTimeout:           DefaultPoolTimeout,
		MaxRetries:            DefaultMaxRetries,
		ContextTimeoutEnabled: true,
		IsClusterMode:         mode == "cluster",
	}
	if user != nil {
		o.Username = user.Username()
		o.Password, _ = user.Password()
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		if mode == "cluster" {
			return nil, bad("a cluster has only database 0; remove the path %q", u.Path)
		}
		db, err := strconv.Atoi(p)
		if err != nil || db < 0 {
			return nil, bad("the path must be a database number, got %q", u.Path)
		}
		o.DB = db
	}

	q := u.Query()
	dur := func(name string, dst *time.Duration) error {
		v := q.Get(name)
		q.Del(name)
		if v == "" {
			return nil
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			return bad("%s=%q: want a duration such as 500ms or 2s", name, v)
		}
		if d <= 0 {
			return bad("%s=%q: want a positive duration", name, v)
		}
		*dst = d
		return nil
	}
	num := func(name string, min int, dst *int) error {
		v := q.Get(name)
		q.Del(name)
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < min {
			return bad("%s=%q: want an integer of at least %d", name, v, min)
		}
		*dst = n
		return nil
	}
	for _, f := range []func() error{
		func() error { return dur("dial_timeout", &o.DialTimeout) },
		func() error { return dur("read_timeout", &o.ReadTimeout) },
		func() error { return dur("write_timeout", &o.WriteTimeout) },
		func() error { return dur("pool_timeout", &o.PoolTimeout) },
		func() error { return num("pool_size", 1, &o.PoolSize) },
		func() error { return num("min_idle_conns", 0, &o.MinIdleConns) },
		func() error { return num("max_retries", -1, &o.MaxRetries) },
	} {
		if err := f(); err != nil {
			return nil, err
		}
	}
	o.ClientName = q.Get("client_name")
	q.Del("client_name")
	skipVerify := false
	if v := q.Get("skip_verify"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, bad("skip_verify=%q: want true or false", v)
		}
		skipVerify = b
	}
	q.Del("skip_verify")
	if mode == "sentinel" {
		o.MasterName = q.Get("master")
		o.SentinelUsername = q.Get("sentinel_user")
		o.SentinelPassword = q.Get("sentinel_password")
		q.Del("master")
		q.Del("sentinel_user")
		q.Del("sentinel_password")
		if o.MasterName == "" {
			return nil, bad("a Sentinel URL needs ?master=<name of the master set>")
		}
	}
	for name := range q {
		return nil, bad("unknown option %q", name)
	}
	if tlsOn {
		// ServerName stays empty: crypto/tls takes it from each node's
		// address, which is right for every node of a cluster too.
		o.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: skipVerify}
	} else if skipVerify {
		return nil, bad("skip_verify needs TLS (rediss://)")
	}
	if o.PoolSize == 0 {
		o.PoolSize = 10 * runtime.GOMAXPROCS(0) // go-redis's own default, written out
	}
	return o, nil
}

// hostPort validates one host of the authority and adds the default port.
func hostPort(h, defPort string) (string, error) {
	if h == "" {
		return "", errors.New("empty host")
	}
	host, port := h, defPort
	if strings.HasPrefix(h, "[") { // [v6] or [v6]:port
		i := strings.Index(h, "]")
		if i < 0 {
			return "", fmt.Errorf("host %q: missing ]", h)
		}
		host = h[1:i]
		switch r := h[i+1:]; {
		case r == "":
		case strings.HasPrefix(r, ":"):
			port = r[1:]
		default:
			return "", fmt.Errorf("host %q: unexpected %q after ]", h, r)
		}
	} else if i := strings.LastIndex(h, ":"); i >= 0 {
		host, port = h[:i], h[i+1:]
		if strings.Contains(host, ":") {
			return "", fmt.Errorf("host %q: write an IPv6 address in brackets, [::1]:6379", h)
		}
	}
	if host == "" {
		return "", fmt.Errorf("host %q: empty host name", h)
	}
	if strings.ContainsAny(host, " \t\r\n[]@/?#") {
		return "", fmt.Errorf("host %q: invalid character", h)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("host %q: bad port %q", h, port)
	}
	return net.JoinHostPort(host, port), nil
}

// redact hides the password of a URL for error messages.
func redact(rawURL string) string {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return "the URL"
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	auth := rest[:end]
	if i := strings.LastIndex(auth, "@"); i >= 0 {
		user, _, hasPass := strings.Cut(auth[:i], ":")
		if hasPass {
			auth = user + ":xxxxx" + auth[i:]
		}
	}
	q := rest[end:]
	if strings.Contains(q, "password=") {
		q = q[:strings.Index(q, "?")+1] + "…"
	}
	return scheme + "://" + auth + q
}
