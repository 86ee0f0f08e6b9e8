"""Legal holds and erasure answers in Postgres, written in the erasure's transaction.

`cis_legal_holds` has one row per customer erased under the books' hold (OR Art.
958f): which subject's key seals the held fields, until when, why. Retention reads it
to find the holds that have run out, without replaying any aggregate; the row is
written by the transaction of the `PersonalDataErased` event and closed by that of
`LegalHoldEnded`, so it never disagrees with the log. `cis_erasures` keeps the answer
of each erasure (no personal value in it), so a repeated request gets it again.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

from application.services import LegalHold

__all__ = ["CREATE_HOLD_TABLES", "close_hold", "record_hold"]

CREATE_HOLD_TABLES = [
    """
    CREATE TABLE IF NOT EXISTS cis_legal_holds (
        customer_id uuid PRIMARY KEY,
        hold_subject uuid NOT NULL,
        held_until date NOT NULL,
        basis text NOT NULL,
        reason text NOT NULL,
        held_at timestamptz NOT NULL DEFAULT now(),
        ended_at timestamptz
    )
    """,
    "CREATE INDEX IF NOT EXISTS cis_legal_holds_running ON cis_legal_holds (held_until) "
    "WHERE ended_at IS NULL",
    """
    CREATE TABLE IF NOT EXISTS cis_erasures (
        customer_id uuid PRIMARY KEY,
        report jsonb NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now()
    )
    """,
]


def record_hold(cursor: psycopg.Cursor[Any], hold: LegalHold) -> None:
    cursor.execute(
        "INSERT INTO cis_legal_holds (customer_id, hold_subject, held_until, basis, reason) "
        "VALUES (%s, %s, %s, %s, %s)",
        (hold.customer_id, hold.hold_subject, hold.held_until, hold.basis, hold.reason))


def close_hold(cursor: psycopg.Cursor[Any], customer_id: UUID) -> None:
    cursor.execute("UPDATE cis_legal_holds SET ended_at = now() "
                   "WHERE customer_id = %s AND ended_at IS NULL", (customer_id,))
