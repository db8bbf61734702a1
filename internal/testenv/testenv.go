// Package testenv finds the real services the tests run against
// (PostgreSQL, MariaDB, Redis, a Redis Cluster, Memcached, Django) and
// decides what a test does when one is missing: skip on a developer's
// machine, fail under CI (CI=true), where every service must be running.
//
// Addresses come from environment variables with the defaults that
// scripts/services.sh starts:
//
//	SESSIONKIT_PG_URL              postgres://postgres@127.0.0.1:5432/test?sslmode=disable
//	SESSIONKIT_MYSQL_DSN           root@tcp(127.0.0.1:3306)/test?parseTime=true
//	SESSIONKIT_REDIS_ADDR          127.0.0.1:6379
//	SESSIONKIT_REDIS_CLUSTER_ADDRS 127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003
//	SESSIONKIT_MEMCACHED_ADDRS     127.0.0.1:11211,127.0.0.1:11212
//	SESSIONKIT_PYTHON              a python3 with Debian's python3-django (default: python3 or /usr/bin/python3)
package testenv

import (
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// CI reports whether the tests run under CI, where a missing service is a
// failure rather than a reason to skip.
func CI() bool { return os.Getenv("CI") == "true" }

// Missing skips the test, or fails it under CI, because what is missing.
func Missing(t testing.TB, what string) {
	t.Helper()
	if CI() {
		t.Fatalf("%s is not available; under CI every service must run (scripts/services.sh starts them)", what)
	}
	t.Skipf("%s is not available; run scripts/services.sh to start it", what)
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// reachable dials every address once.
func reachable(addrs ...string) bool {
	for _, a := range addrs {
		c, err := net.DialTimeout("tcp", a, 2*time.Second)
		if err != nil {
			return false
		}
		c.Close()
	}
	return true
}

// PostgresURL returns the URL of the test PostgreSQL database.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := env("SESSIONKIT_PG_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	p, err := url.Parse(u)
	if err != nil || !reachable(p.Host) {
		Missing(t, "PostgreSQL at "+p.Host)
	}
	return u
}

// MySQLDSN returns the go-sql-driver/mysql DSN of the test MariaDB database.
func MySQLDSN(t testing.TB) string {
	t.Helper()
	dsn := env("SESSIONKIT_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/test?parseTime=true")
	host := "127.0.0.1:3306"
	if i, j := strings.Index(dsn, "tcp("), strings.Index(dsn, ")/"); i >= 0 && j > i {
		host = dsn[i+4 : j]
	}
	if !reachable(host) {
		Missing(t, "MariaDB at "+host)
	}
	return dsn
}

// RedisAddr returns the address of a single Redis server.
func RedisAddr(t testing.TB) string {
	t.Helper()
	a := env("SESSIONKIT_REDIS_ADDR", "127.0.0.1:6379")
	if !reachable(a) {
		Missing(t, "Redis at "+a)
	}
	return a
}

// RedisClusterAddrs returns the seed addresses of the test Redis Cluster.
func RedisClusterAddrs(t testing.TB) []string {
	t.Helper()
	as := strings.Split(env("SESSIONKIT_REDIS_CLUSTER_ADDRS", "127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003"), ",")
	if !reachable(as...) {
		Missing(t, "the Redis Cluster at "+strings.Join(as, ","))
	}
	return as
}

// MemcachedAddrs returns the addresses of the two test memcached servers.
func MemcachedAddrs(t testing.TB) []string {
	t.Helper()
	as := strings.Split(env("SESSIONKIT_MEMCACHED_ADDRS", "127.0.0.1:11211,127.0.0.1:11212"), ",")
	if !reachable(as...) {
		Missing(t, "memcached at "+strings.Join(as, ","))
	}
	return as
}

// Python returns a Python that can import django (Debian's python3-django):
// SESSIONKIT_PYTHON if set, else the first of python3 on PATH and Debian's
// /usr/bin/python3 that has it (a python3 from pyenv or a venv may not).
func Python(t testing.TB) string {
	t.Helper()
	candidates := []string{"python3", "/usr/bin/python3"}
	if py := os.Getenv("SESSIONKIT_PYTHON"); py != "" {
		candidates = []string{py}
	}
	for _, py := range candidates {
		if exec.Command(py, "-c", "import django").Run() == nil {
			return py
		}
	}
	Missing(t, strings.Join(candidates, " or ")+" with Django (Debian package python3-django)")
	return ""
}
