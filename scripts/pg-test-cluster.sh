#!/usr/bin/env bash
# A throw-away PostgreSQL + PostGIS cluster on loopback for the test suite: start | stop.
# Installs postgresql and postgis from the system packages where missing (root, or through sudo);
# CENTINELA_FORCE_INSTALL=1 takes the install branch even where they are present (tests use it).
# Standard output carries one line, the cluster's URL, which `make test` captures; everything the tools
# called here print goes to standard error, so an apt-get progress line can never end up in the URL.
set -euo pipefail
exec 3>&1 1>&2
source "$(dirname "$0")/apt.sh"

DIR=${CENTINELA_PG_DIR:-/tmp/centinela-pg-test}
PORT=${CENTINELA_PG_PORT:-54329}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true; }
has_postgis() { ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

install_postgis() {
  apt_install "PostgreSQL (for the PostGIS test cluster)" postgresql
  # The PostGIS package is named after the server's major version (postgresql-15-postgis-3 on Debian 12).
  local major
  major=$(basename "$(dirname "$(pg_bin)")")
  apt_install "PostGIS (for the PostGIS test cluster)" "postgresql-$major-postgis-3"
}

case "${1:-start}" in
  start)
    if [ "${CENTINELA_FORCE_INSTALL:-0}" = 1 ] || [ -z "$(pg_bin)" ] || ! has_postgis; then
      install_postgis
    fi
    BIN=$(pg_bin)
    if [ -z "$BIN" ] || ! has_postgis; then
      echo "pg-test-cluster: PostgreSQL/PostGIS still missing after installing them" >&2
      exit 1
    fi
    "$0" stop || true
    rm -rf "$DIR"; mkdir -p "$DIR"
    if [ "$(id -u)" = 0 ]; then chown postgres "$DIR"; fi
    as_pg "$BIN/initdb" -D "$DIR/data" -A trust -U postgres >"$DIR/initdb.log"
    # 3>&-: the server outlives this script and must not hold the caller's standard output open.
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off" start 3>&-
    echo "postgresql://postgres@127.0.0.1:$PORT/postgres" >&3
    ;;
  stop)
    BIN=$(pg_bin)
    if [ -n "$BIN" ] && [ -d "$DIR/data" ]; then as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast stop; fi
    rm -rf "$DIR"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
