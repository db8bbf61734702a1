#!/usr/bin/env bash
# Starts the two memcached servers the tests use (127.0.0.1:11211 and
# 127.0.0.1:11212), installing Debian's memcached first if it is missing.
# Idempotent: a port that already answers is left alone.
#
# Override the ports with MEMCACHED_PORTS="11211 11212".
set -euo pipefail

ports=${MEMCACHED_PORTS:-"11211 11212"}

answers() { # port
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

if ! command -v memcached >/dev/null 2>&1; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "memcached.sh: memcached is not installed; run as root or: apt-get install memcached" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -q --no-install-recommends memcached >/dev/null
fi

user=()
if [ "$(id -u)" -eq 0 ]; then
	# memcached refuses to run as root without -u.
	user=(-u memcache)
fi

for port in $ports; do
	if answers "$port"; then
		echo "memcached: 127.0.0.1:$port already answers"
		continue
	fi
	memcached -d "${user[@]}" -l 127.0.0.1 -p "$port" -U 0 -m 64
	for _ in $(seq 1 50); do
		answers "$port" && break
		sleep 0.1
	done
	if ! answers "$port"; then
		echo "memcached.sh: memcached on 127.0.0.1:$port did not start" >&2
		exit 1
	fi
	echo "memcached: started on 127.0.0.1:$port"
done
echo "SESSIONKIT_MEMCACHED_ADDRS=$(for p in $ports; do printf '127.0.0.1:%s,' "$p"; done | sed 's/,$//')"
