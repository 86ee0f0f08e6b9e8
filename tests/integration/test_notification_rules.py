"""Who gets which mail, when: reminders, consent, erasure, duplicates, SMTP outages.

Each test runs the notification consumer against an event store of its own, real
NATS and our aiosmtpd sink; the sender's clock is set by the test, never slept on.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec
import nats
import psycopg
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy
from prometheus_client import CollectorRegistry, generate_latest
from psycopg_pool import AsyncConnectionPool

from adapters.embedded.nats import start_nats
from adapters.embedded.smtp import mail_dir, start_smtp_sink
from adapters.nats.streams import DLQ_STREAM
from adapters.postgres.notifications import (
    NotificationStore,
    outbox_figures,
    purge_customer,
    sent_notifications,
)
from adapters.settings import Settings
from application.integration_events import subject_of
from application.notifications import Outgoing, Plan, Template
from domain.customer_facts import ConsentPurpose
from domain.sale import CancelReason
from domain.values import Canton, Email, Money
from entrypoints.http.notification_metrics import NotificationMetrics
from entrypoints.mail_cli import list_mail
from entrypoints.workers.notifications import CONSUMER
from tests.factories import META
from tests.integration.test_notifications import list_model, register
from tests.mail import Harness, SettableClock, mails_to, running_notifications, wait_for

DAY = timedelta(days=1)


def in_days(days: float) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)


async def statuses(harness: Harness, customer: uuid.UUID) -> dict[str, str]:
    return dict(await harness.outbox(customer))


async def test_a_reminder_goes_a_day_before_and_not_after_cancellation_no_show_or_completion(
    settings: Settings, smtp_sink: tuple[str, Path]
) -> None:
    clock = SettableClock()
    async with running_notifications(settings, *smtp_sink, clock=clock) as harness:
        app = harness.app
        model = list_model(app)
        kept, kept_address = register(app)
        cancelled, cancelled_address = register(app)
        completed, completed_address = register(app)
        missed, missed_address = register(app)
        soon, soon_address = register(app)
        at = in_days(3)
        app.book_test_drive(kept, model=model, scheduled_at=at, meta=META)
        drive = app.book_test_drive(cancelled, model=model, scheduled_at=at, meta=META).id
        done = app.book_test_drive(completed, model=model, scheduled_at=at, meta=META).id
        no_show = app.book_test_drive(missed, model=model, scheduled_at=at, meta=META).id
        # Less than a day ahead: a confirmation, no reminder.
        app.book_test_drive(soon, model=model, scheduled_at=in_days(0.5), meta=META)
        await harness.publish()
        for address in (kept_address, cancelled_address, completed_address, missed_address,
                        soon_address):
            await wait_for(lambda a=address: len(mails_to(harness.mail_dir, a)) == 1)
        await harness.settled(soon)
        assert (await statuses(harness, soon)) == {"test_drive_confirmation": "sent"}

        # Cancelled and completed (entered early) before the reminder is due.
        app.cancel_test_drive(cancelled, drive, meta=META)
        app.complete_test_drive(completed, done, rating=5, notes=None, meta=META)
        app.mark_test_drive_missed(missed, no_show, meta=META)  # entered early, by mistake
        await harness.publish()
        await wait_for(lambda: _reminder_status(harness, cancelled, "cancelled"))
        await wait_for(lambda: _reminder_status(harness, completed, "cancelled"))
        await wait_for(lambda: _reminder_status(harness, missed, "cancelled"))

        # A second before it is due: nothing. At the due time: the reminder.
        clock.set(at - DAY - timedelta(seconds=1))
        harness.worker.dispatcher.wake()
        await asyncio.sleep(0.3)
        assert len(mails_to(harness.mail_dir, kept_address)) == 1
        clock.set(at - DAY)
        harness.worker.dispatcher.wake()
        await wait_for(lambda: len(mails_to(harness.mail_dir, kept_address)) == 2)
        assert "morgen" in mails_to(harness.mail_dir, kept_address)[1]["Subject"]
        clock.set(at - timedelta(hours=1))
        harness.worker.dispatcher.wake()
        await asyncio.sleep(0.3)
        for address in (cancelled_address, completed_address, missed_address, soon_address):
            assert len(mails_to(harness.mail_dir, address)) == 1


async def _reminder_status(harness: Harness, customer: uuid.UUID, status: str) -> bool:
    return (await statuses(harness, customer)).get("test_drive_reminder") == status


async def test_a_reminder_survives_a_restart_of_the_consumer(
    settings: Settings, smtp_sink: tuple[str, Path]
) -> None:
    clock = SettableClock()
    async with running_notifications(settings, *smtp_sink, clock=clock, keep=True) as first:
        customer, address = register(first.app)
        at = in_days(2)
        first.app.book_test_drive(customer, model=list_model(first.app), scheduled_at=at,
                                  meta=META)
        await first.publish()
        await wait_for(lambda: len(mails_to(first.mail_dir, address)) == 1)
        await first.settled(customer)
    # Stopped; a new process (worker) on the same store and consumer, a day later.
    clock.set(at - DAY + timedelta(minutes=5))
    async with running_notifications(settings, *smtp_sink, clock=clock, store=first.settings,
                                     durable=first.durable) as second:
        await wait_for(lambda: len(mails_to(second.mail_dir, address)) == 2)
        # The sink keeps a mail before it answers 250: its row is marked sent a moment
        # after the mail is in the mailbox.
        await second.settled(customer)
        assert (await statuses(second, customer))["test_drive_reminder"] == "sent"


async def test_marketing_needs_consent_at_send_time_and_service_mail_does_not(
    settings: Settings, smtp_sink: tuple[str, Path]
) -> None:
    clock = SettableClock()
    async with running_notifications(settings, *smtp_sink, clock=clock) as harness:
        app = harness.app
        model = list_model(app)
        consenting, consenting_address = register(app, marketing=True)
        never, never_address = register(app)
        withdrawn, withdrawn_address = register(app, marketing=True)
        app.withdraw_consent(withdrawn, purpose=ConsentPurpose.MARKETING, meta=META)
        for customer in (consenting, never, withdrawn):
            app.book_test_drive(customer, model=model, scheduled_at=in_days(3), meta=META)
        app.put_incentive(canton=Canton.parse("ZH"), amount=Money(150_000),
                          description="Rabatt auf die Motorfahrzeugsteuer", meta=META)
        await harness.publish()
        await wait_for(lambda: len(mails_to(harness.mail_dir, consenting_address)) == 2)
        # The campaign says how to unsubscribe, to an address that is read (the
        # controller's by default, not the no-reply sender); a service mail is no list.
        reply_to = harness.settings.controller_email
        by_list = {m["List-Unsubscribe"]: m for m in mails_to(harness.mail_dir,
                                                              consenting_address)}
        assert set(by_list) == {None, f"<mailto:{reply_to}?subject=unsubscribe>"}
        assert all(m["Reply-To"] == reply_to for m in by_list.values())
        for address in (never_address, withdrawn_address):
            await wait_for(lambda a=address: len(mails_to(harness.mail_dir, a)) == 1)
            assert "Probefahrt" in mails_to(harness.mail_dir, address)[0]["Subject"]
        assert (await statuses(harness, never)).get("canton_incentive") is None

        # The campaign row is written while the consent stands (the sender's clock held
        # back so it is not sent yet); the consent is withdrawn before it is due: held.
        clock.offset = -DAY
        app.put_incentive(canton=Canton.parse("ZH"), amount=Money(100_000),
                          description="Neu", meta=META)
        await harness.publish()
        await wait_for(lambda: _rows(harness, consenting, "canton_incentive", 2))
        app.withdraw_consent(consenting, purpose=ConsentPurpose.MARKETING, meta=META)
        await harness.consumed(await harness.publish())
        clock.offset = timedelta(0)
        harness.worker.dispatcher.wake()
        await harness.settled(consenting)
        assert len(mails_to(harness.mail_dir, consenting_address)) == 2  # nothing more
        assert sorted(await harness.outbox(consenting)) == [
            ("canton_incentive", "sent"), ("canton_incentive", "skipped"),
            ("test_drive_confirmation", "sent"), ("test_drive_reminder", "pending")]


async def _rows(harness: Harness, customer: uuid.UUID, template: str, count: int) -> bool:
    return sum(1 for t, _ in await harness.outbox(customer) if t == template) == count


async def test_nothing_goes_to_an_erased_customer(
    settings: Settings, smtp_sink: tuple[str, Path]
) -> None:
    clock = SettableClock()
    async with running_notifications(settings, *smtp_sink, clock=clock) as harness:
        app = harness.app
        customer, address = register(app, marketing=True)
        at = in_days(3)
        app.book_test_drive(customer, model=list_model(app), scheduled_at=at, meta=META)
        await harness.publish()
        await wait_for(lambda: len(mails_to(harness.mail_dir, address)) == 1)
        await harness.settled(customer)  # the confirmation marked sent, not only in the sink
        assert (await statuses(harness, customer))["test_drive_reminder"] == "pending"

        # The DSG erasure's own step (issue 12 calls it in its transaction): the
        # pending reminder is cancelled.
        app.erase_customer(customer, meta=META)
        with psycopg.connect(harness.settings.database_url) as conn, conn.cursor() as cursor:
            assert purge_customer(cursor, customer) == 1
            records = sent_notifications(cursor, customer)
        assert [(r["template"], r["status"]) for r in records] == [
            ("test_drive_confirmation", "sent"), ("test_drive_reminder", "cancelled")]
        # Even a row that got in after the erasure (an incentive in flight) is refused
        # at send time: the contact data no longer opens.
        app.put_incentive(canton=Canton.parse("ZH"), amount=Money(50_000), description="x",
                          meta=META)
        await harness.consumed(await harness.publish())
        clock.set(at - timedelta(hours=2))
        harness.worker.dispatcher.wake()
        await harness.settled(customer)
        assert len(mails_to(harness.mail_dir, address)) == 1
        assert (await statuses(harness, customer)).get("canton_incentive") in (None, "skipped")


async def test_the_same_message_delivered_twice_sends_one_mail_and_nothing_personal_leaks(
    settings: Settings, smtp_sink: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    async with running_notifications(settings, *smtp_sink) as harness:
        app = harness.app
        customer, address = register(app, name="Seraina Tschurr")
        app.book_test_drive(customer, model=list_model(app), scheduled_at=in_days(0.5),
                            meta=META)
        events = await harness.publish()
        # The same event again, past JetStream's dedup window (no Nats-Msg-Id): the
        # consumer's inbox drops it.
        booked = events[-1]
        await harness.js.publish(subject_of(booked), msgspec.json.encode(booked))
        await harness.js.publish(subject_of(booked), msgspec.json.encode(booked))
        await harness.settled(customer)
        await asyncio.sleep(0.5)
        assert len(mails_to(harness.mail_dir, address)) == 1
        payloads = b"".join(msgspec.json.encode(e) for e in events)
        # `cis mail list`: what was sent, without a body, a name or an address.
        assert list_mail(harness.settings, limit=10, customer=str(customer)) == 0  # type: ignore[arg-type]
        listed = capsys.readouterr()
        assert "test_drive_confirmation  de" in listed.out and "sent" in listed.out
        assert mails_to(harness.mail_dir, address)[0]["Message-ID"] in listed.out
    logged = listed.err + capsys.readouterr().err
    assert "notification sent" in logged
    for secret in ("Seraina", "Tschurr", address):
        assert secret.encode() not in payloads
        assert secret not in logged and secret not in listed.out


async def test_mail_waits_out_an_smtp_outage_and_none_is_lost(
    settings: Settings, tmp_path: Path
) -> None:
    server, url = start_smtp_sink(tmp_path)
    port = int(url.rsplit(":", 1)[1])
    async with running_notifications(settings, url, mail_dir(tmp_path)) as harness:
        app = harness.app
        server.stop()  # SMTP down
        model = list_model(app)
        people = [register(app) for _ in range(3)]
        for customer, _ in people:
            app.book_test_drive(customer, model=model, scheduled_at=in_days(0.5), meta=META)
        await harness.publish()
        await wait_for(lambda: _attempted(harness, people[0][0]))
        await asyncio.sleep(2.0)  # retried with back-off meanwhile
        server, _ = start_smtp_sink(tmp_path, port=port)  # back
        try:
            for _, address in people:
                await wait_for(lambda a=address: len(mails_to(harness.mail_dir, a)) == 1,
                               timeout=20)
            for customer, _ in people:
                await harness.settled(customer)
                assert (await statuses(harness, customer)) == {
                    Template.TEST_DRIVE_CONFIRMATION.value: "sent"}
            # What /metrics says (the query API exports these from the outbox).
            registry = CollectorRegistry()
            metrics = NotificationMetrics(registry)
            await metrics.refresh(harness.settings.database_url)
            exposed = generate_latest(registry).decode()
            assert ('cis_notifications_sent_total{language="de",'
                    'template="test_drive_confirmation"} 3.0') in exposed
            failed = 'cis_notifications_failed_attempts_total{template="test_drive_confirmation"}'
            assert float(exposed.split(failed)[1].split()[0]) >= 1
            assert "cis_notifications_dead_lettered 0.0" in exposed
        finally:
            server.stop()


async def _attempted(harness: Harness, customer: uuid.UUID) -> bool:
    async with await psycopg.AsyncConnection.connect(harness.settings.database_url) as conn:
        cursor = await conn.execute(
            "SELECT attempts FROM notify.outbox WHERE customer_id = %s", (customer,))
        found = await cursor.fetchone()
        return found is not None and found[0] >= 1


async def test_a_permanent_refusal_is_dead_lettered_with_its_code_and_the_rest_go_on(
    settings: Settings, tmp_path: Path
) -> None:
    server, url = start_smtp_sink(tmp_path, refuse_domain="refused.example")
    try:
        async with running_notifications(settings, url, mail_dir(tmp_path)) as harness:
            app = harness.app
            model = list_model(app)
            bounced, _ = register(app)
            app.change_contact(bounced, email=Email.parse("gone@refused.example"), phone=None,
                               meta=META)
            fine, fine_address = register(app)
            for customer in (bounced, fine):
                app.book_test_drive(customer, model=model, scheduled_at=in_days(0.5),
                                    meta=META)
            await harness.publish()
            await wait_for(lambda: len(mails_to(harness.mail_dir, fine_address)) == 1)
            await harness.settled(bounced)
            assert await statuses(harness, bounced) == {"test_drive_confirmation": "failed"}
            dlq = await harness.js.subscribe(f"cis.dlq.{CONSUMER}", stream=DLQ_STREAM,
                                             config=ConsumerConfig(
                                                 deliver_policy=DeliverPolicy.ALL))
            parked = []
            with contextlib.suppress(nats.errors.TimeoutError):
                while True:
                    message = await dlq.next_msg(timeout=1)
                    if msgspec.json.decode(message.data)["customer_id"] == str(bounced):
                        parked.append(message)
            await dlq.unsubscribe()
            assert len(parked) == 1
            assert parked[0].headers and parked[0].headers["Cis-Reason"] == "SMTP 550"
            assert b"refused.example" not in parked[0].data
            assert harness.settings.database_url
            figures = await outbox_figures(harness.settings.database_url, datetime.now(UTC))
            assert figures.dead_lettered == 1  # /metrics: cis_notifications_dead_lettered
    finally:
        server.stop()


async def test_a_row_written_by_another_process_wakes_the_sender_through_notify(
    settings: Settings, smtp_sink: tuple[str, Path]
) -> None:
    async with running_notifications(settings, *smtp_sink) as harness:
        customer, address = register(harness.app)
        await harness.publish()
        await asyncio.sleep(0.5)  # the sender has swept and sleeps (minutes: nothing due)
        # Another consumer process's transaction: no in-process wake-up reaches this one.
        async with AsyncConnectionPool(harness.settings.database_url, min_size=1,
                                       open=False) as pool:
            other = NotificationStore(pool)
            message = Outgoing(Template.CONTRACT, customer, datetime.now(UTC),
                               {"model": "VOLTA", "final_price": 4_000_000})
            assert await other.record(uuid.uuid4(), Plan(messages=(message,)))
        await wait_for(lambda: len(mails_to(harness.mail_dir, address)) == 1, timeout=5)


async def _row_of(harness: Harness, customer: uuid.UUID, template: Template
                  ) -> tuple[str, int] | None:
    """(status, attempts) of the customer's row of `template`."""
    async with await psycopg.AsyncConnection.connect(harness.settings.database_url) as conn:
        cursor = await conn.execute(
            "SELECT status, attempts FROM notify.outbox WHERE customer_id = %s "
            "AND template = %s", (customer, template.value))
        found = await cursor.fetchone()
        return None if found is None else (found[0], found[1])


