"""Composition root of the scoring consumer: a lead score on every event that changes one.

The integration events on NATS say *that* something changed, and whose; the score
itself is computed from the application log up to that event's position (through
`application.scoring.ScoringLog`, personal fields left sealed). That keeps one fold of
the features for live scoring, `cis score explain --as-of` and `cis score fit`, so a
stored score can always be reproduced from the log, and costs one indexed read of the
customer's events per event. A catalogue or incentive change, an activated model, or a
refresh (`cis score refresh`: time has passed) rescores every scored customer. Each
event's scores and its inbox row are written in one transaction; `cis.scores.updated`
is published after it (again on a redelivery: the scores are a pure function of the log,
and `Nats-Msg-Id` drops the repeat).
"""

from __future__ import annotations

import asyncio
from uuid import UUID

import msgspec
import structlog
from nats.js import JetStreamContext
from psycopg_pool import AsyncConnectionPool

from adapters.nats.connection import connect_for_worker
from adapters.nats.consumer import run_consumer
from adapters.postgres.scores import ScoreStore, ScoreUpdate
from adapters.settings import ResolvedSettings
from application import integration_events as i
from application.score_events import SCORES_SUBJECT, LeadScoreUpdated
from application.scoring import ScoringLog
from domain.customer_facts import ConsentPurpose
from entrypoints.bootstrap import build_application
from entrypoints.workers.lifecycle import until_signalled

__all__ = ["CONSUMER", "LiveScoring", "run_scoring"]

log = structlog.get_logger()
CONSUMER = "scoring"
_RESCORE_ALL = (i.ModelListed, i.ModelChanged, i.ModelWithdrawn, i.IncentiveDeclared,
                i.IncentiveChanged, i.IncentiveEnded, i.ScoresRefreshed)
_SALE_EVENTS = (i.SaleQuoted, i.SaleReserved, i.SaleContractSigned, i.SaleDelivered,
                i.SaleCancelled)


class LiveScoring:
    def __init__(self, store: ScoreStore, scoring_log: ScoringLog, js: JetStreamContext) -> None:
        self._store, self._log, self._js = store, scoring_log, js

    async def handle(self, event: i.IntegrationEvent) -> None:
        customers, sale = await self._affected(event)
        updates = [u for c in customers if (u := await self._rescore(c, event.position, sale))]
        await self._store.save_once(CONSUMER, event.event_id, updates, sale)
        removal = _removes_scores(event)
        for update in updates:
            if update.score is not None or removal:
                await self._publish(update)

    async def _affected(self, event: i.IntegrationEvent) -> tuple[list[UUID],
                                                                   tuple[UUID, UUID] | None]:
        match event:
            case i.SaleOpened():
                return [event.customer_id], (event.sale_id, event.customer_id)
            case i.ScoringModelFitted():
                return (await self._store.scored_customers() if event.activated else []), None
            case _ if isinstance(event, _RESCORE_ALL):
                return await self._store.scored_customers(), None
            case _ if isinstance(event, _SALE_EVENTS):
                owner = await self._store.customer_of_sale(event.sale_id)
                return ([owner] if owner else []), None
        customer: UUID | None = getattr(event, "customer_id", None)
        return ([customer] if customer else []), None

    async def _rescore(self, customer: UUID, position: int,
                       sale: tuple[UUID, UUID] | None) -> ScoreUpdate | None:
        sales = set(await self._store.sales_of(customer))
        if sale is not None:
            sales.add(sale[0])
        at = await asyncio.to_thread(self._log.score_at, customer, position, sale_ids=sales)
        if at is None:
            return None  # not registered (as far as the log had got): nothing to score
        return ScoreUpdate(customer, at.position, at.moment, at.salesperson, at.score)

    async def _publish(self, update: ScoreUpdate) -> None:
        score = update.score
        message = LeadScoreUpdated(
            customer_id=update.customer_id, position=update.position, moment=update.moment,
            scored=score is not None, score=score.score if score else None,
            probability=score.probability if score else None,
            model_version=score.model_version if score else None,
            contributions=score.contributions_by_feature() if score else {})
        await self._js.publish(SCORES_SUBJECT, msgspec.json.encode(message), headers={
            "Nats-Msg-Id": f"score/{update.customer_id}/{update.position}/{score is not None}"})


def _removes_scores(event: i.IntegrationEvent) -> bool:
    return isinstance(event, i.PersonalDataErased) or (
        isinstance(event, i.ConsentWithdrawn) and event.purpose == ConsentPurpose.PROFILING)


async def run_scoring(settings: ResolvedSettings) -> None:
    stopping = until_signalled()
    nc = await connect_for_worker(settings.nats_url, "cis-scoring")
    app = build_application(settings, pool_size=2)
    try:
        async with AsyncConnectionPool(settings.database_url, min_size=1, max_size=4) as pool:
            scoring = LiveScoring(ScoreStore(pool), ScoringLog(app), nc.jetstream())
            try:
                await run_consumer(nc.jetstream(), CONSUMER, scoring.handle, stopping)
            finally:
                await nc.close()
    finally:
        app.close()


def main(settings: ResolvedSettings) -> None:
    asyncio.run(run_scoring(settings))
