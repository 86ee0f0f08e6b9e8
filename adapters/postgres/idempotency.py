"""Durable claims on commands: the first answer to a key is kept, and a write lands once.

Every command runs under a claim (its `Idempotency-Key`, or one made for it). The claim
is a row holding a token and a lease; the transaction that writes the command's events
also records its answer in that row, through `record_claimed_write`, and fails when the
claim is no longer its own. So the events and the answer commit together or not at all,
and whoever removes or takes over a claim first (taking the row's lock) decides:

- `abandon` after a failure removes the claim unless a write already recorded its
  answer: once removed, a write still on its way can never land (its check fails);
- `claim` takes over a claim whose lease ran out (its process died or gave up) only
  while no write recorded an answer, so a retry never runs a command twice.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection, Cursor
from psycopg_pool import AsyncConnectionPool

__all__ = [
    "CLAIM_LOST",
    "CREATE_IDEMPOTENCY_TABLE",
    "Claim",
    "IdempotencyStore",
    "Recorded",
    "current_claim",
    "record_claimed_write",
]

LEASE_SECONDS = 15  # well past a command's deadline; a takeover needs it to run out
CLAIM_LOST = "CI409"  # SQLSTATE raised by the write whose claim is gone

CREATE_IDEMPOTENCY_TABLE = [
    """
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
    """,
    "ALTER TABLE idempotency_keys ADD COLUMN IF NOT EXISTS claim uuid",
    "ALTER TABLE idempotency_keys ADD COLUMN IF NOT EXISTS lease_until timestamptz",
    "ALTER TABLE idempotency_keys ADD COLUMN IF NOT EXISTS written_position bigint",
    f"""
    CREATE OR REPLACE FUNCTION cis_record_claimed_write(
        p_caller text, p_key text, p_claim uuid, p_status integer, p_content_type text,
        p_body bytea, p_position bigint) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE idempotency_keys
           SET status = p_status, body = p_body, written_position = p_position,
               headers = jsonb_build_object('content-type', p_content_type)
         WHERE caller = p_caller AND key = p_key AND claim = p_claim AND status IS NULL;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'the claim on this command was given up' USING ERRCODE = '{CLAIM_LOST}';
        END IF;
    END $$
    """,
]

# (status, content type, body) of a command's answer, given what it wrote: the id it
# reports, the aggregate's new version and the log position of its last event.
Answer = Callable[[UUID, int, int], tuple[int, str, bytes]]


@dataclass(frozen=True, slots=True)
class Claim:
    """The claim the current command runs under (see `current_claim`)."""

    caller: str
    key: str
    token: UUID
    answer: Answer


# Set around a command; the recorder reads it in the thread that writes (asyncio's
# to_thread carries context variables along).
current_claim: ContextVar[Claim | None] = ContextVar("current_claim", default=None)


@dataclass(frozen=True, slots=True)
class Recorded:
    """A key's record: `status` None while its command has not answered."""

    request_hash: bytes
    status: int | None
    content_type: str | None
    body: bytes | None


def record_claimed_write(cursor: Cursor[Any], claim: Claim, answer_id: UUID, version: int,
                         position: int) -> None:
    """In the writing transaction: record the answer, or abort if the claim is gone."""
    status, content_type, body = claim.answer(answer_id, version, position)
    cursor.execute("SELECT cis_record_claimed_write(%s, %s, %s, %s, %s, %s, %s)",
                   (claim.caller, claim.key, claim.token, status, content_type, body, position))
    cursor.fetchone()  # in a pipeline: make a lost claim fail here, inside the transaction


class IdempotencyStore:
    def __init__(self, pool: AsyncConnectionPool[AsyncConnection]) -> None:
        self._pool = pool

    async def claim(self, caller: str, key: str, request_hash: bytes,
                    token: UUID) -> Recorded | None:
        """Claim the key (new, or abandoned with nothing written); None if claimed, else
        the existing record."""
        async with self._pool.connection() as conn:
            claimed = await conn.execute(
                "INSERT INTO idempotency_keys (caller, key, request_hash, claim, lease_until) "
                "VALUES (%s, %s, %s, %s, now() + make_interval(secs => %s)) "
                "ON CONFLICT (caller, key) DO UPDATE "
                "SET claim = EXCLUDED.claim, lease_until = EXCLUDED.lease_until "
                "WHERE idempotency_keys.status IS NULL "
                "AND idempotency_keys.request_hash = EXCLUDED.request_hash "
                "AND coalesce(idempotency_keys.lease_until, '-infinity') < now()",
                (caller, key, request_hash, token, LEASE_SECONDS),
            )
            if claimed.rowcount == 1:
                return None
            cursor = await conn.execute(
                "SELECT request_hash, status, headers->>'content-type', body "
                "FROM idempotency_keys WHERE caller = %s AND key = %s",
                (caller, key),
            )
            row = await cursor.fetchone()
        if row is None:  # removed between the two statements: the caller may try again
            return Recorded(request_hash, None, None, None)
        return Recorded(bytes(row[0]), row[1], row[2], None if row[3] is None else bytes(row[3]))

    async def complete(self, caller: str, key: str, token: UUID, status: int,
                       content_type: str, body: bytes) -> None:
        """Keep the answer as sent (a write recorded it already, but a PUT's status is
        only known here)."""
        async with self._pool.connection() as conn:
            await conn.execute(
                "UPDATE idempotency_keys SET status = %s, headers = jsonb_build_object("
                "'content-type', %s::text), body = %s "
                "WHERE caller = %s AND key = %s AND claim = %s",
                (status, content_type, body, caller, key, token),
            )

    async def forget(self, caller: str, key: str, token: UUID) -> None:
        """Drop a claim nobody will ask about again (one made for a request without key)."""
        async with self._pool.connection() as conn:
            await conn.execute("DELETE FROM idempotency_keys WHERE caller = %s AND key = %s "
                               "AND claim = %s", (caller, key, token))

    async def abandon(self, caller: str, key: str, token: UUID) -> Recorded | None:
        """After a failure: None once the claim is removed (its command can no longer
        write), or the answer its write recorded after all."""
        async with self._pool.connection() as conn, conn.transaction():
            removed = await conn.execute(
                "DELETE FROM idempotency_keys WHERE caller = %s AND key = %s AND claim = %s "
                "AND status IS NULL", (caller, key, token))
            if removed.rowcount == 1:
                return None
            cursor = await conn.execute(
                "SELECT request_hash, status, headers->>'content-type', body "
                "FROM idempotency_keys WHERE caller = %s AND key = %s AND claim = %s "
                "AND status IS NOT NULL", (caller, key, token))
            row = await cursor.fetchone()
        if row is None:  # taken over after the lease ran out: ours wrote nothing
            return None
        return Recorded(bytes(row[0]), row[1], row[2], None if row[3] is None else bytes(row[3]))
