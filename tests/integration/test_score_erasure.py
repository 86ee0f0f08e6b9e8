"""The scoring consumer forgets an erased customer's score, once per erasure event."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import psycopg
from psycopg_pool import AsyncConnectionPool

from adapters.postgres.scores import ScoreStore
from adapters.settings import Settings
from application.scoring import LeadFeatures, score_lead


async def test_the_erasure_event_deletes_a_score_written_from_a_late_message(
        settings: Settings) -> None:
    assert settings.database_url
    customer, registered, erased = uuid4(), uuid4(), uuid4()
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(settings.database_url, min_size=1,
                                                         max_size=1, open=False)
    await pool.open()
    try:
        scores = ScoreStore(pool)
        # The relay was behind: the registration reaches the consumer after the erasure
        # had deleted the score, and scores the customer again.
        assert await scores.save_once("scoring", registered, customer, score_lead(
            LeadFeatures()), 1)
        assert await scores.forget_once("scoring", erased, customer)
        assert not await scores.forget_once("scoring", erased, customer)  # once per event
    finally:
        await pool.close()
    with psycopg.connect(settings.database_url) as conn:
        assert conn.execute("SELECT count(*) FROM read.lead_scores WHERE customer_id = %s",
                            (customer,)).fetchone() == (0,)
