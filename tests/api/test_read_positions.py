"""Reads take read-model positions from the projectors' NOTIFY feed, and stay true.

A read with `min_position` (the position a command answered) never answers data older
than that write: not when a rebuild announces positions the live read model has not
reached, not when the feed's connection is cut. Each test has an event store of its
own, with no projector running but the ones it runs.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
from litestar.testing import AsyncTestClient

from adapters.postgres.position_feed import FEED_APPLICATION_NAME, PositionFeed
from adapters.settings import Settings
from application.services import CustomerIntelligence
from entrypoints.bootstrap import build_application, build_projector, create_read_model
from entrypoints.http.auth import Role
from entrypoints.project_admin import rebuild
from entrypoints.query_api.app import create_query_app
from entrypoints.query_api.stream import FEED_STATE_KEY
from projections.registry import read_model
from tests.databases import own_store
from tests.factories import registration


@pytest.fixture
def own(settings: Settings) -> Settings:
    return own_store(settings)


@pytest.fixture
def own_app(own: Settings) -> Any:
    application = build_application(own, pool_size=2)
    yield application
    application.close()


@pytest.fixture
async def reads(own: Settings) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    app = create_query_app(own)
    async with AsyncTestClient(app=app) as client:
        feed: PositionFeed = app.state[FEED_STATE_KEY]
        assert await feed.listening(10)
        yield client


def _project(own: Settings, app: CustomerIntelligence, name: str, *, rebuild: bool = False
             ) -> None:
    model = read_model(name)
    if rebuild:
        create_read_model(own, model, rebuild=True)
    projector = build_projector(own, model, app, rebuild=rebuild)
    try:
        projector.run(threading.Event(), until=app.recorder.max_notification_id() or 0)
    finally:
        projector.tracking.datastore.close()


async def test_a_rebuilds_progress_does_not_answer_a_read_of_the_live_read_model(
    own: Settings, own_app: CustomerIntelligence, reads: Any, bearer: Any
) -> None:
    written = await asyncio.to_thread(own_app.register_customer, **registration())
    profile = f"/api/v1/customers/{written.id}?min_position={written.position}"
    # A rebuild of the customers read model has projected the write; the live one not.
    await asyncio.to_thread(_project, own, own_app, "customers", rebuild=True)
    await asyncio.sleep(0.3)  # what the rebuild would announce has arrived meanwhile

    before = await reads.get(profile, headers=bearer(Role.SALES_MANAGER))
    await asyncio.to_thread(_project, own, own_app, "customers")
    after = await reads.get(profile, headers=bearer(Role.SALES_MANAGER))

    assert before.status_code == 503, before.text  # "not there yet", never a stale 404
    assert after.status_code == 200, after.text
    assert after.json()["id"] == str(written.id)


async def test_with_the_feed_cut_a_read_still_waits_for_its_write(
    own: Settings, own_app: CustomerIntelligence, reads: Any, bearer: Any
) -> None:
    assert own.database_url
    with psycopg.connect(own.database_url, autocommit=True) as conn:
        cut = conn.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                           "WHERE application_name = %s AND datname = current_database()",
                           (FEED_APPLICATION_NAME,)).fetchone()
    assert cut == (1,)
    written = await asyncio.to_thread(own_app.register_customer, **registration())
    # A thread of its own: the in-process client holds the test's loop during a request.
    projecting = threading.Thread(target=_project, args=(own, own_app, "customers"))
    projecting.start()

    answer = await reads.get(f"/api/v1/customers/{written.id}?min_position={written.position}",
                             headers=bearer(Role.SALES_MANAGER))
    projecting.join()

    assert answer.status_code == 200, answer.text
    assert answer.json()["id"] == str(written.id)


async def test_a_dashboard_follows_the_projectors_positions(
    own: Settings, own_app: CustomerIntelligence, reads: Any, bearer: Any
) -> None:
    headers = bearer(Role.SALES_MANAGER)
    first = await reads.get("/api/v1/dashboards/cantons", headers=headers)
    written = await asyncio.to_thread(own_app.register_customer, **registration())
    await asyncio.to_thread(_project, own, own_app, "dashboards")

    fresh = await reads.get(f"/api/v1/dashboards/cantons?min_position={written.position}",
                            headers=headers)

    assert first.status_code == fresh.status_code == 200, fresh.text
    assert int(fresh.headers["x-read-model-position"]) >= written.position
    assert fresh.headers["etag"] != first.headers["etag"]
    assert fresh.json() != first.json()


async def test_a_rebuild_swapped_in_at_the_same_position_is_not_answered_from_the_cache(
    own: Settings, own_app: CustomerIntelligence, reads: Any, bearer: Any
) -> None:
    headers = bearer(Role.SALES_MANAGER)
    await asyncio.to_thread(own_app.register_customer, **registration())
    await asyncio.to_thread(_project, own, own_app, "dashboards")
    assert own.database_url
    with psycopg.connect(own.database_url, autocommit=True) as conn:
        # The live tables went wrong (the reason to rebuild), and were cached so.
        conn.execute("UPDATE rm_dashboards.customer_facts SET canton = 'GE'")
    wrong = await reads.get("/api/v1/dashboards/cantons", headers=headers)

    await asyncio.to_thread(rebuild, own, "dashboards")  # same events, same position
    await asyncio.sleep(0.3)  # the swap's announcement arrives
    rebuilt = await reads.get("/api/v1/dashboards/cantons", headers=headers)

    assert [c["canton"] for c in wrong.json()["cantons"]] == ["GE"]
    assert [c["canton"] for c in rebuilt.json()["cantons"]] == ["ZH"]
    assert rebuilt.headers["x-read-model-position"] == wrong.headers["x-read-model-position"]
