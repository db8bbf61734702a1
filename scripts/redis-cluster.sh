#!/usr/bin/env bash
# Starts the 3-master Redis Cluster the tests use on 127.0.0.1:7001-7003
# (no replicas, no persistence, each node in its own temporary directory).
# Idempotent: a cluster that already answers with cluster_state:ok is left
# alone; nodes that answer are reused, missing ones are started.
#
# Override the ports with REDIS_CLUSTER_PORTS="7001 7002 7003".
set -euo pipefail

ports=${REDIS_CLUSTER_PORTS:-"7001 7002 7003"}

for cmd in redis-server redis-cli; do
	if ! command -v "$cmd" >/dev/null 2>&1; then
		if [ "$(id -u)" -ne 0 ]; then
			echo "redis-cluster.sh: $cmd is not installed; run as root or: apt-get install redis-server" >&2
			exit 1
		fi
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -q --no-install-recommends redis-server redis-tools >/dev/null
	fi
done

cli() { # port args...
	local port=$1
	shift
	redis-cli -h 127.0.0.1 -p "$port" "$@" 2>/dev/null
}

state() { # port -> cluster_state value, or nothing
	cli "$1" cluster info | tr -d '\r' | sed -n 's/^cluster_state://p'
}

slots_assigned() { # port -> number of slots assigned in the node's view
	cli "$1" cluster info | tr -d '\r' | sed -n 's/^cluster_slots_assigned://p'
}

first=${ports%% *}
if [ "$(state "$first")" = ok ]; then
	echo "redis cluster: already up (127.0.0.1:$first reports cluster_state:ok)"
	exit 0
fi

for port in $ports; do
	if [ "$(cli "$port" ping)" = PONG ]; then
		echo "redis cluster: node 127.0.0.1:$port already answers"
		continue
	fi
	dir=$(mktemp -d -t "sessionkit-redis-$port.XXXXXX") # under $TMPDIR
	redis-server --daemonize yes --bind 127.0.0.1 --port "$port" \
		--cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
		--save "" --appendonly no --dir "$dir" \
		--pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
	for _ in $(seq 1 50); do
		[ "$(cli "$port" ping)" = PONG ] && break
		sleep 0.1
	done
	if [ "$(cli "$port" ping)" != PONG ]; then
		echo "redis-cluster.sh: redis-server on 127.0.0.1:$port did not start (log: $dir/redis.log)" >&2
		exit 1
	fi
	echo "redis cluster: started node 127.0.0.1:$port ($dir)"
done

if [ "$(slots_assigned "$first")" = 0 ]; then
	nodes=()
	for port in $ports; do nodes+=("127.0.0.1:$port"); done
	redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >/dev/null
fi

for _ in $(seq 1 100); do
	ok=1
	for port in $ports; do
		[ "$(state "$port")" = ok ] || ok=0
	done
	if [ "$ok" = 1 ]; then
		echo "SESSIONKIT_REDIS_CLUSTER_ADDRS=$(for p in $ports; do printf '127.0.0.1:%s,' "$p"; done | sed 's/,$//')"
		exit 0
	fi
	sleep 0.2
done
echo "redis-cluster.sh: the cluster on ports $ports did not reach cluster_state:ok" >&2
exit 1