async def test_a_reminder_held_up_by_an_outage_shows_how_late_it_is_and_is_not_given_up(
    settings: Settings, tmp_path: Path
) -> None:
    server, url = start_smtp_sink(tmp_path)
    port = int(url.rsplit(":", 1)[1])
    clock = SettableClock()
    async with running_notifications(settings, url, mail_dir(tmp_path), clock=clock) as harness:
        app = harness.app
        customer, address = register(app)
        at = in_days(3)
        app.book_test_drive(customer, model=list_model(app), scheduled_at=at, meta=META)
        await harness.publish()
        await wait_for(lambda: len(mails_to(harness.mail_dir, address)) == 1)
        server.stop()  # SMTP down from before the reminder is due
        clock.set(at - DAY + timedelta(hours=1))  # it came due an hour ago
        harness.worker.dispatcher.wake()

        async def tried() -> bool:
            row = await _row_of(harness, customer, Template.TEST_DRIVE_REMINDER)
            return row is not None and row[1] >= 1
        await wait_for(tried)
        assert harness.settings.database_url
        # An hour late, whatever the retries did to its next attempt (alert on this).
        figures = await outbox_figures(harness.settings.database_url, clock())
        assert 3500 <= figures.oldest_due_reminder_seconds <= 3700
        assert figures.dead_lettered == 0
        assert (await _row_of(harness, customer, Template.TEST_DRIVE_REMINDER) or ("",))[0] \
            == "pending"
        server, _ = start_smtp_sink(tmp_path, port=port)
        try:
            await wait_for(lambda: len(mails_to(harness.mail_dir, address)) == 2, timeout=20)
            figures = await outbox_figures(harness.settings.database_url, clock())
            assert figures.oldest_due_reminder_seconds == 0.0
        finally:
            server.stop()


