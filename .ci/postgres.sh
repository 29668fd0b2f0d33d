#!/usr/bin/env bash
# A throwaway PostgreSQL for the store tests, listening on 127.0.0.1 only.
#
#   eval "$(bash .ci/postgres.sh)"   # sets SYNTH_TEST_POSTGRES_URL
#
# Idempotent: installs Debian's postgresql only when it is missing, reuses a running server,
# and creates the synth_test role and database only when they are missing. Everything but the
# export line goes to stderr.
set -euo pipefail

PGDATA_DIR="${SYNTH_PG_DIR:-${TMPDIR:-/tmp}/synth-pg}"
PGPORT_SYNTH="${SYNTH_PG_PORT:-54329}"  # not 5432, so a system cluster is left alone
DB=synth_test
ROLE=synth_test
PASSWORD="${SYNTH_PG_PASSWORD:-synth_test_pw}"

say() { echo "postgres.sh: $*" >&2; }

pg_bin() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

BIN=$(pg_bin || true)
if [ -z "$BIN" ]; then
    say "installing postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    BIN=$(pg_bin)
fi

# The server refuses to run as root: run it as the postgres user when we are root.
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi

mkdir -p "$PGDATA_DIR"
[ "$(id -u)" = 0 ] && chown postgres "$PGDATA_DIR"
chmod 700 "$PGDATA_DIR"

if [ ! -s "$PGDATA_DIR/PG_VERSION" ]; then
    say "initdb in $PGDATA_DIR"
    as_pg "$BIN/initdb" -D "$PGDATA_DIR" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 >/dev/null
fi

if ! as_pg "$BIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
    say "starting on 127.0.0.1:$PGPORT_SYNTH"
    # The socket goes into the data dir too, so nothing outside it is needed or touched.
    as_pg "$BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -p $PGPORT_SYNTH -k $PGDATA_DIR -c fsync=off" >&2
fi

psql_admin() { as_pg psql -h "$PGDATA_DIR" -p "$PGPORT_SYNTH" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }

if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != 1 ]; then
    psql_admin -c "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'"
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
    psql_admin -c "CREATE DATABASE $DB OWNER $ROLE"
fi

echo "export SYNTH_TEST_POSTGRES_URL=postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$PGPORT_SYNTH/$DB"
