"""Composition root of the NATS relay (it reconnects to NATS inside the process).

One relay publishes at a time: a Postgres advisory lock elects it, so a second relay
process is a hot standby that takes over within a few seconds of the first one's
exit (its lock goes with its connection), never a second publisher racing the first
for the same positions.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib

import nats.errors
import psycopg
import structlog

from adapters.nats.connection import connect_for_worker
from adapters.nats.relay import Relay
from adapters.settings import ResolvedSettings
from entrypoints.bootstrap import build_application, build_tracking_recorder
from entrypoints.workers.lifecycle import until_signalled

__all__ = ["RELAY_LOCK", "main"]

log = structlog.get_logger()
RELAY_LOCK = zlib.crc32(b"cis-relay")
_STANDBY_POLL_SECONDS = 2.0


async def _elected(lock: psycopg.AsyncConnection[tuple[object, ...]],
                   stopping: asyncio.Event) -> bool:
    """Wait until this process holds the relay's lock (True), or is stopped (False)."""
    standing_by = False
    while not stopping.is_set():
        cursor = await lock.execute("SELECT pg_try_advisory_lock(%s)", (RELAY_LOCK,))
        row = await cursor.fetchone()
        if row is not None and row[0]:
            return True
        if not standing_by:
            log.info("another relay publishes; standing by")
            standing_by = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), timeout=_STANDBY_POLL_SECONDS)
    return False


async def _publish(settings: ResolvedSettings, stopping: asyncio.Event) -> None:
    app = build_application(settings, pool_size=3)
    tracking = build_tracking_recorder(settings, "relay")
    nc = await connect_for_worker(settings.nats_url, "cis-relay")
    try:
        await Relay(app, tracking, nc.jetstream()).run(stopping)
    finally:
        try:  # with NATS away, draining would wait for a reconnect that may not come
            await asyncio.wait_for(nc.drain(), timeout=5.0)
        except (TimeoutError, nats.errors.Error):
            await nc.close()
        app.close()


async def _run(settings: ResolvedSettings) -> None:
    stopping = until_signalled()
    async with await psycopg.AsyncConnection.connect(settings.database_url,
                                                     autocommit=True) as lock:
        if await _elected(lock, stopping):
            log.info("relay elected")
            await _publish(settings, stopping)


def main(settings: ResolvedSettings) -> None:
    asyncio.run(_run(settings))