async def test_a_mail_long_overdue_is_retried_through_an_outage_not_dead_lettered_at_once(
    settings: Settings, tmp_path: Path
) -> None:
    """A backlog (the consumer was down for days) meets an SMTP outage: the day of
    retries counts from the first failed attempt, not from when the mail was due."""
    server, url = start_smtp_sink(tmp_path)
    port = int(url.rsplit(":", 1)[1])
    async with running_notifications(settings, url, mail_dir(tmp_path)) as harness:
        customer, address = register(harness.app)
        server.stop()
        assert harness.settings.database_url
        async with AsyncConnectionPool(harness.settings.database_url, min_size=1,
                                       open=False) as pool:
            message = Outgoing(Template.CONTRACT, customer, datetime.now(UTC) - 2 * DAY,
                               {"model": "VOLTA", "final_price": 4_000_000})
            assert await NotificationStore(pool).record(uuid.uuid4(), Plan(messages=(message,)))

        async def tried() -> bool:
            row = await _row_of(harness, customer, Template.CONTRACT)
            return row is not None and row[1] >= 1
        await wait_for(tried)
        await asyncio.sleep(0.5)
        assert (await _row_of(harness, customer, Template.CONTRACT) or ("",))[0] == "pending"
        server, _ = start_smtp_sink(tmp_path, port=port)
        try:
            await wait_for(lambda: len(mails_to(harness.mail_dir, address)) == 1, timeout=20)
        finally:
            server.stop()


