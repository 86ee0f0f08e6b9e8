"""Lead scores and the consumer inbox, written together so each event counts once."""

from __future__ import annotations

from uuid import UUID

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from application.scoring import LeadScore

__all__ = ["ScoreStore"]


class ScoreStore:
    def __init__(self, pool: AsyncConnectionPool[AsyncConnection]) -> None:
        self._pool = pool

    async def save_once(
        self, consumer: str, event_id: UUID, customer_id: UUID, score: LeadScore, position: int
    ) -> bool:
        """Store the score unless this event was already processed. True if stored."""
        async with self._pool.connection() as conn, conn.transaction():
            inserted = await conn.execute(
                "INSERT INTO read.consumer_inbox (consumer, event_id) VALUES (%s, %s) "
                "ON CONFLICT DO NOTHING",
                (consumer, event_id),
            )
            if inserted.rowcount == 0:
                return False
            await conn.execute(
                """
                INSERT INTO read.lead_scores (customer_id, score, probability, contributions,
                    position)
                VALUES (%s, %s, %s, %s, %s)
                ON CONFLICT (customer_id) DO UPDATE SET score = EXCLUDED.score,
                    probability = EXCLUDED.probability,
                    contributions = EXCLUDED.contributions,
                    position = EXCLUDED.position, updated_at = now()
                WHERE read.lead_scores.position < EXCLUDED.position
                """,
                (customer_id, score.score, score.probability, Jsonb(score.contributions), position),
            )
            return True

    async def forget_once(self, consumer: str, event_id: UUID, customer_id: UUID) -> bool:
        """On the erasure event: delete the customer's score (the erasure deleted it
        already; this covers a score written from events the relay published late)."""
        async with self._pool.connection() as conn, conn.transaction():
            inserted = await conn.execute(
                "INSERT INTO read.consumer_inbox (consumer, event_id) VALUES (%s, %s) "
                "ON CONFLICT DO NOTHING",
                (consumer, event_id),
            )
            if inserted.rowcount == 0:
                return False
            await conn.execute("DELETE FROM read.lead_scores WHERE customer_id = %s",
                               (customer_id,))
            return True
