"""`cis consume notifications` SIGKILLed mid-batch, then restarted: each mail goes out,
at most the documented one twice, with the same Message-ID.

The sink keeps each message, then waits before answering 250: the consumer is killed
in that gap, after the server has the message and before it was marked sent. That is
the one resend SMTP cannot rule out; everything else goes exactly once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import nats
import psycopg
from nats.js.api import DeliverPolicy

from adapters.embedded.smtp import mail_dir, start_smtp_sink
from adapters.nats.streams import EVENTS_STREAM, consumer_config
from adapters.settings import Settings
from entrypoints.bootstrap import build_application
from entrypoints.workers.notifications import CONSUMER
from tests.databases import own_store
from tests.factories import META
from tests.integration.test_notification_rules import in_days
from tests.integration.test_notifications import list_model, register
from tests.mail import mails_to, publish_log, wait_for

CUSTOMERS = 8


def _consumer(settings: Settings, smtp_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, **dataclasses.replace(settings, smtp_url=smtp_url).as_env()}
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "consume",
                                 "notifications"], env=env, stdout=out, stderr=out)


async def test_sigkill_mid_batch_then_restart_sends_each_mail_once_but_the_one_in_flight(
    settings: Settings, tmp_path: Path
) -> None:
    slow, slow_url = start_smtp_sink(tmp_path, answer_delay=0.6)
    own = await asyncio.to_thread(own_store, settings)
    app = build_application(own, pool_size=2)
    assert own.nats_url and own.database_url
    nc = await nats.connect(own.nats_url)
    js = nc.jetstream()
    # The real consumer name; from here on (the stream holds every other test's too).
    await js.add_consumer(EVENTS_STREAM, config=dataclasses.replace(
        consumer_config(CONSUMER), deliver_policy=DeliverPolicy.NEW))
    fast = None
    try:
        model = list_model(app)
        people = [register(app) for _ in range(CUSTOMERS)]
        for customer, _ in people:
            app.book_test_drive(customer, model=model, scheduled_at=in_days(0.5), meta=META)
        consumer = _consumer(own, slow_url, tmp_path / "consumer.log")
        await publish_log(app, js, 0, "crash")

        # Two mails answered, the third kept by the server but not yet answered: kill.
        await wait_for(lambda: len(list(mail_dir(tmp_path).glob("*.eml"))) == 3, timeout=30)
        consumer.send_signal(signal.SIGKILL)
        consumer.wait()
        in_flight = sorted(mail_dir(tmp_path).glob("*.eml"))[-1]
        slow.stop()

        fast, fast_url = start_smtp_sink(tmp_path)  # the same mail directory
        consumer = _consumer(own, fast_url, tmp_path / "consumer.log")
        try:
            await wait_for(lambda: _all_sent(own.database_url), timeout=30)
        finally:
            consumer.send_signal(signal.SIGTERM)
            consumer.wait(timeout=15)
        copies = Counter()
        for _, address in people:
            mails = mails_to(mail_dir(tmp_path), address)
            assert len({m["Message-ID"] for m in mails}) == 1, "one message per booking"
            copies[len(mails)] += 1
        assert copies == {1: CUSTOMERS - 1, 2: 1}, "only the one in flight went twice"
        twice = [m for _, a in people for m in mails_to(mail_dir(tmp_path), a)
                 if len(mails_to(mail_dir(tmp_path), a)) == 2]
        assert in_flight.name.endswith(_file_id(twice[0]["Message-ID"]) + ".eml")
        # The real process's log lines (crash and restart) name rows, never a person.
        logged = (tmp_path / "consumer.log").read_text()
        assert "notification sent" in logged
        for personal in ("Anna Muster", *(address for _, address in people)):
            assert personal not in logged
    finally:
        if fast is not None:
            fast.stop()
        await js.delete_consumer(EVENTS_STREAM, CONSUMER)
        await nc.close()
        app.close()


def _file_id(message_id: str) -> str:
    return message_id.strip("<>")


async def _all_sent(database_url: str) -> bool:
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        cursor = await conn.execute(
            "SELECT count(*) FILTER (WHERE status = 'sent'), count(*) FROM notify.outbox")
        sent, total = await cursor.fetchone() or (0, 0)
        return bool(total == CUSTOMERS and sent == CUSTOMERS)


def test_a_wrong_smtp_url_stops_the_consumer_with_a_message_not_a_traceback(
    settings: Settings, tmp_path: Path
) -> None:
    env = {**os.environ, **dataclasses.replace(settings, smtp_url="http://mail.example.ch",
                                               data_dir=tmp_path).as_env()}
    done = subprocess.run([sys.executable, "-m", "entrypoints.cli", "consume", "notifications"],
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "CIS_SMTP_URL must start with smtp:// or smtps://" in done.stderr
    assert "Traceback" not in done.stderr


async def test_a_sender_that_ends_stops_the_process_instead_of_leaving_it_consuming(
        settings: Settings) -> None:
    """Consuming with nobody sending would fill the outbox and look healthy: the process
    fails instead, for the supervisor to restart it."""
    import uuid

    import pytest
    from psycopg_pool import AsyncConnectionPool

    from entrypoints.workers.notifications import NotificationWorker

    own = await asyncio.to_thread(own_store, settings, smtp_url="smtp://127.0.0.1:9")
    app = build_application(own, pool_size=1)
    assert own.nats_url and own.database_url
    nc = await nats.connect(own.nats_url)
    durable = f"notify_{uuid.uuid4().hex[:8]}"
    try:
        async with AsyncConnectionPool(own.database_url, min_size=1, max_size=2) as pool:
            worker = NotificationWorker(own, app, pool, nc.jetstream())  # type: ignore[arg-type]

            async def broken(stopping: asyncio.Event) -> None:
                raise OSError("the sender's failure nobody foresaw")

            worker.dispatcher.run = broken  # type: ignore[method-assign]
            with pytest.raises(RuntimeError, match="sender ended unasked"):
                await asyncio.wait_for(worker.run(asyncio.Event(), durable), 30)
    finally:
        await nc.jetstream().delete_consumer(EVENTS_STREAM, durable)
        await nc.close()
        app.close()
