"""Durable Idempotency-Key records: the first response to a key, replayed for retries."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

__all__ = ["CREATE_IDEMPOTENCY_TABLE", "IdempotencyStore", "Recorded"]

CREATE_IDEMPOTENCY_TABLE = """
CREATE TABLE IF NOT EXISTS idempotency_keys (
    caller text NOT NULL,
    key text NOT NULL,
    request_hash bytea NOT NULL,
    status integer,
    headers jsonb,
    body bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, key)
)
"""


@dataclass(frozen=True, slots=True)
class Recorded:
    """A key's record: `status` None while the first request is still running."""

    request_hash: bytes
    status: int | None
    content_type: str | None
    body: bytes | None


class IdempotencyStore:
    def __init__(self, pool: AsyncConnectionPool[AsyncConnection]) -> None:
        self._pool = pool

    async def claim(self, caller: str, key: str, request_hash: bytes) -> Recorded | None:
        """Claim the key for this request; None if claimed, else the existing record."""
        async with self._pool.connection() as conn:
            claimed = await conn.execute(
                "INSERT INTO idempotency_keys (caller, key, request_hash) VALUES (%s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                (caller, key, request_hash),
            )
            if claimed.rowcount == 1:
                return None
            cursor = await conn.execute(
                "SELECT request_hash, status, headers->>'content-type', body "
                "FROM idempotency_keys WHERE caller = %s AND key = %s",
                (caller, key),
            )
            row = await cursor.fetchone()
        assert row is not None
        return Recorded(bytes(row[0]), row[1], row[2], None if row[3] is None else bytes(row[3]))

    async def complete(self, caller: str, key: str, status: int, content_type: str,
                       body: bytes) -> None:
        async with self._pool.connection() as conn:
            await conn.execute(
                "UPDATE idempotency_keys SET status = %s, headers = jsonb_build_object("
                "'content-type', %s::text), body = %s WHERE caller = %s AND key = %s",
                (status, content_type, body, caller, key),
            )

    async def release(self, caller: str, key: str) -> None:
        """Forget a claim whose request failed on our side, so a retry can run."""
        async with self._pool.connection() as conn:
            await conn.execute("DELETE FROM idempotency_keys WHERE caller = %s AND key = %s "
                               "AND status IS NULL", (caller, key))
