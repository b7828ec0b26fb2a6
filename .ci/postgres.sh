# Start a throwaway PostgreSQL server on 127.0.0.1 for the store tests; sourced by .ci/run.
# Exports PAYMATCH_TEST_POSTGRES_URL and defines stop_postgres.

pg_bin() {
    if command -v "$1" >/dev/null 2>&1; then command -v "$1"; return; fi
    ls /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n 1
}

PG_ROOT=$(mktemp -d /tmp/paymatch-pg.XXXXXX)
# a free port, so that a server someone else runs on this machine is no obstacle
PG_PORT=${PAYMATCH_PG_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
# initdb refuses to run as root: run the server as an unprivileged user.
if [ "$(id -u)" = 0 ]; then
    PG_USER=postgres
    id "$PG_USER" >/dev/null 2>&1 || useradd --system --no-create-home "$PG_USER"
    chown "$PG_USER" "$PG_ROOT"
    # from / : the unprivileged user may not enter the checkout's directory
    as_pg() { (cd / && runuser -u "$PG_USER" -- "$@"); }
else
    as_pg() { "$@"; }
fi
as_pg "$(pg_bin initdb)" -D "$PG_ROOT/data" -A trust -U paymatch --no-sync >/dev/null
as_pg "$(pg_bin pg_ctl)" -D "$PG_ROOT/data" -l "$PG_ROOT/server.log" -w \
    -o "-p $PG_PORT -k $PG_ROOT -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start
export PAYMATCH_TEST_POSTGRES_URL="postgresql+psycopg://paymatch@127.0.0.1:$PG_PORT/postgres"

stop_postgres() {
    as_pg "$(pg_bin pg_ctl)" -D "$PG_ROOT/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PG_ROOT"
}