async def test_the_campaign_skips_customers_with_a_contract_and_of_other_cantons(
    settings: Settings, smtp_sink: tuple[str, Path]
) -> None:
    async with running_notifications(settings, *smtp_sink) as harness:
        app = harness.app
        model = list_model(app)
        prospect, prospect_address = register(app, marketing=True)
        buyer, buyer_address = register(app, marketing=True)
        elsewhere, elsewhere_address = register(app, canton="BE", postal_code="3011",
                                                marketing=True)
        sale = app.open_sale(customer_id=buyer, model=model, meta=META).id
        app.quote_sale(sale, price=Money(4_800_000), discount=Money(0), incentives=Money(0),
                       meta=META)
        app.sign_contract(sale, final_price=Money(4_800_000), meta=META)
        await harness.consumed(await harness.publish())
        await wait_for(lambda: len(mails_to(harness.mail_dir, buyer_address)) == 2)
        app.put_incentive(canton=Canton.parse("ZH"), amount=Money(300_000),
                          description="Keine Motorfahrzeugsteuer", meta=META)
        await harness.consumed(await harness.publish())
        await wait_for(lambda: len(mails_to(harness.mail_dir, prospect_address)) == 1)
        await harness.settled(prospect)
        assert "Kanton" in mails_to(harness.mail_dir, prospect_address)[0]["Subject"]
        subjects = [m["Subject"] for m in mails_to(harness.mail_dir, buyer_address)]
        assert len(subjects) == 2 and not any("Kanton" in s for s in subjects)  # quote, contract
        assert mails_to(harness.mail_dir, elsewhere_address) == []
        assert (await statuses(harness, elsewhere)) == {}


