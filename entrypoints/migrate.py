"""Create every table and stream once, before the workers start (they never create)."""

from __future__ import annotations

import asyncio

import nats

from adapters.nats.streams import ensure_streams
from adapters.postgres.schema import create_own_tables
from adapters.settings import ResolvedSettings
from entrypoints.bootstrap import build_application, build_tracking_recorder, create_read_model
from projections.registry import READ_MODELS
from projections.stall import STALL_TABLES

__all__ = ["migrate"]


def migrate(settings: ResolvedSettings) -> None:
    # The data-key table first (the app needs it); the stall tables before any projector.
    create_own_tables(settings.database_url, STALL_TABLES)
    build_application(settings, pool_size=1, create_table=True).close()
    for model in READ_MODELS:
        create_read_model(settings, model)
    build_tracking_recorder(settings, "relay", create_table=True).datastore.close()
    asyncio.run(_streams(settings.nats_url, settings.nats_replicas))


async def _streams(nats_url: str, replicas: int) -> None:
    nc = await nats.connect(nats_url, name="cis-migrate")
    try:
        await ensure_streams(nc.jetstream(), replicas)
    finally:
        await nc.close()
