"""The erasure's work outside the event store, in Postgres: the scoring consumer's rows
of the customer, and the answers of past erasures (`cis_erasures`, no personal data)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import msgspec
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from adapters.postgres.notifications import purge_customer
from application.dsg import CacheReport, ErasureCopies, ErasureReport, NotificationReport

__all__ = ["PostgresErasureCopies"]


class PostgresErasureCopies(ErasureCopies):
    def __init__(self, pool: ConnectionPool[Any],
                 evict: Callable[[UUID], CacheReport]) -> None:
        self._pool = pool
        self._evict = evict

    def delete_scores(self, customer_id: UUID) -> int:
        """The current score and every earlier one (its history)."""
        deleted = 0
        with self._pool.connection() as conn, conn.transaction():
            for table in ("read.lead_scores", "read.lead_score_history"):
                deleted += conn.execute(f"DELETE FROM {table} WHERE customer_id = %s",
                                        (customer_id,)).rowcount
        return deleted

    def evict_cache(self, customer_id: UUID) -> CacheReport:
        return self._evict(customer_id)

    def delete_notification_bodies(self, customer_id: UUID) -> NotificationReport:
        # The notification consumer renders each mail at send time and keeps no body;
        # what is still pending (reminders included) is cancelled, so nothing goes out.
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cursor:
            cancelled = purge_customer(cursor, customer_id)
        return NotificationReport(
            bodies_deleted=0, pending_cancelled=cancelled,
            note="no bodies are stored (each mail is rendered at send time); pending "
                 "mails and reminders cancelled; the sent records (template, language, "
                 "when, Message-ID) hold no personal data")

    def saved_report(self, customer_id: UUID) -> ErasureReport | None:
        with self._pool.connection() as conn:
            row = conn.execute("SELECT report::text FROM cis_erasures WHERE customer_id = %s",
                               (customer_id,)).fetchone()
        return None if row is None else msgspec.json.decode(row[0], type=ErasureReport)

    def save_report(self, report: ErasureReport) -> None:
        with self._pool.connection() as conn:
            conn.execute("INSERT INTO cis_erasures (customer_id, report) VALUES (%s, %s) "
                         "ON CONFLICT (customer_id) DO NOTHING",
                         (report.customer_id, Jsonb(msgspec.to_builtins(report))))
