"""Composition root of the notification consumer: JetStream in, e-mail out.

Two tasks in one process. The consumer (durable pull consumer `notifications` on
CIS_EVENTS, explicit ack, at most 5 deliveries, then CIS_DLQ) turns each event into
its outbox change, written with the event id in one transaction; the sender
(`adapters.mail.outbox.Dispatcher`) sends each row when it is due.
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import msgspec
import structlog
from nats.js import JetStreamContext
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from adapters.mail.outbox import Clock, Dispatcher, system_clock
from adapters.nats.connection import connect_for_worker
from adapters.nats.consumer import run_consumer
from adapters.postgres.notifications import CONSUMER, NotificationStore, SendingRow
from adapters.settings import ResolvedSettings
from adapters.smtp.connection import parse_smtp_url
from adapters.smtp.sending import SmtpSender
from application import integration_events as i
from application.notifications import SaleFacts, plan
from application.services import CustomerIntelligence
from domain.catalogue import CantonIncentive
from entrypoints.bootstrap import build_application
from entrypoints.workers.lifecycle import until_signalled

__all__ = ["CONSUMER", "NotificationWorker", "main", "run_notifications"]

log = structlog.get_logger()
_ABOUT_A_SALE = (i.SaleQuoted, i.SaleContractSigned, i.SaleDelivered, i.SaleCancelled)


class NotificationWorker:
    """The consumer's handler and the sender, sharing the store and the application."""

    def __init__(self, settings: ResolvedSettings, app: CustomerIntelligence,
                 pool: AsyncConnectionPool[AsyncConnection[Any]], js: JetStreamContext, *,
                 clock: Clock = system_clock) -> None:
        if settings.smtp_url is None:
            raise ValueError("set CIS_SMTP_URL (smtp:// or smtps://) to send notifications")
        self._app, self._js = app, js
        self.store = NotificationStore(pool)
        self.dispatcher = Dispatcher(
            self.store, app, SmtpSender(parse_smtp_url(settings.smtp_url)),
            mail_from=settings.mail_from,
            reply_to=settings.mail_reply_to or settings.controller_email,
            dead_letter=self._dead_letter, clock=clock,
            listen_to=settings.database_url)

    async def run(self, stopping: asyncio.Event, durable: str = CONSUMER) -> None:
        """Consume and send until `stopping`. Should either task end before that, the
        other is stopped too and the process fails, for the supervisor to restart it: a
        consumer filling the outbox with nobody sending would look healthy and send
        nothing."""
        sender = asyncio.create_task(self.dispatcher.run(stopping), name="sender")
        consumer = asyncio.create_task(run_consumer(self._js, durable, self.handle, stopping),
                                       name="consumer")
        try:
            done, _ = await asyncio.wait({sender, consumer},
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            unasked = not stopping.is_set()
            stopping.set()
            await asyncio.gather(sender, consumer, return_exceptions=True)
        if unasked:
            ended = done.pop()
            log.error("notification task ended; stopping the process", task=ended.get_name())
            raise RuntimeError(f"the notification {ended.get_name()} ended unasked"
                               ) from ended.exception()

    async def handle(self, event: i.IntegrationEvent) -> None:
        sale = canton = None
        if isinstance(event, _ABOUT_A_SALE):
            sale = await asyncio.to_thread(self._sale, event.sale_id)
        elif isinstance(event, i.IncentiveDeclared):
            canton = event.canton
        elif isinstance(event, i.IncentiveChanged):
            canton = await asyncio.to_thread(self._canton_of, event.incentive_id)
        change = plan(event, sale=sale, canton=canton)
        if change.changes_nothing:
            return
        if await self.store.record(event.event_id, change):
            self.dispatcher.wake()

    def _sale(self, sale_id: UUID) -> SaleFacts:
        sale = self._app.get_sale(sale_id)
        return SaleFacts(customer_id=sale.customer_id, model=str(sale.model),
                         list_price=sale.list_price.rappen)

    def _canton_of(self, incentive_id: UUID) -> str:
        incentive: object = self._app.repository.get(incentive_id)
        if not isinstance(incentive, CantonIncentive):
            raise TypeError(f"{incentive_id} is not a canton's incentive")
        return str(incentive.canton)

    async def _dead_letter(self, row: SendingRow, reason: str) -> None:
        """A message that cannot be sent, parked on CIS_DLQ with the reason (no person)."""
        payload = {"outbox_id": str(row.id), "event_id": str(row.event_id),
                   "customer_id": str(row.customer_id), "template": row.template.value}
        await self._js.publish(f"cis.dlq.{CONSUMER}", msgspec.json.encode(payload),
                               headers={"Cis-Reason": reason[:200]}, timeout=5.0)


async def run_notifications(settings: ResolvedSettings) -> None:
    stopping = until_signalled()
    app = build_application(settings, pool_size=3)
    nc = await connect_for_worker(settings.nats_url, "cis-notifications")
    try:
        async with AsyncConnectionPool(settings.database_url, min_size=1, max_size=4) as pool:
            await NotificationWorker(settings, app, pool, nc.jetstream()).run(stopping)
    finally:
        await nc.close()
        app.close()


def main(settings: ResolvedSettings) -> None:
    asyncio.run(run_notifications(settings))
