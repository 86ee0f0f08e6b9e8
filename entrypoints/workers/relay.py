"""Composition root of the NATS relay (it reconnects to NATS inside the process)."""

from __future__ import annotations

import asyncio
import contextlib

import nats.errors

from adapters.nats.connection import connect_for_worker
from adapters.nats.relay import Relay
from adapters.settings import ResolvedSettings
from entrypoints.bootstrap import build_application, build_tracking_recorder
from entrypoints.workers.election import while_elected
from entrypoints.workers.lifecycle import until_signalled

__all__ = ["main"]


async def _run(settings: ResolvedSettings) -> None:
    stopping = until_signalled()
    app = build_application(settings, pool_size=3)
    tracking = build_tracking_recorder(settings, "relay")
    nc = await connect_for_worker(settings.nats_url, "cis-relay")
    try:
        # One active relay, the others standing by: two would race on its one position.
        relay = Relay(app, tracking, nc.jetstream())
        await while_elected(settings.database_url, "relay", stopping, relay.run)
    finally:
        # Closed, not drained: the relay has taken in every ack it is going to count, and
        # with NATS frozen a drain (even a close's flush) waits for what will not come.
        with contextlib.suppress(TimeoutError, nats.errors.Error):
            await asyncio.wait_for(nc.close(), timeout=5.0)
        tracking.datastore.close()
        app.close()


def main(settings: ResolvedSettings) -> None:
    asyncio.run(_run(settings))
