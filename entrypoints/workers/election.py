"""One active process of a kind, the others hot standbys: a Postgres advisory lock elects it.

As the projectors do (`entrypoints.workers.projector`), for async workers that must not
run twice at once (the relay: two would race on its one position). The lock lives on a
connection of its own; Postgres drops it the moment that connection goes, so a standby
takes over within one `poll` of the active process dying, SIGKILL included. The
active process checks its lock connection every `poll` seconds and stops its work when
the connection is gone, since the lock then may already be someone else's.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import Callable, Coroutine
from typing import Any

import psycopg
import structlog

from adapters.backoff import Backoff

__all__ = ["while_elected"]

log = structlog.get_logger()

Work = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


async def while_elected(database_url: str, role: str, stopping: asyncio.Event, work: Work, *,
                        poll: float = 1.0) -> None:
    """Run `work(stop)` whenever this process holds `role`'s lock, until `stopping`."""
    key = zlib.crc32(f"cis-{role}".encode())
    backoff = Backoff(first=1.0, cap=30.0)
    while not stopping.is_set():
        try:
            async with await psycopg.AsyncConnection.connect(
                    database_url, autocommit=True, connect_timeout=5) as conn:
                if await _acquired(conn, key, stopping, poll):
                    log.info("elected; active", role=role)
                    backoff.reset()
                    await _work_while_held(conn, work, stopping, poll)
        except (psycopg.Error, TimeoutError) as error:
            delay = backoff.next_delay()
            log.error("election cannot reach Postgres; retrying", role=role,
                      error=type(error).__name__, retry_in_seconds=delay)
            await _wait(stopping, delay)


async def _acquired(conn: psycopg.AsyncConnection[tuple[object, ...]], key: int,
                    stopping: asyncio.Event, poll: float) -> bool:
    standing_by = False
    while not stopping.is_set():
        row = await (await conn.execute("SELECT pg_try_advisory_lock(%s)", (key,))).fetchone()
        if row is not None and row[0]:
            return True
        if not standing_by:
            log.info("another process is active; standing by")
            standing_by = True
        await _wait(stopping, poll)
    return False


async def _work_while_held(conn: psycopg.AsyncConnection[tuple[object, ...]], work: Work,
                           stopping: asyncio.Event, poll: float) -> None:
    stop = asyncio.Event()
    running = asyncio.create_task(work(stop))
    try:
        while not running.done():
            if await _wait(stopping, poll):
                break
            await asyncio.wait_for(conn.execute("SELECT 1"), timeout=max(poll, 2.0))
    finally:
        stop.set()  # stopping, or the lock connection failed: let the work finish its batch
        await running


async def _wait(event: asyncio.Event, seconds: float) -> bool:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout=seconds)
    return event.is_set()
