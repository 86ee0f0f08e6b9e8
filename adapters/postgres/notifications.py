"""The notification outbox: inbox, outbox rows and reminder schedule in Postgres.

An event's effect is written in one transaction: its id in the inbox, its outbox rows
(a reminder is a row due later: the rows still pending are the schedule), the
reminders it cancels and what the marketing audience learns. Sending takes one due
row under a row lock (`FOR UPDATE SKIP LOCKED`, so several senders never take the same
one), and the row is marked sent in that transaction only after the SMTP server
accepted the message: a crash in between leaves it pending, and it goes out again
with the same Message-ID. Bodies are not stored; a row holds no personal data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection, Cursor
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from adapters.metrics.series import count_notification
from adapters.postgres.inbox import first_delivery
from application.notifications import AudienceChange, Outgoing, Plan, Template, outbox_id

__all__ = [
    "CREATE_NOTIFICATION_TABLES",
    "NOTIFY_CHANNEL",
    "Due",
    "NotificationStore",
    "OutboxFigures",
    "SendingRow",
    "outbox_figures",
    "purge_customer",
    "sent_notifications",
]

CONSUMER = "notifications"
NOTIFY_CHANNEL = "cis_notifications"  # announced with each outbox change, for senders

CREATE_NOTIFICATION_TABLES = [
    "CREATE SCHEMA IF NOT EXISTS notify",
    """
    CREATE TABLE IF NOT EXISTS notify.outbox (
        id uuid PRIMARY KEY,
        event_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        template text NOT NULL,
        test_drive_id uuid,
        details jsonb NOT NULL,
        due_at timestamptz NOT NULL,
        next_attempt_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'sent', 'skipped', 'cancelled', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        language text,
        message_id text,
        reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
    )
    """,
    # Since when SMTP has kept it back: its day of retries counts from there, not from
    # its due time (a backlog met by an outage is retried, not given up at once).
    "ALTER TABLE notify.outbox ADD COLUMN IF NOT EXISTS failing_since timestamptz",
    "CREATE INDEX IF NOT EXISTS outbox_pending ON notify.outbox (next_attempt_at) "
    "WHERE status = 'pending'",
    "CREATE INDEX IF NOT EXISTS outbox_customer ON notify.outbox (customer_id)",
    "CREATE INDEX IF NOT EXISTS outbox_test_drive ON notify.outbox (test_drive_id) "
    "WHERE status = 'pending'",
    """
    CREATE TABLE IF NOT EXISTS notify.audience (
        customer_id uuid PRIMARY KEY,
        canton text,
        marketing boolean NOT NULL DEFAULT false,
        contracted boolean NOT NULL DEFAULT false
    )
    """,
    "CREATE INDEX IF NOT EXISTS audience_canton ON notify.audience (canton) WHERE marketing",
    # The signed sales still standing: a cancelled one no longer counts as a contract.
    """
    CREATE TABLE IF NOT EXISTS notify.contracts (
        sale_id uuid PRIMARY KEY,
        customer_id uuid NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS contracts_customer ON notify.contracts (customer_id)",
]

_INSERT = """
    INSERT INTO notify.outbox (id, event_id, customer_id, template, test_drive_id, details,
                               due_at, next_attempt_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING
"""
_CANCEL = ("UPDATE notify.outbox SET status = 'cancelled', reason = %s, finished_at = now() "
           "WHERE status = 'pending' AND {}")


@dataclass(frozen=True, slots=True)
class SendingRow:
    """A due row, locked for sending."""

    id: UUID
    event_id: UUID
    customer_id: UUID
    template: Template
    test_drive_id: UUID | None
    details: dict[str, Any]
    due_at: datetime
    attempts: int
    contracted: bool
    failing_since: datetime | None = None  # the first attempt SMTP did not take


