"""The consumers' inbox: each event id is handled once per consumer, in the transaction
that writes what it changes (so a redelivered message changes nothing twice)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from psycopg import AsyncConnection

__all__ = ["first_delivery"]


async def first_delivery(conn: AsyncConnection[Any], consumer: str, event_id: UUID) -> bool:
    """Record `event_id` as handled by `consumer`, in `conn`'s transaction; False when it
    was already (the caller then writes nothing)."""
    inserted = await conn.execute(
        "INSERT INTO read.consumer_inbox (consumer, event_id) VALUES (%s, %s) "
        "ON CONFLICT DO NOTHING", (consumer, event_id))
    return inserted.rowcount == 1
