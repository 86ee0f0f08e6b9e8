"""Composition root of the scoring consumer."""

from __future__ import annotations

import asyncio

import structlog
from psycopg_pool import AsyncConnectionPool

from adapters.nats.connection import connect_for_worker
from adapters.nats.consumer import run_consumer
from adapters.postgres.scores import ScoreStore
from adapters.settings import ResolvedSettings
from application.integration_events import (
    CustomerRegistered,
    IntegrationEvent,
    PersonalDataErased,
)
from application.scoring import LeadFeatures, score_lead
from domain.journey import Stage
from entrypoints.workers.lifecycle import until_signalled

__all__ = ["run_scoring"]

log = structlog.get_logger()
CONSUMER = "scoring"


async def run_scoring(settings: ResolvedSettings) -> None:
    stopping = until_signalled()
    nc = await connect_for_worker(settings.nats_url, "cis-scoring")
    async with AsyncConnectionPool(settings.database_url, min_size=1, max_size=4) as pool:
        scores = ScoreStore(pool)

        async def handle(event: IntegrationEvent) -> None:
            match event:
                case CustomerRegistered():
                    score = score_lead(LeadFeatures(stage=Stage.LEAD))
                    await scores.save_once(
                        CONSUMER, event.event_id, event.customer_id, score, event.position
                    )
                case PersonalDataErased():  # a score is derived personal data
                    await scores.forget_once(CONSUMER, event.event_id, event.customer_id)

        try:
            await run_consumer(nc.jetstream(), CONSUMER, handle, stopping)
        finally:
            await nc.close()


def main(settings: ResolvedSettings) -> None:
    asyncio.run(run_scoring(settings))