async def test_the_sender_wakes_by_itself_at_the_next_due_time(
    settings: Settings, smtp_sink: tuple[str, Path]
) -> None:
    """A timer, not a poll: a row due in 1.5 s goes out then, with no wake-up and no
    NOTIFY at its due time (the sender otherwise sleeps for minutes)."""
    async with running_notifications(settings, *smtp_sink) as harness:
        customer, address = register(harness.app)
        await harness.publish()
        await asyncio.sleep(0.5)  # nothing due: the sender sleeps
        assert harness.settings.database_url
        due_at = datetime.now(UTC) + timedelta(seconds=1.5)
        async with AsyncConnectionPool(harness.settings.database_url, min_size=1,
                                       open=False) as pool:
            message = Outgoing(Template.CONTRACT, customer, due_at,
                               {"model": "VOLTA", "final_price": 4_000_000})
            assert await NotificationStore(pool).record(uuid.uuid4(), Plan(messages=(message,)))
        await asyncio.sleep(1.0)
        assert mails_to(harness.mail_dir, address) == [], "not before it is due"
        await wait_for(lambda: len(mails_to(harness.mail_dir, address)) == 1, timeout=5)
        late = datetime.now(UTC) - due_at
        assert late < timedelta(seconds=1.5), late


async def test_a_cancelled_contract_puts_the_customer_back_in_the_campaign(
    settings: Settings, smtp_sink: tuple[str, Path]
) -> None:
    async with running_notifications(settings, *smtp_sink) as harness:
        app = harness.app
        model = list_model(app)
        buyer, buyer_address = register(app, marketing=True)
        sale = app.open_sale(customer_id=buyer, model=model, meta=META).id
        app.quote_sale(sale, price=Money(4_800_000), discount=Money(0), incentives=Money(0),
                       meta=META)
        app.sign_contract(sale, final_price=Money(4_800_000), meta=META)
        app.cancel_sale(sale, reason=CancelReason.CUSTOMER_WITHDREW, meta=META)
        await harness.consumed(await harness.publish())
        await wait_for(lambda: len(mails_to(harness.mail_dir, buyer_address)) == 2)
        app.put_incentive(canton=Canton.parse("ZH"), amount=Money(300_000),
                          description="Keine Motorfahrzeugsteuer", meta=META)
        await harness.consumed(await harness.publish())
        await wait_for(lambda: len(mails_to(harness.mail_dir, buyer_address)) == 3)
        assert "Kanton" in mails_to(harness.mail_dir, buyer_address)[-1]["Subject"]


