"""The query API's read models read from a Postgres streaming replica, the primary kept
for everything else.

`ReplicaReads` hands out connections to the replica. Once one cannot be had (refused,
timed out, the server gone mid-query), the circuit opens: from then on every read is
`ReplicaUnavailable` at once (503 with `Retry-After`), or goes to the primary when
fallback is configured, until a background probe finds the replica answering again.
No request waits for that probe.

Never staler than asked: a request that was served by the primary once stays on the
primary (a context variable, one per request task), since the replica may not have
replayed what the primary already showed it, e.g. the position `min_position` waited
for. The replica's own replay is monotonic, so reads that stay on it never go back.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextvars import ContextVar
from typing import Any

import psycopg
import psycopg.errors
import psycopg_pool
import structlog
from psycopg import AsyncConnection
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import AsyncConnectionPool

from adapters.circuit_breaker import CircuitBreaker

__all__ = ["ReplicaReads", "ReplicaUnavailable"]

log = structlog.get_logger()

_UNREACHABLE = (psycopg.OperationalError, psycopg.InterfaceError, psycopg_pool.PoolTimeout)
# Replay cancels a standby's query that holds up a conflicting change (a vacuum, a
# rebuild's schema swap): worth a retry, but the replica itself is fine.
_RECOVERY_CONFLICT = (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected)
_served_by_primary: ContextVar[bool] = ContextVar("served_by_primary", default=False)


class ReplicaUnavailable(Exception):
    """The read replica cannot answer this read now; says which, and when to retry."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class ReplicaReads:
    """Connections for the read models' queries: the replica's, or the primary's pool
    (`fallback`) while the replica is away."""

    def __init__(self, replica: AsyncConnectionPool[AsyncConnection[Any]], *,
                 replica_url: str, fallback: AsyncConnectionPool[AsyncConnection[Any]] | None,
                 probe_interval: float = 1.0) -> None:
        self._replica, self._fallback = replica, fallback
        self._url = replica_url
        self._where = _where(replica_url)
        self._breaker = CircuitBreaker("read_replica", 1, probe_interval)
        self._probe_interval = probe_interval
        self._probe: asyncio.Task[None] | None = None

    @property
    def circuit_state(self) -> str:
        return self._breaker.state

    async def open(self) -> None:
        # Not waiting for a first connection: the API starts while the replica is away.
        await self._replica.open(wait=False)

    async def close(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
        await self._replica.close()

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection[Any]]:
        conn = None
        if not _served_by_primary.get() and self._breaker.state == "closed":
            try:
                conn = await self._replica.getconn()
            except _UNREACHABLE as error:
                self._lost(error)
        if conn is None:
            async with self._primary() as primary:
                yield primary
            return
        try:
            yield conn
        except _RECOVERY_CONFLICT as error:
            raise ReplicaUnavailable(f"the read replica ({self._where}) cancelled the read "
                                     "for its replay; retry", retry_after=1) from error
        except _UNREACHABLE as error:
            if conn.closed or conn.broken:  # the server went, not just this query
                self._lost(error)
                raise self._unavailable() from error
            raise
        finally:
            await self._replica.putconn(conn)

    @contextlib.asynccontextmanager
    async def _primary(self) -> AsyncIterator[AsyncConnection[Any]]:
        if self._fallback is None:
            raise self._unavailable()
        _served_by_primary.set(True)
        async with self._fallback.connection() as conn:
            yield conn

    def _unavailable(self) -> ReplicaUnavailable:
        return ReplicaUnavailable(
            f"the read replica ({self._where}) does not answer; retry shortly",
            retry_after=max(1, self._breaker.retry_after()))

    def _lost(self, error: BaseException) -> None:
        log.warning("read replica unreachable", replica=self._where, error=type(error).__name__,
                    fallback="primary" if self._fallback is not None else "none (503)")
        self._breaker.failed()
        if self._probe is None or self._probe.done():
            self._probe = asyncio.get_running_loop().create_task(self._until_back(),
                                                                 name="read-replica-probe")

    async def _until_back(self) -> None:
        await self._breaker.probe_until_closed(self._answers, self._probe_interval,
                                               _UNREACHABLE)
        log.info("read replica answers again", replica=self._where)

    async def _answers(self) -> None:
        async with await AsyncConnection.connect(
                self._url, connect_timeout=max(1, round(self._probe_interval))) as conn:
            await conn.execute("SELECT 1")


def _where(url: str) -> str:
    """Host and port of the replica, never its credentials."""
    parts = conninfo_to_dict(url)
    return f"{parts.get('host', 'localhost')}:{parts.get('port', 5432)}"
