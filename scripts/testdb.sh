#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL cluster on a loopback port for the test suite.
# PostgreSQL refuses to run as root, so as root the cluster belongs to the postgres user.
set -euo pipefail
cmd=${1:?start or stop}
port=${2:-54329}
bindir=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
dir=/tmp/branchwork-pg-$port
as_owner() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
case $cmd in
start)
  [ -x "$bindir/initdb" ] || { echo "PostgreSQL server binaries not found (set PG_BINDIR)" >&2; exit 1; }
  if [ -f "$dir/data/postmaster.pid" ]; then as_owner "$bindir/pg_ctl -D $dir/data stop -m immediate" >/dev/null 2>&1 || true; fi
  rm -rf "$dir"; mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  as_owner "$bindir/initdb -D $dir/data -U postgres --auth=trust --locale=C.UTF-8 --encoding=UTF8" >/dev/null
  as_owner "$bindir/pg_ctl -D $dir/data -l $dir/log -w -o \"-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200\" start" >/dev/null
  as_owner "$bindir/createdb -h 127.0.0.1 -p $port -U postgres branchwork"
  echo "PostgreSQL test cluster on 127.0.0.1:$port"
  ;;
stop)
  [ -d "$dir/data" ] && as_owner "$bindir/pg_ctl -D $dir/data -m fast stop" >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
*) echo "usage: $0 start|stop [port]" >&2; exit 2 ;;
esac