async def test_a_reminder_sent_late_on_the_drives_own_day_says_today_not_tomorrow(
    settings: Settings, smtp_sink: tuple[str, Path]
) -> None:
    """Held up (SMTP or the consumer down) until the morning of the drive, the reminder
    must not tell the customer the drive is tomorrow."""
    zurich = ZoneInfo("Europe/Zurich")
    clock = SettableClock()
    async with running_notifications(settings, *smtp_sink, clock=clock) as harness:
        app = harness.app
        customer, address = register(app)
        day = (datetime.now(zurich) + timedelta(days=3)).date()
        at = datetime.combine(day, time(14, 0), zurich)
        app.book_test_drive(customer, model=list_model(app), scheduled_at=at, meta=META)
        await harness.publish()
        await wait_for(lambda: len(mails_to(harness.mail_dir, address)) == 1)
        clock.set(at - timedelta(hours=3))  # 11:00 on the day itself
        harness.worker.dispatcher.wake()
        await wait_for(lambda: len(mails_to(harness.mail_dir, address)) == 2)
        reminder = mails_to(harness.mail_dir, address)[1]
        assert "heute um 14:00 Uhr" in reminder["Subject"], reminder["Subject"]
        body = reminder.get_body(("plain",))
        assert body is not None and "morgen" not in body.get_content()


