"""The customer profile projector, run by the library's ProjectionRunner on Postgres."""

from __future__ import annotations

import asyncio

import psycopg
from psycopg_pool import AsyncConnectionPool

from adapters.postgres.read_models import ReadModels
from adapters.settings import Settings
from application.services import CustomerIntelligence
from tests.factories import registration


async def test_a_registration_lands_in_the_profile_with_its_position(
    app: CustomerIntelligence, projectors: None, settings: Settings
) -> None:
    assert settings.database_url
    written = await asyncio.to_thread(app.register_customer, **registration())

    async with AsyncConnectionPool(settings.database_url, min_size=1, open=False) as pool:
        reached = await ReadModels(pool).wait_for("customer_profile", written.position, 10)
    assert reached

    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute(
            "SELECT name, canton, position FROM read.customer_profile WHERE customer_id = %s",
            (written.id,),
        ).fetchone()
    assert row == ("Anna Muster", "ZH", written.position)
