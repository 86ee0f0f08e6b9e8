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

from application.services import APPLICATION_NAME

__all__ = ["ReadModels"]

CUSTOMER_COLUMNS = ("customer_id, kind, name, email, phone, company_name, postal_code, canton, "
                    "language, salesperson, stage, consents, erased, registered_at, "
                    "last_activity_at, version, position")


class ReadModels:
    def __init__(self, pool: AsyncConnectionPool[AsyncConnection]) -> None:
        self._pool = pool

    async def one(self, query: str, *params: Any) -> dict[str, Any] | None:
        async with self._pool.connection() as conn:
            cursor = conn.cursor(row_factory=dict_row)
            await cursor.execute(query, params)
            return await cursor.fetchone()

    async def position(self, read_model: str) -> int:
        """The last log position this read model has processed (0 before any)."""
        table = Identifier(f"rm_{read_model}", f"{read_model}_tracking")
        async with self._pool.connection() as conn:
            cursor = await conn.execute(
                SQL("SELECT notification_id FROM {} WHERE application_name = %s").format(table),
                (APPLICATION_NAME,),
            )
            row = await cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    async def generation(self, read_model: str) -> int:
        """Changes when a rebuild swaps in new tables (the schema's oid): cached figures
        of the old tables must not be served for the same position."""
        async with self._pool.connection() as conn:
            cursor = await conn.execute("SELECT %s::regnamespace::oid::bigint",
                                        (f"rm_{read_model}",))
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def lags(self, read_models: list[str]) -> dict[str, int]:
        """How many events of the log each read model has yet to project."""
        async with self._pool.connection() as conn:
            cursor = await conn.execute("SELECT coalesce(max(notification_id), 0) FROM cis_events")
            row = await cursor.fetchone()
        head = int(row[0]) if row else 0
        return {name: head - await self.position(name) for name in read_models}

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
        return await self.one(f"SELECT {CUSTOMER_COLUMNS} FROM rm_customers.customers_now "
                              "WHERE customer_id = %s", customer_id)

    async def search_customers(
        self, *, canton: str | None, stage: str | None, salesperson: str | None,
        text: str | None, limit: int, after: tuple[Any, UUID] | None,
    ) -> list[dict[str, Any]]:
        """Newest registrations first; `after` is the (registered_at, id) keyset cursor."""
        conditions, params = ["true"], []
        for column, value in (("canton", canton), ("stage", stage), ("salesperson", salesperson)):
            if value is not None:
                conditions.append(f"{column} = %s")
                params.append(value)
        if text:
            conditions.append("(name ILIKE %s OR email ILIKE %s OR company_name ILIKE %s)")
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            params += [pattern] * 3
        if after is not None:
            conditions.append("(registered_at, customer_id) < (%s, %s)")
            params += list(after)
        async with self._pool.connection() as conn:
            cursor = conn.cursor(row_factory=dict_row)
            await cursor.execute(
                f"SELECT {CUSTOMER_COLUMNS} FROM rm_customers.customers_now "
                f"WHERE {' AND '.join(conditions)} "
                "ORDER BY registered_at DESC, customer_id DESC LIMIT %s", [*params, limit])
            return await cursor.fetchall()

    async def lead_score(self, customer_id: UUID) -> dict[str, Any] | None:
        """The score with the customer's salesperson (None while the customers read
        model has not seen the customer yet), so callers can tell whose it is."""
        return await self.one(
            "SELECT s.customer_id, s.score, s.probability, s.contributions, s.position, "
            "s.updated_at, c.salesperson FROM read.lead_scores s "
            "LEFT JOIN rm_customers.customers c USING (customer_id) "
            "WHERE s.customer_id = %s",
            customer_id,
        )
