"""Lead scores, their history and the consumer inbox, written together so each event
counts once.

`read.lead_scores` holds each scored customer's current score (its columns are read by
the DSG export and cleared by erasure, so they stay); `read.lead_score_history` every
score a customer had, by the log position it was computed at; `read.lead_score_sales`
whose sale is whose (later sale events do not name the customer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from adapters.postgres.inbox import first_delivery
from domain.lead_model import LeadScore

__all__ = ["CREATE_SCORE_TABLES", "ScoreStore", "ScoreUpdate", "contributions_json"]

CREATE_SCORE_TABLES = [
    "ALTER TABLE read.lead_scores ALTER COLUMN probability TYPE double precision",
    *(f"ALTER TABLE read.lead_scores ADD COLUMN IF NOT EXISTS {column}" for column in (
        "model_version text", "base double precision", "logit double precision",
        "moment timestamptz", "salesperson text")),
    "CREATE INDEX IF NOT EXISTS lead_scores_by_score ON read.lead_scores (score DESC)",
    """
    CREATE TABLE IF NOT EXISTS read.lead_score_history (
        customer_id uuid NOT NULL,
        position bigint NOT NULL,
        score integer NOT NULL CHECK (score BETWEEN 0 AND 100),
        probability double precision NOT NULL,
        base double precision NOT NULL,
        logit double precision NOT NULL,
        contributions jsonb NOT NULL,
        model_version text NOT NULL,
        moment timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (customer_id, position)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS read.lead_score_sales (
        sale_id uuid PRIMARY KEY,
        customer_id uuid NOT NULL
    )
    """,
]


@dataclass(frozen=True, slots=True)
class ScoreUpdate:
    """A customer's new score at `position`; `score` None removes every score they have
    (no profiling consent, or erased)."""

    customer_id: UUID
    position: int
    moment: datetime
    salesperson: str | None
    score: LeadScore | None


def contributions_json(score: LeadScore) -> list[dict[str, Any]]:
    return [{"feature": c.feature, "label": c.label, "value": c.value,
             "contribution": c.contribution} for c in score.contributions]


class ScoreStore:
    def __init__(self, pool: AsyncConnectionPool[AsyncConnection]) -> None:
        self._pool = pool

    async def save_once(self, consumer: str, event_id: UUID, updates: Sequence[ScoreUpdate],
                        sale: tuple[UUID, UUID] | None = None) -> bool:
        """Store the updates (and a sale's owner) unless this event was already processed.
        True if stored."""
        async with self._pool.connection() as conn, conn.transaction():
            if not await first_delivery(conn, consumer, event_id):
                return False
            if sale is not None:
                await conn.execute("INSERT INTO read.lead_score_sales (sale_id, customer_id) "
                                   "VALUES (%s, %s) ON CONFLICT DO NOTHING", sale)
            for update in updates:
                await _apply(conn, update)
            return True

    async def customer_of_sale(self, sale_id: UUID) -> UUID | None:
        async with self._pool.connection() as conn:
            row = await (await conn.execute(
                "SELECT customer_id FROM read.lead_score_sales WHERE sale_id = %s",
                (sale_id,))).fetchone()
        return row[0] if row else None

    async def sales_of(self, customer_id: UUID) -> list[UUID]:
        async with self._pool.connection() as conn:
            rows = await (await conn.execute(
                "SELECT sale_id FROM read.lead_score_sales WHERE customer_id = %s",
                (customer_id,))).fetchall()
        return [row[0] for row in rows]

    async def scored_customers(self) -> list[UUID]:
        async with self._pool.connection() as conn:
            rows = await (await conn.execute("SELECT customer_id FROM read.lead_scores")).fetchall()
        return [row[0] for row in rows]


async def _apply(conn: AsyncConnection, update: ScoreUpdate) -> None:
    score = update.score
    if score is None:
        for table in ("lead_scores", "lead_score_history"):
            await conn.execute(f"DELETE FROM read.{table} WHERE customer_id = %s",
                               (update.customer_id,))
        return
    values = (update.customer_id, score.score, score.probability,
              Jsonb(contributions_json(score)), update.position, score.model_version,
              score.base, score.logit, update.moment)
    await conn.execute(
        """
        INSERT INTO read.lead_scores (customer_id, score, probability, contributions,
            position, model_version, base, logit, moment, salesperson)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT (customer_id) DO UPDATE SET score = EXCLUDED.score,
            probability = EXCLUDED.probability, contributions = EXCLUDED.contributions,
            position = EXCLUDED.position, model_version = EXCLUDED.model_version,
            base = EXCLUDED.base, logit = EXCLUDED.logit, moment = EXCLUDED.moment,
            salesperson = EXCLUDED.salesperson, updated_at = now()
        WHERE read.lead_scores.position < EXCLUDED.position
        """, (*values, update.salesperson))
    await conn.execute(
        """
        INSERT INTO read.lead_score_history (customer_id, score, probability, contributions,
            position, model_version, base, logit, moment)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING
        """, values)