async def test_a_row_that_cannot_be_composed_is_dead_lettered_and_the_sender_goes_on(
    settings: Settings, smtp_sink: tuple[str, Path]
) -> None:
    """One broken row (here its details lack the price its template shows) must not stop
    the sender: parked with the reason, and the mail behind it still goes."""
    async with running_notifications(settings, *smtp_sink) as harness:
        broken, _ = register(harness.app)
        fine, fine_address = register(harness.app)
        await harness.publish()
        assert harness.settings.database_url
        now = datetime.now(UTC)
        async with AsyncConnectionPool(harness.settings.database_url, min_size=1,
                                       open=False) as pool:
            store = NotificationStore(pool)
            assert await store.record(uuid.uuid4(), Plan(messages=(
                Outgoing(Template.CONTRACT, broken, now - timedelta(seconds=1),
                         {"model": "VOLTA"}),)))
            assert await store.record(uuid.uuid4(), Plan(messages=(
                Outgoing(Template.CONTRACT, fine, now, {"model": "VOLTA",
                                                         "final_price": 4_000_000}),)))
        await wait_for(lambda: len(mails_to(harness.mail_dir, fine_address)) == 1)
        await harness.settled(broken)
        assert (await statuses(harness, broken)) == {"contract_signed": "failed"}
        async with await psycopg.AsyncConnection.connect(harness.settings.database_url) as conn:
            cursor = await conn.execute(
                "SELECT reason FROM notify.outbox WHERE customer_id = %s", (broken,))
            (reason,) = await cursor.fetchone() or ("",)
        assert reason.startswith("cannot compose: ")  # the error's name, no person


async def test_a_dead_letter_that_cannot_reach_nats_is_retried_and_the_sender_goes_on(
    settings: Settings, tmp_path: Path
) -> None:
    """NATS stalled just as a refused mail is parked: the sender waits it out (the row
    stays pending, so it is parked once NATS answers) instead of stopping for good."""
    nats_server, nats_url = start_nats(tmp_path / "nats")
    smtp, smtp_url = start_smtp_sink(tmp_path, refuse_domain="refused.example")
    try:
        own = dataclasses.replace(settings, nats_url=nats_url)
        async with running_notifications(own, smtp_url, mail_dir(tmp_path)) as harness:
            bounced, _ = register(harness.app)
            harness.app.change_contact(bounced, email=Email.parse("gone@refused.example"),
                                       phone=None, meta=META)
            fine, fine_address = register(harness.app)
            await harness.consumed(await harness.publish())  # the consumer is subscribed
            assert harness.settings.database_url
            async with AsyncConnectionPool(harness.settings.database_url, min_size=1,
                                           open=False) as pool:
                store = NotificationStore(pool)
                os.kill(nats_server.process.pid, signal.SIGSTOP)
                try:
                    assert await store.record(uuid.uuid4(), Plan(messages=(Outgoing(
                        Template.CONTRACT, bounced, datetime.now(UTC),
                        {"model": "VOLTA", "final_price": 4_000_000}),)))
                    await asyncio.sleep(6)  # the dead letter's publish times out (5 s)
                finally:
                    os.kill(nats_server.process.pid, signal.SIGCONT)
                assert await store.record(uuid.uuid4(), Plan(messages=(Outgoing(
                    Template.CONTRACT, fine, datetime.now(UTC),
                    {"model": "VOLTA", "final_price": 4_000_000}),)))
            await wait_for(lambda: len(mails_to(harness.mail_dir, fine_address)) == 1,
                           timeout=40)
            await harness.settled(bounced, timeout=40)
            assert (await statuses(harness, bounced)) == {"contract_signed": "failed"}
    finally:
        os.kill(nats_server.process.pid, signal.SIGCONT)
        nats_server.stop()
        smtp.stop()
