#!/usr/bin/env bash
# Load test of `sessionkit serve`, engine by engine: the ReadModifyWrite
# flow, driven by wrk on 127.0.0.1 for a bounded time.
#
# Each wrk thread has one connection and plays one user: it starts without
# a cookie, keeps the session cookie the server sets, and then sends
# POST /api/session {"counter": N} with it, N counting up. Every request
# loads an existing session, changes one key and saves it (one load and one
# save on the store) and gets the session back as JSON. Prints one Markdown
# table row per engine: requests/s, p50, p99, errors.
#
#   scripts/load.sh                         # every engine whose service answers
#   ENGINES="db cache_redis" DURATION=30s scripts/load.sh
#   scripts/load.sh scs                     # sessionkit against scs on PostgreSQL
#
# "scs" compares sessionkit's db engine on PostgreSQL with alexedwards/scs
# on its pgxstore (pgxpool), on the same database, in one run. Both run as
# twin servers of the bench module with the same handlers and the same
# http.Server (bench/cmd/skserve and bench/cmd/scsserve), so that the rows
# compare the libraries rather than the playground's extras. CONNS (8) wrk
# connections share ONE session, first reading it (GET /api/session: one
# load per request), then writing it (POST /api/session: one load and one
# save per request, incrementing a counter). sessionkit runs twice: with
# concurrent saves merged (its default: no write lost) and with the last
# save winning (what scs does). Each server is then driven again at fixed
# rates that all of them sustain (READ_RATE, 10000/s, and WRITE_RATE,
# 2000/s, with hey from Debian), so that latencies compare at equal load:
# in wrk's rows a faster server gets more requests and a busier machine.
# ROUNDS (2) alternates the servers so that neither always runs on a
# warmer or quieter machine. Prints one Markdown table row per server,
# workload and round.
#
#   scripts/load.sh incr                    # lost increments, merge vs exclusive
#   scripts/load.sh keys                    # keys kept by 50 concurrent writers
#
# "incr" puts CONNS (8) wrk connections on one session, each sending
# POST /api/session/incr {"key": "n"} (a read-modify-write in the handler)
# for DURATION, once with concurrent saves merged (the default) and once in
# the exclusive mode (SESSIONKIT_LOCK); "lost" is the 200 answers minus the
# final n (increments the server made for requests wrk stopped waiting
# for at the end show as "in flight"). "keys" releases N (50) requests together on one session, each
# setting a key of its own, ROUNDS (3) times per engine and mode, and
# prints how many keys each round kept.
#
# Settings (environment): ENGINES (default: all below), DURATION (10s),
# USERS (16: wrk threads, one connection each), CONNS, ROUNDS, READ_RATE
# and WRITE_RATE (scs),
# SESSIONKIT_BIN (a sessionkit binary to use instead of building one), PG_URL, MYSQL_URL, REDIS_ADDR,
# MEMCACHED_ADDRS. Engines: memory db db_postgres db_mysql file cache_redis
# cache_memcached cached_db signed_cookies.
#
# wrk comes from Debian (installed when missing, as root). The server and
# wrk share the machine's cores: compare rows of one run, not machines.
set -euo pipefail
cd "$(dirname "$0")/.."

ENGINES=${ENGINES:-"memory db db_postgres db_mysql file cache_redis cache_memcached cached_db signed_cookies"}
DURATION=${DURATION:-10s}
USERS=${USERS:-16}
PG_URL=${PG_URL:-"postgres://postgres@127.0.0.1:5432/test?sslmode=disable"}
MYSQL_URL=${MYSQL_URL:-"mysql://root@127.0.0.1:3306/test"}
REDIS_ADDR=${REDIS_ADDR:-127.0.0.1:6379}
MEMCACHED_ADDRS=${MEMCACHED_ADDRS:-"127.0.0.1:11211,127.0.0.1:11212"}

log() { printf 'load: %s\n' "$*" >&2; }
answers() { (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }

# need TOOL: installs a Debian package of that name when it is missing.
need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "$(id -u)" != 0 ]; then
		log "$1 is not installed; run as root, or: apt-get install $1"
		exit 1
	fi
	log "installing $1"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -q --no-install-recommends "$1" >/dev/null
}
need wrk

work=$(mktemp -d)
server_pid=
cleanup() {
	if [ -n "$server_pid" ]; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${SESSIONKIT_BIN:-}" ]; then
	# A sessionkit built elsewhere (an older commit, for a before/after).
	cp "$SESSIONKIT_BIN" "$work/sessionkit"
else
	log "building sessionkit"
	go build -o "$work/sessionkit" ./cmd/sessionkit
fi

# ms VALUE: wrk's latency ("850.00us", "1.23ms", "1.01s") in milliseconds.
ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0
		if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000
		printf "%.2f", n
	}'
}

