"""Composition root of the NATS relay."""

from __future__ import annotations

import asyncio

import nats

from adapters.nats.relay import Relay
from adapters.settings import Settings
from entrypoints.bootstrap import build_application, build_tracking_recorder
from entrypoints.workers.lifecycle import until_signalled

__all__ = ["main"]


async def _run(settings: Settings) -> None:
    assert settings.nats_url
    stopping = until_signalled()
    app = build_application(settings, pool_size=3)
    tracking = build_tracking_recorder(settings, "relay")
    nc = await nats.connect(settings.nats_url, name="cis-relay")
    try:
        await Relay(app, tracking, nc.jetstream()).run(stopping)
    finally:
        await nc.drain()
        app.close()


def main(settings: Settings) -> None:
    asyncio.run(_run(settings))
