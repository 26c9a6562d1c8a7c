#!/usr/bin/env bash
# make test-postgres: the whole pipeline on a throw-away PostgreSQL cluster.
#
# 1. Installs PostgreSQL from Debian's packages if no server binaries are found (needs root; runs apt-get update).
# 2. initdb + pg_ctl a cluster in a temporary folder, listening on 127.0.0.1 only, on a free port, as an
#    unprivileged user (PostgreSQL refuses to run as root), with a random password.
# 3. Points a fresh DAGSTER_HOME at it with deploy/dagster.postgres.yaml and runs scripts/pg_e2e.py: it starts
#    dagster-webserver and dagster-daemon, launches an asset backfill of every shard through the webserver's
#    GraphQL API, lets Dagster's backfill daemon split it into runs and the queued run coordinator launch them,
#    and checks the runs, run tags and event logs in PostgreSQL's tables (see the script's docstring).
# 4. Stops the Dagster services, then the cluster, and deletes the folder on exit, whatever happened.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

find_pg_bin() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
    done
    if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then dirname "$(command -v pg_ctl)"; return 0; fi
    return 1
}

if ! PG_BIN=$(find_pg_bin); then
    echo "test-postgres: PostgreSQL not found; installing Debian's postgresql package"
    if [ "$(id -u)" -ne 0 ]; then echo "test-postgres: need root to apt-get install postgresql" >&2; exit 1; fi
    apt-get update -qq
    # Keep the package from starting its own long-lived "main" cluster: only the throw-away one below runs.
    POLICY=/usr/sbin/policy-rc.d
    if [ ! -e "$POLICY" ]; then printf '#!/bin/sh\nexit 101\n' > "$POLICY"; chmod +x "$POLICY"; ADDED_POLICY=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    if [ "${ADDED_POLICY:-0}" = 1 ]; then rm -f "$POLICY"; fi
    PG_BIN=$(find_pg_bin)
fi
echo "test-postgres: using $("$PG_BIN/pg_ctl" --version) from $PG_BIN"

WORK=$(mktemp -d -t newsetl-pg-XXXXXX)
chmod 755 "$WORK"
PGDATA="$WORK/pgdata"
if [ "$(id -u)" -eq 0 ]; then
    # initdb and postgres refuse to run as root: use the package's system user, or make one.
    PG_OS_USER=postgres
    id "$PG_OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER"
    as_pg() { runuser -u "$PG_OS_USER" -- "$@"; }
else
    PG_OS_USER=$(id -un)
    as_pg() { "$@"; }
fi
mkdir -p "$PGDATA" "$WORK/socket" "$WORK/log"
chown "$PG_OS_USER" "$PGDATA" "$WORK/socket" "$WORK/log"

PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PASSWORD=$("$PY" -c 'import secrets; print(secrets.token_hex(16))')
PWFILE="$WORK/pwfile"
printf '%s\n' "$PASSWORD" > "$PWFILE"
chown "$PG_OS_USER" "$PWFILE"
chmod 600 "$PWFILE"

# pg_e2e.py starts dagster-webserver and dagster-daemon, each in a process group of its own, writes the group ids
# here and stops them itself; this trap stops any it could not (killed, crashed) before the cluster goes away.
SERVICES="$WORK/services.pids"

cleanup() {
    local rc=$?
    if [ -s "$SERVICES" ]; then
        local pgid
        while read -r pgid; do kill -TERM -- "-$pgid" 2>/dev/null || true; done < "$SERVICES"
        sleep 2
        while read -r pgid; do kill -KILL -- "-$pgid" 2>/dev/null || true; done < "$SERVICES"
    fi
    if [ -f "$PGDATA/postmaster.pid" ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
    fi
    if [ $rc -ne 0 ] && [ -f "$WORK/log/postgres.log" ]; then tail -n 20 "$WORK/log/postgres.log" >&2; fi
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT INT TERM

as_pg "$PG_BIN/initdb" -D "$PGDATA" -U dagster --pwfile="$PWFILE" --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$WORK/log/postgres.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $WORK/socket -c fsync=off -c full_page_writes=off" >/dev/null
echo "test-postgres: cluster up on 127.0.0.1:$PORT (data in $PGDATA)"

export DAGSTER_PG_HOST=127.0.0.1 DAGSTER_PG_PORT=$PORT DAGSTER_PG_USER=dagster DAGSTER_PG_PASSWORD=$PASSWORD
export DAGSTER_PG_DB=postgres
export DAGSTER_HOME="$WORK/dagster_home" NEWSETL_RAW_DIR="$WORK/raw" NEWSETL_CURATED_DIR="$WORK/curated"
mkdir -p "$DAGSTER_HOME"
cp deploy/dagster.postgres.yaml "$DAGSTER_HOME/dagster.yaml"
cp -r raw "$NEWSETL_RAW_DIR"
PG_E2E_SERVICES="$SERVICES" "$PY" -m scripts.pg_e2e