# row FILE: "requests/s | p50 | p99 | errors" from wrk's output.
row() {
	local rps p50 p99 errors
	rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$1")
	p50=$(ms "$(awk '$1 == "50%" { print $2 }' "$1")")
	p99=$(ms "$(awk '$1 == "99%" { print $2 }' "$1")")
	errors=$(awk '/Non-2xx or 3xx responses:/ { n += $NF } /Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' "$1")
	echo "$rps | $p50 | $p99 | $errors"
}

# hey_row FILE: "requests/s | p50 | p99 | errors" from hey's output (its
# latencies are in seconds, to the 0.1 ms).
hey_row() {
	awk '/Requests\/sec:/ { rps = $2 }
		/ 50% in / { p50 = $3 * 1000 }
		/ 99% in / { p99 = $3 * 1000 }
		/^Status code distribution:/ { section = "status"; next }
		/^Error distribution:/ { section = "error"; next }
		section == "status" && /^  \[/ { if ($1 !~ /^\[2/) errors += $2 }
		section == "error" && /^  \[/ { n = $1; gsub(/[][]/, "", n); errors += n }
		END { printf "%.0f | %.2f | %.2f | %d", rps, p50, p99, errors }' "$1"
}

# start NAME COMMAND...: runs a server in the background until it prints
# its http:// line (30 s at most).
start() {
	local name=$1
	shift
	"$@" >"$work/$name.out" 2>"$work/$name.err" &
	server_pid=$!
	for _ in $(seq 1 300); do
		grep -q 'http://' "$work/$name.out" 2>/dev/null && return 0
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	log "$name did not start within 30 s:"
	cat "$work/$name.err" >&2
	stop
	return 1
}

stop() {
	kill -TERM "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	server_pid=
}

if [ "${1:-}" = scs ]; then
	CONNS=${CONNS:-8}
	ROUNDS=${ROUNDS:-2}
	READ_RATE=${READ_RATE:-10000}
	WRITE_RATE=${WRITE_RATE:-2000}
	answers 127.0.0.1:5432 || { log "PostgreSQL does not answer on 127.0.0.1:5432"; exit 1; }
	need hey
	log "building bench/cmd/skserve and bench/cmd/scsserve"
	(cd bench && go build -o "$work/skserve" ./cmd/skserve && go build -o "$work/scsserve" ./cmd/scsserve)
	cat >"$work/write.lua" <<'EOF'
-- One session shared by every connection (its cookie is given with -H):
-- POST /api/session, which increments the session's counter on both
-- servers (the body, {"counter": N}, is not read).
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
	n = n + 1
	return wrk.format(nil, "/api/session", nil, '{"counter":' .. n .. '}')
end
EOF
	threads=$((CONNS < 2 ? CONNS : 2))
	echo "| server | store | workload | round | requests/s | p50 (ms) | p99 (ms) | errors |"
	echo "|---|---|---|---:|---:|---:|---:|---:|"
	for round in $(seq 1 "$ROUNDS"); do
		for server in sessionkit sessionkit-lww scs; do
			case $server in
			sessionkit)
				label="db engine (database/sql + pgx), merged saves"
				port=18091
				start skserve "$work/skserve" --addr "127.0.0.1:$port" --db "$PG_URL" || exit 1
				;;
			sessionkit-lww)
				label="db engine (database/sql + pgx), last save wins"
				port=18093
				start skserve "$work/skserve" --addr "127.0.0.1:$port" --db "$PG_URL" --lww || exit 1
				;;
			scs)
				label="pgxstore (pgxpool)"
				port=18092
				start scsserve "$work/scsserve" --addr "127.0.0.1:$port" --db "$PG_URL" || exit 1
				;;
			esac
			# One session for every connection: create it, keep its cookie.
			cookie=$(curl -s -D - -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"counter":0}' \
				"http://127.0.0.1:$port/api/session" | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -1)
			[ -n "$cookie" ] || { log "$server set no session cookie"; stop; exit 1; }
			wrk -t"$threads" -c"$CONNS" -d"$DURATION" --latency -H "Cookie: $cookie" \
				"http://127.0.0.1:$port/api/session" >"$work/read.out"
			echo "| $server | $label | read | $round | $(row "$work/read.out") |"
			wrk -t"$threads" -c"$CONNS" -d"$DURATION" --latency -H "Cookie: $cookie" -s "$work/write.lua" \
				"http://127.0.0.1:$port/api/session" >"$work/write.out"
			echo "| $server | $label | write | $round | $(row "$work/write.out") |"
			# The same at a fixed rate that every server sustains, so that
			# latencies compare at equal load (wrk's rows do not: a faster
			# server gets more requests and a busier machine).
			hey -z "$DURATION" -c "$CONNS" -q $((READ_RATE / CONNS)) -H "Cookie: $cookie" \
				"http://127.0.0.1:$port/api/session" >"$work/read.hey"
			echo "| $server | $label | read at $READ_RATE/s | $round | $(hey_row "$work/read.hey") |"
			hey -z "$DURATION" -c "$CONNS" -q $((WRITE_RATE / CONNS)) -m POST -H "Cookie: $cookie" \
				-H 'Content-Type: application/json' -d '{"counter":1}' \
				"http://127.0.0.1:$port/api/session" >"$work/write.hey"
			echo "| $server | $label | write at $WRITE_RATE/s | $round | $(hey_row "$work/write.hey") |"
			stop
		done
	done
	exit 0
