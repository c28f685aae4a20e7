#!/usr/bin/env bash
# A throwaway PostgreSQL for the replica and fault tests (npm run test:faults).
#   scripts/test-postgres.sh start   → prints the DATABASE_URL to use
#   scripts/test-postgres.sh stop
# Uses the machine's PostgreSQL binaries (Debian: apt-get install postgresql); the cluster lives
# in .tools/pg and listens on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${AUTOFIX_TEST_PG_PORT:-55432}"
DATA="$PWD/.tools/pg/data"
LOG="$PWD/.tools/pg/server.log"
URL="postgres://autofix:autofix@127.0.0.1:$PORT/autofix"

bin() {
  local found
  found="$(command -v "$1" 2>/dev/null || true)"
  if [ -z "$found" ]; then found="$(ls -d /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -1)"; fi
  if [ -z "$found" ]; then
    echo "test-postgres: $1 not found; install PostgreSQL (apt-get install postgresql)" >&2
    exit 1
  fi
  echo "$found"
}

# PostgreSQL refuses to run as root: run it as the postgres user then.
as_owner() {
  if [ "$(id -u)" = 0 ]; then setpriv --reuid=postgres --regid=postgres --init-groups "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    mkdir -p "$PWD/.tools/pg"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PWD/.tools/pg"; fi
    if [ ! -f "$DATA/PG_VERSION" ]; then
      as_owner "$(bin initdb)" -D "$DATA" -U postgres --auth=trust --no-sync >/dev/null
    fi
    if ! as_owner "$(bin pg_ctl)" -D "$DATA" status >/dev/null 2>&1; then
      as_owner "$(bin pg_ctl)" -D "$DATA" -l "$LOG" -w \
        -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$PWD/.tools/pg -c fsync=off" \
        start >/dev/null
    fi
    psql=("$(bin psql)" -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qAt)
    if [ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'autofix'")" ]; then
      # CREATEDB: each test world gets a database of its own (test/faults/world.ts freshDatabase).
      "${psql[@]}" -c "CREATE ROLE autofix LOGIN CREATEDB PASSWORD 'autofix'"
      "${psql[@]}" -c "CREATE DATABASE autofix OWNER autofix"
    fi
    "${psql[@]}" -c "ALTER ROLE autofix CREATEDB"
    echo "$URL"
    ;;
  stop)
    if [ -f "$DATA/PG_VERSION" ]; then as_owner "$(bin pg_ctl)" -D "$DATA" -m fast stop >/dev/null || true; fi
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
