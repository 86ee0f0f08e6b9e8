"""Reading the read models: rows, and how far each projection has come."""

from __future__ import annotations

import asyncio
import time
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.sql import SQL, Identifier
from psycopg_pool import AsyncConnectionPool

__all__ = ["ReadModels"]

APPLICATION_NAME = "cis"


class ReadModels:
    def __init__(self, pool: AsyncConnectionPool[AsyncConnection]) -> None:
        self._pool = pool

    async def one(self, query: str, *params: Any) -> dict[str, Any] | None:
        async with self._pool.connection() as conn:
            cursor = conn.cursor(row_factory=dict_row)
            await cursor.execute(query, params)
            return await cursor.fetchone()

    async def position(self, projection: str) -> int:
        """The last log position this projection has processed (0 before any)."""
        table = Identifier(f"{projection}_tracking")
        async with self._pool.connection() as conn:
            cursor = await conn.execute(
                SQL("SELECT notification_id FROM {} WHERE application_name = %s").format(table),
                (APPLICATION_NAME,),
            )
            row = await cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    async def wait_for(self, projection: str, min_position: int, timeout: float) -> bool:
        """True once the projection reached `min_position`; False after `timeout`."""
        deadline = time.monotonic() + timeout
        delay = 0.005
        while await self.position(projection) < min_position:
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)
        return True

    async def customer_profile(self, customer_id: UUID) -> dict[str, Any] | None:
        return await self.one(
            "SELECT customer_id, name, email, postal_code, canton, language, registered_at, "
            "salesperson, version, position FROM read.customer_profile WHERE customer_id = %s",
            customer_id,
        )

    async def lead_score(self, customer_id: UUID) -> dict[str, Any] | None:
        return await self.one(
            "SELECT customer_id, score, probability, contributions, position, updated_at "
            "FROM read.lead_scores WHERE customer_id = %s",
            customer_id,
        )
