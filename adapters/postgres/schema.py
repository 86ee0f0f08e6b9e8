"""Tables that are ours rather than the eventsourcing library's, created by `cis migrate`."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg

from adapters.postgres.holds import CREATE_HOLD_TABLES
from adapters.postgres.idempotency import CREATE_IDEMPOTENCY_TABLE
from adapters.postgres.keys import CREATE_KEY_TABLE
from adapters.postgres.notifications import CREATE_NOTIFICATION_TABLES
from adapters.postgres.scores import CREATE_SCORE_TABLES

__all__ = ["create_own_tables"]

_STATEMENTS = [
    *CREATE_KEY_TABLE,
    *CREATE_IDEMPOTENCY_TABLE,
    *CREATE_HOLD_TABLES,
    "CREATE SCHEMA IF NOT EXISTS read",
    """
    CREATE TABLE IF NOT EXISTS read.lead_scores (
        customer_id uuid PRIMARY KEY,
        score integer NOT NULL CHECK (score BETWEEN 0 AND 100),
        probability real NOT NULL,
        contributions jsonb NOT NULL,
        position bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS read.consumer_inbox (
        consumer text NOT NULL,
        event_id uuid NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
    )
    """,
    *CREATE_NOTIFICATION_TABLES,
    *CREATE_SCORE_TABLES,
]


def create_own_tables(database_url: str, more: Sequence[str] = ()) -> None:
    """Our tables, and `more` (those of other layers, e.g. the projections' stall tables)."""
    with psycopg.connect(database_url) as conn:
        # One migrator at a time, even when several processes start together.
        conn.execute("SELECT pg_advisory_xact_lock(4242)")
        for statement in [*_STATEMENTS, *more]:
            conn.execute(statement)