@dataclass(frozen=True, slots=True)
class Due:
    """The sending transaction of one row: mark it, then the transaction commits."""

    row: SendingRow
    conn: AsyncConnection[Any]

    async def sent(self, language: str, message_id: str) -> None:
        await self._finish("sent", None, language=language, message_id=message_id)

    async def skipped(self, reason: str) -> None:
        await self._finish("skipped", reason)

    async def failed(self, reason: str) -> None:
        await self._finish("failed", reason)

    async def retry_at(self, when: datetime, reason: str, *, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE notify.outbox SET attempts = attempts + 1, next_attempt_at = %s, "
            "reason = %s, failing_since = coalesce(failing_since, %s) WHERE id = %s",
            (when, reason, now, self.row.id))
        count_notification(self.row.template.value, "retried")

    async def _finish(self, status: str, reason: str | None, *, language: str | None = None,
                      message_id: str | None = None) -> None:
        await self.conn.execute(
            "UPDATE notify.outbox SET status = %s, reason = %s, language = %s, "
            "message_id = %s, attempts = attempts + 1, finished_at = now() WHERE id = %s",
            (status, reason, language, message_id, self.row.id))
        count_notification(self.row.template.value, status)


class NotificationStore:
    def __init__(self, pool: AsyncConnectionPool[AsyncConnection[Any]]) -> None:
        self._pool = pool

    async def record(self, event_id: UUID, change: Plan) -> bool:
        """Write what `event_id` changes, unless it was handled already. True if written."""
        async with self._pool.connection() as conn, conn.transaction():
            if not await first_delivery(conn, CONSUMER, event_id):
                return False
            await _apply(conn, event_id, change)
            return True

    async def next_attempt_at(self) -> datetime | None:
        """When the earliest pending row is due (the timer's next wake-up)."""
        async with self._pool.connection() as conn:
            cursor = await conn.execute(
                "SELECT min(next_attempt_at) FROM notify.outbox WHERE status = 'pending'")
            found = await cursor.fetchone()
            return None if found is None else found[0]

    @asynccontextmanager
    async def due(self, now: datetime) -> AsyncIterator[Due | None]:
        """The earliest row due at `now`, locked until the block ends (then committed)."""
        async with self._pool.connection() as conn, conn.transaction():
            cursor = conn.cursor(row_factory=dict_row)
            await cursor.execute(
                """
                SELECT o.id, o.event_id, o.customer_id, o.template, o.test_drive_id, o.details,
                       o.due_at, o.attempts, coalesce(a.contracted, false) AS contracted,
                       o.failing_since
                FROM notify.outbox o LEFT JOIN notify.audience a USING (customer_id)
                WHERE o.status = 'pending' AND o.next_attempt_at <= %s
                ORDER BY o.next_attempt_at LIMIT 1 FOR UPDATE OF o SKIP LOCKED
                """, (now,))
            found = await cursor.fetchone()
            if found is None:
                yield None
                return
            found["template"] = Template(found["template"])
            yield Due(SendingRow(**found), conn)


async def _apply(conn: AsyncConnection[Any], event_id: UUID, change: Plan) -> None:
    for message in change.messages:
        await conn.execute(_INSERT, _row(event_id, message))
    if change.cancel_reminder_of is not None:
        await conn.execute(_CANCEL.format("test_drive_id = %s"),
                           ("test drive ended", change.cancel_reminder_of))
    if change.erased is not None:
        await conn.execute(_CANCEL.format("customer_id = %s"), ("erased", change.erased))
        await conn.execute("DELETE FROM notify.audience WHERE customer_id = %s",
                           (change.erased,))
        await conn.execute("DELETE FROM notify.contracts WHERE customer_id = %s",
                           (change.erased,))
    if change.audience is not None:
        a = change.audience
        await _contracts(conn, a)
        await conn.execute(
            """
            INSERT INTO notify.audience AS t (customer_id, canton, marketing, contracted)
            VALUES (%s, %s, coalesce(%s, false), coalesce(%s, false))
            ON CONFLICT (customer_id) DO UPDATE SET
                canton = coalesce(EXCLUDED.canton, t.canton),
                marketing = coalesce(%s, t.marketing),
                contracted = coalesce(%s, t.contracted)
            """, (a.customer_id, a.canton, a.marketing, a.contracted, a.marketing, a.contracted))
    if change.campaign is not None:
        c = change.campaign
        cursor = await conn.execute(
            "SELECT customer_id FROM notify.audience "
            "WHERE canton = %s AND marketing AND NOT contracted", (c.canton,))
        audience = [customer for (customer,) in await cursor.fetchall()]
        if audience:
            many = conn.cursor()
            await many.executemany(_INSERT, [
                _row(event_id, Outgoing(c.template, customer, c.due_at, c.details))
                for customer in audience])
    await conn.execute("SELECT pg_notify(%s, '')", (NOTIFY_CHANNEL,))


