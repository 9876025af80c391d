#!/usr/bin/env bash
# A throw-away PostgreSQL server for CI and the tests (tests/serving start it through this script).
#
#   .ci/postgres.sh start    install PostgreSQL from Debian if absent, initdb (once), start on
#                            127.0.0.1:$PORT, create the database; prints the env vars to use
#   .ci/postgres.sh stop     stop the server (no-op when it is not running)
#   .ci/postgres.sh status   exit 0 when the server is running
#   .ci/postgres.sh env      print the env vars (`eval "$(.ci/postgres.sh env)"`)
#
# Idempotent: `start` on a running server only prints the env. Settings (env, with defaults):
#   WOONSIGNAAL_PG_TEST_DIR   /tmp/woonsignaal-pg   data dir, log and socket live here
#   WOONSIGNAAL_PG_TEST_PORT  55432
#   WOONSIGNAAL_PG_TEST_DB    woonsignaal
# The superuser `postgres` gets the password `woonsignaal-ci` (scram over TCP; trust only on the socket
# inside the data dir). This server is for tests: it listens on 127.0.0.1 only and runs with fsync=off.
set -euo pipefail

DIR="${WOONSIGNAAL_PG_TEST_DIR:-/tmp/woonsignaal-pg}"
PORT="${WOONSIGNAAL_PG_TEST_PORT:-55432}"
DB="${WOONSIGNAAL_PG_TEST_DB:-woonsignaal}"
SUPERUSER=postgres
PASSWORD=woonsignaal-ci
DATA="$DIR/data"
LOG="$DIR/server.log"

die() { echo "postgres.sh: $*" >&2; exit 1; }

pg_bindir() {
  local initdb
  initdb=$(ls -1 /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$initdb" ] && dirname "$initdb"
}

install_postgres() {
  [ -n "$(pg_bindir)" ] && return 0
  [ "$(id -u)" = 0 ] || die "PostgreSQL is not installed and installing it needs root: apt-get install postgresql"
  echo "postgres.sh: installing PostgreSQL from Debian packages" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
  [ -n "$(pg_bindir)" ] || die "apt-get install postgresql did not provide /usr/lib/postgresql/*/bin/initdb"
}

# Run a PostgreSQL server binary as the postgres user (initdb and postgres refuse to run as root).
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    local cmd
    cmd=$(printf '%q ' "$@")
    su postgres -s /bin/bash -c "$cmd"
  else
    "$@"
  fi
}

print_env() {
  cat <<EOF
export WOONSIGNAAL_PG_HOST=127.0.0.1
export WOONSIGNAAL_PG_PORT=$PORT
export WOONSIGNAAL_PG_USER=$SUPERUSER
export WOONSIGNAAL_PG_PASSWORD=$PASSWORD
export WOONSIGNAAL_PG_DATABASE=$DB
export WOONSIGNAAL_PG_DBNAME=$DB
EOF
}

is_running() {
  local bin
  bin=$(pg_bindir) || return 1
  [ -n "$bin" ] && [ -f "$DATA/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

psql_super() {
  PGPASSWORD="$PASSWORD" "$(pg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U "$SUPERUSER" "$@"
}

start() {
  install_postgres
  local bin
  bin=$(pg_bindir)
  mkdir -p "$DIR"
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$DIR"
    su postgres -s /bin/bash -c "test -w $(printf '%q' "$DIR")" \
      || die "the postgres user cannot write $DIR (a parent folder is not accessible to it); set WOONSIGNAAL_PG_TEST_DIR"
  fi
  # one starter at a time (pytest-xdist workers may call start together)
  exec 9>"$DIR/.lock"
  flock 9
  if [ ! -f "$DATA/PG_VERSION" ]; then
    local pwfile="$DIR/.pw"
    printf '%s\n' "$PASSWORD" >"$pwfile"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$pwfile"
    as_pg "$bin/initdb" -D "$DATA" -U "$SUPERUSER" --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$DIR/initdb.log" 2>&1 \
      || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
    rm -f "$pwfile"
  fi
  if ! is_running; then
    as_pg "$bin/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >&2 || { tail -n 30 "$LOG" >&2 || true; die "the server did not start (port $PORT in use?)"; }
  fi
  if [ "$(psql_super -d postgres -tAc "select 1 from pg_database where datname = '$DB'")" != 1 ]; then
    psql_super -d postgres -c "create database \"$DB\""
  fi
  flock -u 9
  print_env
}

stop() {
  if is_running; then
    as_pg "$(pg_bindir)/pg_ctl" -D "$DATA" -m fast -w stop >&2
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) is_running ;;
  env) print_env ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
