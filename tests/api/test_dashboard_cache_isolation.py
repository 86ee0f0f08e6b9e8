"""Two event stores sharing one Redis (staging and production, say) never share figures."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from litestar.testing import AsyncTestClient

from adapters.settings import Settings
from domain.values import Canton, PostalCode
from entrypoints.bootstrap import build_application, build_projector
from entrypoints.http.auth import Role
from entrypoints.query_api.app import create_query_app
from projections.registry import read_model
from tests.databases import own_store
from tests.factories import registration

PLACES = {"ZH": "8001", "GE": "1201"}


def _store_with_one_customer(settings: Settings, canton: str) -> Settings:
    own = own_store(settings)
    cis = build_application(own, pool_size=2)
    try:
        cis.register_customer(**registration(canton=Canton.parse(canton),
                                             postal_code=PostalCode.parse(PLACES[canton])))
        projector = build_projector(own, read_model("dashboards"), cis)
        projector.run(threading.Event(), until=1)
        projector.tracking.datastore.close()
    finally:
        cis.close()
    return own


async def test_same_position_in_two_stores_gives_each_its_own_figures(
    settings: Settings, bearer: Any
) -> None:
    zurich = await asyncio.to_thread(_store_with_one_customer, settings, "ZH")
    geneva = await asyncio.to_thread(_store_with_one_customer, settings, "GE")
    headers = bearer(Role.SALES_MANAGER)
    answers = []
    for store in (zurich, geneva):  # both at position 1, same path, same caller
        async with AsyncTestClient(app=create_query_app(store)) as client:
            answers.append((await client.get("/api/v1/dashboards/cantons",
                                             headers=headers)).json())
    assert [a["cantons"][0]["canton"] for a in answers] == ["ZH", "GE"]


