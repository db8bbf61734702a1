#!/usr/bin/env bash
# Starts every service the tests need, on loopback only, and leaves alone
# whatever already answers: PostgreSQL, MariaDB, Redis, a 3-node Redis
# Cluster, two memcached, plus the Debian packages the tests run (Django for
# the interop tests, Chromium for the browser tests). Idempotent; run as root
# on Debian (CI) or with the services already running (development).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'services: %s\n' "$*"; }
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 150); do answers "$1" && return 0; sleep 0.2; done
  log "nothing answers on 127.0.0.1:$1 after 30 s"; return 1
}

# Debian packages, installed only when missing.
need=()
command -v memcached >/dev/null || need+=(memcached)
command -v redis-server >/dev/null || need+=(redis-server)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
/usr/bin/python3 -c 'import django' 2>/dev/null || need+=(python3-django)
/usr/bin/python3 -c 'import psycopg2' 2>/dev/null || need+=(python3-psycopg2)
/usr/bin/python3 -c 'import pymemcache' 2>/dev/null || need+=(python3-pymemcache)
/usr/bin/python3 -c 'import redis' 2>/dev/null || need+=(python3-redis)
/usr/bin/python3 -c 'import MySQLdb' 2>/dev/null || need+=(python3-mysqldb)
/usr/bin/python3 -c 'import argon2' 2>/dev/null || need+=(python3-argon2)
/usr/bin/python3 -c 'import bcrypt' 2>/dev/null || need+=(python3-bcrypt)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then log "missing packages (${need[*]}); run as root to install them"; exit 1; fi
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi
# PostgreSQL (Debian cluster "main"; trust auth on loopback on these machines).
if ! answers 5432; then
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
  wait_port 5432
fi
# MariaDB.
if ! answers 3306; then
  log "starting MariaDB"
  install -d -o mysql -g root /run/mysqld
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql --bind-address=127.0.0.1
  wait_port 3306
fi
# Redis on 6379.
if ! answers 6379; then
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir /tmp --logfile /tmp/sessionkit-redis.log
  wait_port 6379
fi
# The Redis Cluster and the two memcached.
[ -x scripts/redis-cluster.sh ] && scripts/redis-cluster.sh
[ -x scripts/memcached.sh ] && scripts/memcached.sh
log "ready"