async def _contracts(conn: AsyncConnection[Any], a: AudienceChange) -> None:
    if a.signed_sale is not None:
        await conn.execute("INSERT INTO notify.contracts (sale_id, customer_id) VALUES (%s, %s) "
                           "ON CONFLICT DO NOTHING", (a.signed_sale, a.customer_id))
    if a.cancelled_sale is not None:
        ended = await conn.execute("DELETE FROM notify.contracts WHERE sale_id = %s",
                                   (a.cancelled_sale,))
        if ended.rowcount:  # it was signed: a contract only if another signed sale stands
            await conn.execute(
                "UPDATE notify.audience SET contracted = EXISTS (SELECT 1 FROM notify.contracts "
                "WHERE customer_id = %s) WHERE customer_id = %s",
                (a.customer_id, a.customer_id))


def _row(event_id: UUID, message: Outgoing) -> tuple[Any, ...]:
    return (outbox_id(event_id, message.template, message.customer_id), event_id,
            message.customer_id, message.template.value, message.test_drive_id,
            Jsonb(message.details), message.due_at, message.due_at)


@dataclass(frozen=True, slots=True)
class OutboxFigures:
    """What /metrics shows of the outbox (counted in Postgres at each scrape)."""

    sent: dict[tuple[str, str], int]  # (template, language) -> messages sent
    failed_attempts: dict[str, int]  # template -> attempts that did not get through
    dead_lettered: int
    oldest_due_reminder_seconds: float


async def outbox_figures(database_url: str, now: datetime) -> OutboxFigures:
    async with await AsyncConnection.connect(database_url, connect_timeout=2,
                                             autocommit=True) as conn:
        sent = await (await conn.execute(
            "SELECT template, language, count(*) FROM notify.outbox WHERE status = 'sent' "
            "GROUP BY template, language")).fetchall()
        failed = await (await conn.execute(
            "SELECT template, sum(attempts) - count(*) FILTER (WHERE status IN "
            "('sent', 'skipped')) FROM notify.outbox GROUP BY template")).fetchall()
        dead, oldest = await (await conn.execute(
            # How late by its due time: a retry moves next_attempt_at, not the lateness.
            "SELECT count(*) FILTER (WHERE status = 'failed'), min(due_at) FILTER "
            "(WHERE status = 'pending' AND template = %s AND due_at <= %s) "
            "FROM notify.outbox", (Template.TEST_DRIVE_REMINDER.value, now))).fetchone() or (
            0, None)
    return OutboxFigures(
        sent={(t, lang): n for t, lang, n in sent},
        failed_attempts={t: max(0, int(n or 0)) for t, n in failed},
        dead_lettered=int(dead),
        oldest_due_reminder_seconds=0.0 if oldest is None else (now - oldest).total_seconds())


def purge_customer(cursor: Cursor[Any], customer_id: UUID) -> int:
    """For a DSG erasure (inside its transaction or after it): cancel every message
    still pending for the customer (reminders included) and forget them in the
    marketing audience. Returns how many pending messages were cancelled. No bodies
    are stored, so there are none to remove; the sent records (template, language,
    when, Message-ID) hold no personal data and stay for the access trail."""
    cursor.execute(_CANCEL.format("customer_id = %s"), ("erased", customer_id))
    cancelled = cursor.rowcount
    cursor.execute("DELETE FROM notify.audience WHERE customer_id = %s", (customer_id,))
    cursor.execute("DELETE FROM notify.contracts WHERE customer_id = %s", (customer_id,))
    return cancelled


def sent_notifications(cursor: Cursor[Any], customer_id: UUID) -> list[dict[str, Any]]:
    """The customer's notifications for a DSG access export: template, language,
    status, when and Message-ID (no bodies: none are stored)."""
    cursor.execute(
        "SELECT template, language, status, reason, due_at, finished_at, message_id "
        "FROM notify.outbox WHERE customer_id = %s ORDER BY due_at, template", (customer_id,))
    names = [column.name for column in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
