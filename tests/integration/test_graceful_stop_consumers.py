"""SIGTERM mid-batch for the JetStream consumers: the batch in hand is handled and acked
before the process exits 0 within the bound, so nothing waits for a redelivery and a
restart goes on with the rest; each mail goes out exactly once (a SIGKILL may send the
one in flight twice: tests/integration/test_notification_crash.py)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nats
import psycopg
import pytest
from nats.js.api import DeliverPolicy

from adapters.embedded.nats import start_nats
from adapters.embedded.smtp import mail_dir, start_smtp_sink
from adapters.nats.streams import EVENTS_STREAM, consumer_config
from adapters.settings import Settings
from domain.customer import Customer
from domain.ids import CustomerID
from entrypoints.bootstrap import build_application
from entrypoints.workers.notifications import CONSUMER as NOTIFICATIONS
from entrypoints.workers.scoring import CONSUMER as SCORING
from tests.databases import own_store
from tests.factories import META, registration
from tests.integration.test_graceful_stop import cis, stopped
from tests.integration.test_notification_rules import in_days
from tests.integration.test_notifications import list_model, register
from tests.mail import mails_to, publish_log, wait_for

MAILS = 8
REGISTRATIONS = 600


@pytest.fixture
def own_nats(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """An event store and a NATS of the test's own, so the stream holds only its events."""
    server, url = start_nats(tmp_path / "nats")
    yield own_store(dataclasses.replace(settings, nats_url=url))
    server.stop()


async def _unacknowledged(settings: Settings, durable: str) -> tuple[int, int]:
    """(delivered but not acked, not yet delivered) of the durable consumer."""
    assert settings.nats_url
    nc = await nats.connect(settings.nats_url)
    try:
        info = await nc.jetstream().consumer_info(EVENTS_STREAM, durable)
    finally:
        await nc.close()
    return info.num_ack_pending, info.num_pending


def _inbox(settings: Settings, consumer: str) -> int:
    assert settings.database_url
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute("SELECT count(*) FROM read.consumer_inbox WHERE consumer = %s",
                           (consumer,)).fetchone()
    return int(row[0]) if row else 0


async def _registrations_published(own: Settings, prefix: str) -> list[Any]:
    """REGISTRATIONS customers registered, their events published as the relay does."""
    app = build_application(own, pool_size=2)
    try:
        app.save(*(Customer.register(customer_id=CustomerID(uuid.uuid4()), **registration())
                   for _ in range(REGISTRATIONS)))
        assert own.nats_url
        nc = await nats.connect(own.nats_url)
        try:
            sent, _ = await publish_log(app, nc.jetstream(), 0, prefix)
        finally:
            await nc.close()
    finally:
        app.close()
    return sent


async def test_scoring_acks_its_batch_before_it_exits_and_a_restart_does_the_rest(
    own_nats: Settings, tmp_path: Path
) -> None:
    own = own_nats
    sent = await _registrations_published(own, "stop")
    log = tmp_path / "scoring.log"

    first = cis(own, ["consume", "scoring"], log)
    await wait_for(lambda: _inbox(own, SCORING) > 0, timeout=60)
    assert await asyncio.to_thread(stopped, first) == 0
    handled = _inbox(own, SCORING)
    ack_pending, waiting = await _unacknowledged(own, SCORING)
    assert 0 < handled < len(sent), "the stop should land mid-way"
    assert ack_pending == 0, "every message handled was acked before the exit"
    assert waiting == len(sent) - handled

    second = cis(own, ["consume", "scoring"], log)
    try:
        await wait_for(lambda: _inbox(own, SCORING) == len(sent), timeout=120)
    finally:
        assert await asyncio.to_thread(stopped, second) == 0
    assert await _unacknowledged(own, SCORING) == (0, 0)