fi

cat >"$work/rmw.lua" <<'EOF'
-- ReadModifyWrite for one user (a thread with one connection): keep the
-- session cookie, update one key per request.
local cookie = nil
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
	n = n + 1
	local headers = {}
	if cookie then headers["Cookie"] = cookie end
	return wrk.format(nil, "/api/session", headers, '{"counter":' .. n .. '}')
end

response = function(status, headers, body)
	local set = headers["Set-Cookie"] or headers["set-cookie"]
	if set then
		local v = set:match("^(sessionid=[^;]*)")
		if v and v ~= 'sessionid=""' then cookie = v end
	end
end
EOF

# settings ENGINE: "label|settings" for one engine (the store in a few words,
# and serve's environment), or nothing when a service it needs is down.
settings() {
	case $1 in
	memory) echo "in process|SESSION_ENGINE=memory" ;;
	db) echo "SQLite file|SESSION_ENGINE=db DATABASE_URL=sqlite:///$work/load.db" ;;
	db_postgres) answers 127.0.0.1:5432 && echo "PostgreSQL|SESSION_ENGINE=db DATABASE_URL=$PG_URL" ;;
	db_mysql) answers 127.0.0.1:3306 && echo "MariaDB|SESSION_ENGINE=db DATABASE_URL=$MYSQL_URL" ;;
	file) mkdir -p "$work/files" && echo "files|SESSION_ENGINE=file SESSION_FILE_PATH=$work/files" ;;
	cache_redis) answers "$REDIS_ADDR" && echo "Redis|SESSION_ENGINE=cache CACHE_URL=redis://$REDIS_ADDR/0" ;;
	cache_memcached) answers "${MEMCACHED_ADDRS%%,*}" && echo "memcached ring|SESSION_ENGINE=cache CACHE_URL=memcached://$MEMCACHED_ADDRS" ;;
	cached_db) answers "$REDIS_ADDR" && echo "Redis + SQLite|SESSION_ENGINE=cached_db CACHE_URL=redis://$REDIS_ADDR/0 DATABASE_URL=sqlite:///$work/cached.db" ;;
	signed_cookies) echo "the cookie (encrypted)|SESSION_ENGINE=signed_cookies" ;;
	*) log "unknown engine $1"; return 1 ;;
	esac
}

# serve_engine ENGINE [NAME=value...]: starts serve for ENGINE (see
# settings) on the next port, with extra settings; fails when its service
# is down or serve does not start.
serve_engine() {
	local engine=$1 spec env_settings
	shift
	spec=$(settings "$engine") || { log "$engine: its service does not answer; skipped"; return 1; }
	env_settings=${spec#*|}
	port=$((port + 1))
	# shellcheck disable=SC2086 # env_settings is a list of NAME=value words
	start "$engine" env -u SESSION_ENGINE -u DATABASE_URL -u CACHE_URL -u SESSION_FILE_PATH \
		SECRET_KEY=load-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz $env_settings "$@" \
		"$work/sessionkit" serve --addr "127.0.0.1:$port"
}

# new_session: creates a session on the server at $port; prints its cookie.
new_session() {
	curl -s -D - -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"start":1}' \
		"http://127.0.0.1:$port/api/session" | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -1
}

# Reads of GET /api/session's JSON, with python3.
session_n() { curl -s -H "Cookie: $1" "http://127.0.0.1:$port/api/session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"].get("n", 0))'; }
session_keys() { curl -s -H "Cookie: $1" "http://127.0.0.1:$port/api/session" | python3 -c 'import json,sys; print(sum(1 for k in json.load(sys.stdin)["data"] if k.startswith("k")))'; }

if [ "${1:-}" = incr ]; then
	# CONNS connections on one session, each POST /api/session/incr
	# {"key": "n"} for DURATION: with the merge (the default) and in the
	# exclusive mode. lost = answered 200 - the final n.
	CONNS=${CONNS:-8}
	ENGINES=${ENGINES:-"memory db db_postgres db_mysql file cache_redis cache_memcached cached_db"}
	cat >"$work/incr.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"key": "n"}'
