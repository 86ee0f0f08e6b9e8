"""The notification consumer in a test: its own event store, real NATS, a real SMTP sink.

`running_notifications` gives each test an empty, migrated event store of its own (so
no other test's pending reminders are sent by its clock), a durable consumer that
starts at the test's own messages, and the worker running in the test's event loop.
Events reach NATS as the relay sends them: `publish()` maps the log's new events to
integration events and publishes them with `Nats-Msg-Id`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import msgspec
import nats
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy
from psycopg_pool import AsyncConnectionPool

from adapters.nats.streams import EVENTS_STREAM, consumer_config
from adapters.settings import Settings
from application.integration_events import subject_of
from application.notifications import Template
from application.publishing import to_integration_event
from application.services import CustomerIntelligence
from entrypoints.bootstrap import build_application
from entrypoints.workers.notifications import NotificationWorker
from tests.databases import own_store

__all__ = ["Harness", "SettableClock", "mails_to", "publish_log", "running_notifications",
           "wait_for"]


class SettableClock:
    """The sender's clock: real time, moved by the test (`set`) to a later moment."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def set(self, moment: datetime) -> None:
        self.offset = moment - datetime.now(UTC)


@dataclass
class Harness:
    settings: Settings
    app: CustomerIntelligence
    js: JetStreamContext
    worker: NotificationWorker
    mail_dir: Path
    durable: str = ""
    published: int = 0

    async def publish(self) -> list[Any]:
        """Publish the log's events not published yet, as the relay does."""
        sent, self.published = await publish_log(self.app, self.js, self.published,
                                                 self.durable)
        return sent

    async def outbox(self, customer_id: uuid.UUID) -> list[tuple[str, str]]:
        """(template, status) of the customer's rows."""
        async with await _connect(self.settings) as conn:
            cursor = await conn.execute(
                "SELECT template, status FROM notify.outbox WHERE customer_id = %s "
                "ORDER BY template", (customer_id,))
            return [(template, status) for template, status in await cursor.fetchall()]

    async def consumed(self, events: list[Any]) -> None:
        """Wait until the consumer has handled the last of `events` (it is in the inbox;
        only events that change something are recorded there)."""
        last = events[-1].event_id

        async def handled() -> bool:
            async with await _connect(self.settings) as conn:
                cursor = await conn.execute(
                    "SELECT 1 FROM read.consumer_inbox WHERE event_id = %s", (last,))
                return await cursor.fetchone() is not None
        await wait_for(handled)

    async def templates_of(self, customer_id: uuid.UUID) -> dict[str, Template]:
        """Message-ID -> template of the customer's sent messages."""
        async with await _connect(self.settings) as conn:
            cursor = await conn.execute(
                "SELECT message_id, template FROM notify.outbox WHERE customer_id = %s "
                "AND message_id IS NOT NULL ORDER BY due_at", (customer_id,))
            return {ident: Template(template) for ident, template in await cursor.fetchall()}

    async def settled(self, customer_id: uuid.UUID, timeout: float = 10.0) -> None:
        """Wait until the customer has rows and none of them is due and pending."""
        async def done() -> bool:
            async with await _connect(self.settings) as conn:
                cursor = await conn.execute(
                    "SELECT count(*), count(*) FILTER (WHERE status = 'pending' AND "
                    "next_attempt_at <= %s) FROM notify.outbox WHERE customer_id = %s",
                    (self.worker.dispatcher.clock(), customer_id))
                total, due = (await cursor.fetchone()) or (0, 0)
                return bool(total) and due == 0
        await wait_for(done, timeout)


async def publish_log(app: CustomerIntelligence, js: JetStreamContext, after: int,
                      prefix: str) -> tuple[list[Any], int]:
    """Publish the log's events after position `after` as the relay does; the events
    and the last position."""
    sent = []
    notifications = await asyncio.to_thread(
        app.recorder.select_notifications, start=after + 1, limit=10_000)
    mapper = app.mapper_leaving_personal_data_sealed
    for notification in notifications:
        event = to_integration_event(mapper.to_domain_event(notification), notification.id)
        after = notification.id
        if event is None:
            continue
        # The relay's header is the event id; reference data has the same ids in every
        # test's fresh store (a canton's incentive), which JetStream would drop as
        # duplicates across tests: a prefix of the test's own keeps them apart.
        await js.publish(subject_of(event), msgspec.json.encode(event),
                         headers={"Nats-Msg-Id": f"{prefix}/{event.event_id}"})
        sent.append(event)
    return sent, after


async def _connect(settings: Settings) -> Any:
    from psycopg import AsyncConnection

    assert settings.database_url
    return await AsyncConnection.connect(settings.database_url)


async def wait_for(condition: Callable[[], Any], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def mails_to(mail_dir: Path, address: str) -> list[EmailMessage]:
    """The messages in the sink addressed to `address`, in the order received."""
    found = []
    for path in sorted(mail_dir.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        if any(a.addr_spec == address for a in message["To"].addresses):
            found.append(message)
    return found


@asynccontextmanager
async def running_notifications(settings: Settings, smtp_url: str, mail_dir: Path, *,
                                clock: Callable[[], datetime] | None = None,
                                store: Settings | None = None, durable: str | None = None,
                                keep: bool = False) -> AsyncIterator[Harness]:
    """`store`: go on with the event store of an earlier harness (a restart), else a
    fresh one; `durable`: the consumer of that earlier run; `keep`: leave the consumer
    in place for a restart."""
    own = store or await asyncio.to_thread(own_store, settings, smtp_url=smtp_url)
    app = build_application(own, pool_size=3)
    assert own.nats_url and own.database_url
    nc = await nats.connect(own.nats_url)
    js = nc.jetstream()
    restarted = durable is not None
    durable = durable or f"notify_{uuid.uuid4().hex[:8]}"
    if not restarted:  # from the test's own messages on: the stream holds every test's
        await js.add_consumer(EVENTS_STREAM, config=dataclasses.replace(
            consumer_config(durable), deliver_policy=DeliverPolicy.NEW))
    pool = AsyncConnectionPool(own.database_url, min_size=1, max_size=4, open=False)
    await pool.open()
    kwargs = {} if clock is None else {"clock": clock}
    worker = NotificationWorker(own, app, pool, js, **kwargs)  # type: ignore[arg-type]
    stopping = asyncio.Event()
    task = asyncio.create_task(worker.run(stopping, durable))
    try:
        yield Harness(own, app, js, worker, mail_dir, durable=durable)
    finally:
        stopping.set()
        await task
        if not keep:
            await js.delete_consumer(EVENTS_STREAM, durable)
        await pool.close()
        await nc.close()
        app.close()
