# Starts a throwaway PostgreSQL cluster on a free loopback port and removes it on exit.
# Installs PostgreSQL with apt when it is missing (as root). Source this file, then call
# start_throwaway_postgres [extra server options…]; it sets POSTGRES_URL.

start_throwaway_postgres() {
    local initdb_path
    initdb_path=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$initdb_path" ]; then
        if [ "$(id -u)" -ne 0 ]; then
            echo "PostgreSQL is not installed; run as root or: apt-get install -y postgresql" >&2
            return 1
        fi
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq postgresql >/dev/null
        initdb_path=$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)
    fi
    PG_BIN=$(dirname "$initdb_path")
    PG_CLUSTER=$(mktemp -d /tmp/steward-pg.XXXXXX)
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    trap stop_throwaway_postgres EXIT
    run_as_postgres "$PG_BIN/initdb" -D "$PG_CLUSTER/data" -U postgres --auth=trust --no-sync -E UTF8 >/dev/null
    run_as_postgres "$PG_BIN/pg_ctl" -D "$PG_CLUSTER/data" -l "$PG_CLUSTER/server.log" -w \
        -o "-p $port -k $PG_CLUSTER -c listen_addresses=127.0.0.1 -c max_connections=500 $*" start >/dev/null
    POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
    echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

run_as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir "$PG_CLUSTER" postgres
        chown -R postgres "$PG_CLUSTER"
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

stop_throwaway_postgres() {
    [ -n "${PG_CLUSTER:-}" ] || return 0
    run_as_postgres "$PG_BIN/pg_ctl" -D "$PG_CLUSTER/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_CLUSTER"
}
