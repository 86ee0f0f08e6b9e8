#!/bin/sh
# The streaming replica's entry point: on its first start, copy the primary with
# pg_basebackup -R (writes standby.signal and primary_conninfo) from the slot made for
# it, then run as the image always does. Waits for the primary at most 120 s.
set -eu
: "${PRIMARY_HOST:?set PRIMARY_HOST}"
: "${POSTGRES_REPLICATION_PASSWORD:?set POSTGRES_REPLICATION_PASSWORD}"
PGDATA="${PGDATA:-/var/lib/postgresql/data}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    tries=0
    until pg_isready --host="$PRIMARY_HOST" --port=5432 --quiet; do
        tries=$((tries + 1))
        if [ "$tries" -ge 120 ]; then
            echo "replica: primary $PRIMARY_HOST:5432 unreachable for 120 s" >&2
            exit 2
        fi
        sleep 1
    done
    PGPASSWORD="$POSTGRES_REPLICATION_PASSWORD" pg_basebackup \
        --host="$PRIMARY_HOST" --port=5432 --username=replicator \
        --pgdata="$PGDATA" --wal-method=stream --slot=replica_1 \
        --write-recovery-conf --checkpoint=fast --progress
    chmod 0700 "$PGDATA"
fi
exec docker-entrypoint.sh postgres -c hot_standby=on -c hot_standby_feedback=on
