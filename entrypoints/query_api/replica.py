"""Where the query API reads its read models: the primary's pool, or a streaming replica
(`CIS_READ_DATABASE_URL`), falling back to the primary if `CIS_READ_FALLBACK_TO_PRIMARY`.

Only the read models' queries (and their positions, so `min_position` waits for the
replica's replay) go to the replica. Everything that writes stays on the primary: the
access trail of audit reads, DSG exports and audit exports (through the application),
the data keys, the LISTEN of the position feed (a standby cannot LISTEN).
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from adapters.postgres.bounded import bounded_async_connection, server_timeouts
from adapters.postgres.read_replica import ReplicaReads
from adapters.settings import ResolvedSettings
from projections.reading import ConnectionSource

__all__ = ["read_models_source"]


def read_models_source(settings: ResolvedSettings,
                       primary: AsyncConnectionPool[AsyncConnection[Any]], *,
                       max_size: int, query_timeout: float) -> ConnectionSource:
    """The primary's pool itself, unless a replica is configured."""
    if settings.read_database_url is None:
        return primary
    # Each connection taken is checked first: one the stopped replica left behind is
    # replaced at once, rather than failing the query it was taken for.
    replica: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
        settings.read_database_url, min_size=1, max_size=max_size, open=False,
        timeout=query_timeout, check=AsyncConnectionPool.check_connection,
        connection_class=bounded_async_connection(query_timeout),
        kwargs=server_timeouts(query_timeout))
    return ReplicaReads(replica, replica_url=settings.read_database_url,
                        fallback=primary if settings.read_fallback_to_primary else None)
