#!/usr/bin/env bash
# A throw-away PostgreSQL + PostGIS cluster on loopback for the test suite: start | stop.
# Installs postgresql and postgis from the system packages where missing (root, or through sudo).
set -euo pipefail
DIR=${CENTINELA_PG_DIR:-/tmp/centinela-pg-test}
PORT=${CENTINELA_PG_PORT:-54329}
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-start}" in
  start)
    if [ -z "$BIN" ] || ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
      export DEBIAN_FRONTEND=noninteractive
      $SUDO apt-get update -q
      $SUDO apt-get install -y -q --no-install-recommends postgresql postgresql-15-postgis-3
      BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    fi
    "$0" stop >/dev/null 2>&1 || true
    rm -rf "$DIR"; mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR"
    as_pg "$BIN/initdb" -D "$DIR/data" -A trust -U postgres >"$DIR/initdb.log"
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    echo "postgresql://postgres@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    [ -n "$BIN" ] && [ -d "$DIR/data" ] && as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null
    rm -rf "$DIR"
    ;;
esac
