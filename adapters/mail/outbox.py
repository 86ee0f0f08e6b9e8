"""The sender: sends each outbox row when it is due, once, through SMTP.

A timer, not a polling loop: it sends what is due, then sleeps until the next row's
due time (a reminder may be days away), and is woken early when the consumer adds a
row (`wake`) or another process announces one (Postgres NOTIFY). Each row is sent in
its own transaction, holding its row lock: the contact data is opened from the sealed
personal data through the application at that moment, the send-time rules apply
(`application.notifications.refusal`), and the row is marked sent only after the SMTP
server accepted the message. Crashing between the server's answer and the commit
leaves the row pending: it goes out once more, with the same Message-ID.

SMTP unreachable (or 4xx): the row is retried with back-off (1 s doubling to 5 min)
and dead-lettered only after `give_up_after` (a day). A 5xx: dead-lettered at once
with the code. Log lines name the row, template and language, never a person.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Any
from uuid import UUID

import nats.errors
import psycopg
import psycopg_pool
import structlog
from eventsourcing.persistence import PersistenceError

from adapters.backoff import Backoff
from adapters.mail.composing import compose, domain_of
from adapters.mail.rendering import ZURICH, Renderer
from adapters.postgres.notifications import NOTIFY_CHANNEL, Due, NotificationStore, SendingRow
from adapters.smtp.sending import SmtpRefused, SmtpSender, SmtpUnavailable
from application.errors import NotFound
from application.notifications import MARKETING, Recipient, Template, message_id, refusal
from application.services import CustomerIntelligence
from domain.customer import Customer
from domain.customer_facts import ConsentPurpose
from domain.errors import InvalidValue
from domain.values import Canton, Language, ModelCode

__all__ = ["Clock", "DeadLetter", "Dispatcher", "recipient_of", "system_clock"]

log = structlog.get_logger()

Clock = Callable[[], datetime]
DeadLetter = Callable[[SendingRow, str], Awaitable[None]]
# Postgres away, as our pool or the event store's recorder (eventsourcing) says it:
# waited out, the row stays pending.
_DB_ERRORS = (psycopg.Error, psycopg_pool.PoolTimeout, PersistenceError)
_NATS_ERRORS = (nats.errors.Error, TimeoutError)
_SAFETY_WAKE = 300.0  # seconds: wake now and then even so, should a wake-up go amiss


def system_clock() -> datetime:
    return datetime.now(UTC)


def recipient_of(customer: Customer) -> Recipient:
    """The customer as a recipient, with the contact data opened (None once erased)."""
    name, email = customer.name.value, customer.email.value
    return Recipient(
        erased=customer.erased,
        name=None if name is None else str(name),
        email=None if email is None else str(email),
        language=Language(customer.language),
        marketing_consent=ConsentPurpose.MARKETING in customer.consents,
        test_drives={drive.id: (drive.status, drive.scheduled_at)
                     for drive in customer.test_drives.values()},
    )


class Dispatcher:
    def __init__(self, store: NotificationStore, app: CustomerIntelligence, sender: SmtpSender,
                 *, mail_from: str, reply_to: str, dead_letter: DeadLetter,
                 clock: Clock = system_clock,
                 renderer: Renderer | None = None, listen_to: str | None = None,
                 give_up_after: timedelta = timedelta(days=1)) -> None:
        self._store, self._app, self._sender = store, app, sender
        self._mail_from, self._domain = mail_from, domain_of(mail_from)
        self._reply_to = parseaddr(reply_to)[1] or reply_to
        self._dead_letter, self.clock = dead_letter, clock
        self._renderer = renderer or Renderer()
        self._give_up_after = give_up_after
        self._listen_to = listen_to  # a database URL: woken by NOTIFY cis_notifications
        self._wake = asyncio.Event()
        self._smtp_backoff = Backoff(first=1.0, cap=300.0)
        self._db_backoff = Backoff(first=1.0, cap=30.0)
        self._blocked_until: datetime | None = None
        self.sent = 0

    def wake(self) -> None:
        """Look again now: a row was added, or the clock moved."""
        self._wake.set()

    async def run(self, stopping: asyncio.Event) -> None:
        listener = None
        if self._listen_to is not None:
            listener = asyncio.create_task(self._listen(self._listen_to, stopping))
        try:
            await self._sweep_until(stopping)
        finally:
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener

    async def _listen(self, database_url: str, stopping: asyncio.Event) -> None:
        """Rows written by another process (another consumer) wake this sender too."""
        backoff = Backoff(first=1.0, cap=30.0)
        while not stopping.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(
                        database_url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    backoff.reset()
                    self.wake()  # whatever came while not listening
                    async for _ in conn.notifies():
                        self.wake()
            except psycopg.Error as error:
                delay = backoff.next_delay()
                log.warning("notification sender cannot listen; retrying",
                            error=type(error).__name__, retry_in_seconds=delay)
                await _first_of(asyncio.Event(), stopping, delay)

    async def _sweep_until(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            self._wake.clear()  # before looking: a wake-up during the sweep is kept
            try:
                await self.send_due(stopping)
                await self._sender.close()  # nothing more due: no idle connection kept
                timeout = await self._until_next()
                self._db_backoff.reset()
            except _DB_ERRORS as error:
                timeout = self._db_backoff.next_delay()
                log.warning("notification sender cannot reach Postgres; retrying",
                            error=type(error).__name__, retry_in_seconds=timeout)
            except _NATS_ERRORS as error:
                # A dead letter could not be parked: its row's transaction rolled back, so
                # it is still pending and is parked once NATS answers again.
                timeout = self._db_backoff.next_delay()
                log.warning("notification sender cannot reach NATS for a dead letter; "
                            "retrying", error=type(error).__name__, retry_in_seconds=timeout)
            await _first_of(self._wake, stopping, timeout)

    async def send_due(self, stopping: asyncio.Event | None = None) -> int:
        """Send every row due now (until `stopping`: the mail in hand is finished, the
        rest waits for the next start); how many were sent."""
        sent = 0
        while not self._blocked() and not (stopping is not None and stopping.is_set()):
            async with self._store.due(self.clock()) as due:
                if due is None:
                    return sent
                if await self._send(due):
                    sent += 1
        return sent

    def _blocked(self) -> bool:
        return self._blocked_until is not None and self.clock() < self._blocked_until

    async def _until_next(self) -> float:
        next_at = await self._store.next_attempt_at()
        if self._blocked_until is not None:
            next_at = max(next_at or self._blocked_until, self._blocked_until)
        if next_at is None:
            return _SAFETY_WAKE
        return min(_SAFETY_WAKE, max(0.0, (next_at - self.clock()).total_seconds()))

    async def _send(self, due: Due) -> bool:
        row, now = due.row, self.clock()
        try:
            recipient = await asyncio.to_thread(self._recipient, row.customer_id)
        except _DB_ERRORS:
            raise
        except Exception as error:  # noqa: BLE001 - e.g. a damaged event: this row only
            await self._give_up(due, f"cannot open the customer: {type(error).__name__}")
            return False
        reason = "unknown customer" if recipient is None else refusal(
            row.template, recipient, now=now, test_drive_id=row.test_drive_id,
            contracted=row.contracted)
        if recipient is None or reason is not None or recipient.email is None:
            await due.skipped(reason or "no e-mail")
            log.info("notification skipped", outbox_id=str(row.id),
                     template=row.template.value, reason=reason)
            return False
        ident = message_id(row.id, self._domain)
        try:
            values = await asyncio.to_thread(self._values, row, recipient, now)
            rendered = self._renderer.render(row.template, recipient.language, values)
            email = compose(rendered, sender=self._mail_from, to_name=recipient.name,
                            to_email=recipient.email, message_id=ident,
                            language=recipient.language.value, sent_at=now,
                            reply_to=self._reply_to, marketing=row.template in MARKETING)
        except _DB_ERRORS:
            raise  # Postgres away: the sweep waits it out and the row stays pending
        except Exception as error:  # noqa: BLE001 - one broken row must not stop the sender
            # It would fail the same way every time: parked with the error's name (its
            # text may quote a value), and the rows behind it still go.
            await self._give_up(due, f"cannot compose: {type(error).__name__}")
            return False
        try:
            await self._sender.send(email)
        except SmtpUnavailable as error:
            await self._retry_later(due, now, str(error))
            return False
        except SmtpRefused as error:
            await self._give_up(due, str(error))
            return False
        await due.sent(recipient.language.value, ident)
        self._smtp_backoff.reset()
        self._blocked_until = None
        self.sent += 1
        log.info("notification sent", outbox_id=str(row.id), template=row.template.value,
                 language=recipient.language.value, message_id=ident)
        return True

    async def _retry_later(self, due: Due, now: datetime, reason: str) -> None:
        failing_since = due.row.failing_since or now
        if now - failing_since > self._give_up_after:
            await self._give_up(due, f"{reason}; SMTP unavailable for a day of retries")
            return
        delay = self._smtp_backoff.next_delay()
        self._blocked_until = now + timedelta(seconds=delay)
        await due.retry_at(self._blocked_until, reason, now=now)
        log.warning("smtp unavailable; retrying", outbox_id=str(due.row.id), error=reason,
                    retry_in_seconds=delay)

    async def _give_up(self, due: Due, reason: str) -> None:
        await self._dead_letter(due.row, reason)
        await due.failed(reason)
        log.error("notification dead-lettered", outbox_id=str(due.row.id),
                  template=due.row.template.value, reason=reason)

    def _recipient(self, customer_id: UUID) -> Recipient | None:
        try:
            return recipient_of(self._app.get_customer(customer_id))
        except NotFound:
            return None

    def _values(self, row: SendingRow, recipient: Recipient, now: datetime) -> dict[str, Any]:
        values = {**row.details, "name": recipient.name, "reply_to": self._reply_to}
        if row.template is Template.TEST_DRIVE_REMINDER:
            # On time it is the day before; held up (an outage) until the day itself, the
            # mail must say "today", not "tomorrow".
            drive_day = datetime.fromisoformat(str(values["scheduled_at"])).astimezone(ZURICH)
            values["today"] = drive_day.date() == now.astimezone(ZURICH).date()
        if "model" in values:
            values["model"] = self._model_name(str(values["model"]))
        if row.template is Template.INCENTIVE:
            values["canton"] = Canton.parse(str(values["canton"])).name_in(
                recipient.language.value)
        return values

    def _model_name(self, code: str) -> str:
        try:
            return self._app.get_model(ModelCode.parse(code)).name
        except (NotFound, InvalidValue):
            return code


async def _first_of(wake: asyncio.Event, stopping: asyncio.Event, timeout: float) -> None:
    waits = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stopping.wait())]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    for waiting in waits:
        waiting.cancel()
