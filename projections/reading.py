"""The query side every read model shares: rows over the query API's pool, and how far
each read model has come (positions, rebuild generations, lags, waiting for a position).

A read model's `...Queries` (in its unit) is a `Reader`; all of them and `Positions`
read through one pool, the query API's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, Self

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.sql import SQL, Composed, Identifier

from application.services import APPLICATION_NAME
from projections.base import schema_of

__all__ = ["ConnectionSource", "Params", "Positions", "Query", "Reader", "Row"]

Row = dict[str, Any]
Params = Sequence[Any] | dict[str, Any]
Query = str | Composed


class ConnectionSource(Protocol):
    """Where queries get a connection: a pool, or `adapters.postgres.read_replica`'s
    replica reads (whose positions are the replica's own, so `wait_for` covers its lag)."""

    def connection(self) -> AbstractAsyncContextManager[AsyncConnection[Any]]: ...


class Reader:
    """Reads rows of the read models' tables, each query on a pooled connection."""

    def __init__(self, pool: ConnectionSource) -> None:
        self._pool = pool

    @classmethod
    def sharing(cls, other: Reader) -> Self:
        """Another reader on the same pool."""
        return cls(other._pool)

    async def one(self, query: Query, params: Params = ()) -> Row | None:
        async with self._pool.connection() as conn:
            cursor = conn.cursor(row_factory=dict_row)
            await cursor.execute(query, params)
            return await cursor.fetchone()

    async def rows(self, query: Query, params: Params = ()) -> list[Row]:
        async with self._pool.connection() as conn:
            cursor = conn.cursor(row_factory=dict_row)
            await cursor.execute(query, params)
            return await cursor.fetchall()


class Positions(Reader):
    """How far each read model has projected the log."""

    async def position(self, read_model: str) -> int:
        """The last log position this read model has processed (0 before any)."""
        table = Identifier(schema_of(read_model), f"{read_model}_tracking")
        row = await self.one(
            SQL("SELECT notification_id FROM {} WHERE application_name = %s").format(table),
            (APPLICATION_NAME,))
        return int(row["notification_id"]) if row and row["notification_id"] is not None else 0

    async def generation(self, read_model: str) -> int:
        """Changes when a rebuild swaps in new tables (the schema's oid): cached figures
        of the old tables must not be served for the same position."""
        row = await self.one("SELECT %s::regnamespace::oid::bigint AS oid",
                             (schema_of(read_model),))
        return int(row["oid"]) if row else 0

    async def position_and_generation(self, read_model: str) -> tuple[int, int]:
        """`position` and `generation` in one round trip (one statement: one catalog
        snapshot, so both are of the same tables even while a rebuild swaps them)."""
        table = Identifier(schema_of(read_model), f"{read_model}_tracking")
        row = await self.one(SQL(
            "SELECT (SELECT notification_id FROM {} WHERE application_name = %s) AS position, "
            "%s::regnamespace::oid::bigint AS oid").format(table),
            (APPLICATION_NAME, schema_of(read_model)))
        if row is None:
            return 0, 0
        return int(row["position"] or 0), int(row["oid"] or 0)

    async def lags(self, read_models: Sequence[str]) -> dict[str, int]:
        """How many events of the log each read model has yet to project."""
        row = await self.one("SELECT coalesce(max(notification_id), 0) AS head FROM cis_events")
        head = int(row["head"]) if row else 0
        return {name: head - await self.position(name) for name in read_models}

    async def wait_for(self, read_model: str, min_position: int, timeout: float) -> bool:
        """True once the read model reached `min_position`; False after `timeout`."""
        deadline = time.monotonic() + timeout
        delay = 0.005
        while await self.position(read_model) < min_position:
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)
        return True