EOF
	threads=$((CONNS < 2 ? CONNS : 2))
	port=18100
	echo "| engine | mode | requests/s | answered 200 | final n | lost | in flight at the end | other answers |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|"
	for engine in $ENGINES; do
		for lock in false true; do
			serve_engine "$engine" SESSIONKIT_LOCK=$lock || continue
			cookie=$(new_session)
			[ -n "$cookie" ] || { log "$engine: no session cookie"; stop; continue; }
			wrk -t"$threads" -c"$CONNS" -d"$DURATION" -H "Cookie: $cookie" -s "$work/incr.lua" \
				"http://127.0.0.1:$port/api/session/incr" >"$work/incr.out"
			total=$(awk '/requests in/ { print $1 }' "$work/incr.out")
			non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$work/incr.out")
			ok=$((total - ${non2xx:-0}))
			n=$(session_n "$cookie")
			mode=merge
			[ "$lock" = true ] && mode=exclusive
			rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$work/incr.out")
			lost=$((ok > n ? ok - n : 0)) late=$((n > ok ? n - ok : 0))
			echo "| $engine | $mode | $rps | $ok | $n | $lost | $late | ${non2xx:-0} |"
			stop
		done
	done
	exit 0
fi

if [ "${1:-}" = keys ]; then
	# What a new user tries: N requests released together on one session,
	# each setting a key of its own; how many keys survive, per round.
	N=${N:-50}
	ROUNDS=${ROUNDS:-3}
	ENGINES=${ENGINES:-"memory db db_postgres db_mysql file cache_redis cache_memcached cached_db"}
	port=18200
	echo "| engine | mode | keys kept of $N, each round |"
	echo "|---|---|---|"
	for engine in $ENGINES; do
		for django in false true; do
			[ "$engine" = memory ] && [ "$django" = true ] && continue # memory has no Django mode
			serve_engine "$engine" SESSIONKIT_DJANGO=$django || continue
			kept=""
			for _ in $(seq 1 "$ROUNDS"); do
				cookie=$(new_session)
				pids=()
				for i in $(seq 1 "$N"); do
					curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -H "Cookie: $cookie" \
						-d "{\"k$i\": $i}" "http://127.0.0.1:$port/api/session" &
					pids+=($!)
				done
				wait "${pids[@]}" # not the server
				kept="$kept $(session_keys "$cookie")"
			done
			mode=native
			[ "$django" = true ] && mode=Django
			echo "| $engine | $mode |$kept |"
			stop
		done
	done
	exit 0
fi

port=18080
echo "| engine | store | requests/s | p50 (ms) | p99 (ms) | errors |"
echo "|---|---|---:|---:|---:|---:|"
for engine in $ENGINES; do
	spec=$(settings "$engine") || { log "$engine: its service does not answer; skipped"; continue; }
	label=${spec%%|*} env_settings=${spec#*|}
	port=$((port + 1))
	# shellcheck disable=SC2086 # env_settings is a list of NAME=value words
	env -u SESSION_ENGINE -u DATABASE_URL -u CACHE_URL -u SESSION_FILE_PATH \
		SECRET_KEY=load-test-secret-key $env_settings \
		"$work/sessionkit" serve --addr "127.0.0.1:$port" >"$work/serve.out" 2>"$work/serve.err" &
	server_pid=$!
	for _ in $(seq 1 300); do
		grep -q '^sessionkit serve: http' "$work/serve.out" 2>/dev/null && break
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q '^sessionkit serve: http' "$work/serve.out"; then
		log "$engine: serve did not start within 30 s:"; cat "$work/serve.err" >&2
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
		server_pid=
		continue
	fi
	log "$engine: $(sed -n 's/^sessionkit serve: [^ ]* — //p' "$work/serve.out" | head -1); wrk -t$USERS -c$USERS -d$DURATION"
	wrk -t"$USERS" -c"$USERS" -d"$DURATION" --latency -s "$work/rmw.lua" \
		"http://127.0.0.1:$port" >"$work/wrk.out"
	kill -TERM "$server_pid"
	wait "$server_pid" || log "$engine: serve exited with $?"
	server_pid=

	rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$work/wrk.out")
	p50=$(ms "$(awk '$1 == "50%" { print $2 }' "$work/wrk.out")")
	p99=$(ms "$(awk '$1 == "99%" { print $2 }' "$work/wrk.out")")
	errors=$(awk '/Non-2xx or 3xx responses:/ { n += $NF } /Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' "$work/wrk.out")
	echo "| $engine | $label | $rps | $p50 | $p99 | $errors |"
done