async def test_notifications_finish_the_mail_in_flight_and_send_each_exactly_once(
    own_nats: Settings, tmp_path: Path
) -> None:
    own = own_nats
    slow, slow_url = start_smtp_sink(tmp_path, answer_delay=0.6)
    app = build_application(own, pool_size=2)
    assert own.nats_url and own.database_url
    nc = await nats.connect(own.nats_url)
    js = nc.jetstream()
    await js.add_consumer(EVENTS_STREAM, config=dataclasses.replace(
        consumer_config(NOTIFICATIONS), deliver_policy=DeliverPolicy.ALL))
    fast = None
    log = tmp_path / "notifications.log"
    try:
        model = list_model(app)
        people = [register(app) for _ in range(MAILS)]
        for customer, _ in people:
            app.book_test_drive(customer, model=model, scheduled_at=in_days(0.5), meta=META)
        consumer = cis(dataclasses.replace(own, smtp_url=slow_url), ["consume", "notifications"],
                       log)
        await publish_log(app, js, 0, "stop")

        # Two mails answered, the third kept by the server but not yet answered: SIGTERM.
        await wait_for(lambda: len(list(mail_dir(tmp_path).glob("*.eml"))) == 3, timeout=30)
        assert await asyncio.to_thread(stopped, consumer) == 0
        slow.stop()
        assert (await _unacknowledged(own, NOTIFICATIONS))[0] == 0

        fast, fast_url = start_smtp_sink(tmp_path)  # the same mail directory
        consumer = cis(dataclasses.replace(own, smtp_url=fast_url),
                       ["consume", "notifications"], log)
        try:
            await wait_for(lambda: _all_sent(own.database_url), timeout=30)
        finally:
            assert await asyncio.to_thread(stopped, consumer) == 0
        copies = Counter(len(mails_to(mail_dir(tmp_path), address)) for _, address in people)
        assert copies == {1: MAILS}, "each mail once, the one in flight too"
    finally:
        if fast is not None:
            fast.stop()
        await nc.close()
        app.close()


async def _all_sent(database_url: str) -> bool:
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        cursor = await conn.execute(
            "SELECT count(*) FILTER (WHERE status = 'sent'), count(*) FROM notify.outbox")
        sent, total = await cursor.fetchone() or (0, 0)
        return bool(total == MAILS and sent == MAILS)


async def _slow_link(upstream_port: int, delay: float) -> asyncio.Server:
    """A loopback proxy to NATS whose answers arrive `delay` late (a NATS in another
    zone): longer than a fetch waits for the rest of its batch."""
    async def serve(client_reader: asyncio.StreamReader,
                    client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1",
                                                                     upstream_port)

        async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       late: float) -> None:
            with contextlib.suppress(ConnectionError):
                while chunk := await reader.read(65536):
                    await asyncio.sleep(late)
                    writer.write(chunk)
                    await writer.drain()
            writer.close()

        await asyncio.gather(pump(client_reader, server_writer, 0.0),
                             pump(server_reader, client_writer, delay))

    return await asyncio.start_server(serve, "127.0.0.1", 0)


async def test_messages_delivered_after_their_fetch_gave_up_are_handled_before_the_exit(
    own_nats: Settings
) -> None:
    """Over a slow link, a batch's rest arrives after the fetch stopped waiting and sits
    in the subscription's queue: a stop handles and acks it, leaving nothing to wait out
    ack_wait (and the restart or the other process)."""
    from urllib.parse import urlparse

    from adapters.nats.consumer import run_consumer
    from application.integration_events import IntegrationEvent

    own = own_nats
    sent = await _registrations_published(own, "late")
    port = urlparse(own.nats_url).port
    assert port
    link = await _slow_link(port, delay=0.03)
    handled: list[IntegrationEvent] = []

    async def handle(event: IntegrationEvent) -> None:
        handled.append(event)

    slow = await nats.connect(f"nats://127.0.0.1:{link.sockets[0].getsockname()[1]}")
    stopping = asyncio.Event()
    try:
        consumer = asyncio.create_task(run_consumer(slow.jetstream(), "late", handle,
                                                    stopping))
        await wait_for(lambda: len(handled) >= 20, timeout=60)
        stopping.set()
        await asyncio.wait_for(consumer, 15)
    finally:
        await slow.close()
        link.close()
    ack_pending, waiting = await _unacknowledged(own, "late")
    assert 0 < len(handled) < len(sent), "the stop should land mid-way"
    assert ack_pending == 0, "every message delivered was handled and acked before the exit"
    assert waiting == len(sent) - len(handled)
