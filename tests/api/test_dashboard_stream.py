"""The dashboard stream: one Postgres LISTEN per process whatever the number of streams,
every stream still told of every move, caps per caller (429) and per process (503).

A real server each time: the test client buffers streamed responses.
"""

from __future__ import annotations

import asyncio
import dataclasses
from contextlib import AsyncExitStack
from typing import Any

import httpx
import psycopg

from adapters.postgres.position_feed import FEED_APPLICATION_NAME
from adapters.settings import Settings
from application.services import CustomerIntelligence
from entrypoints.http.auth import Role
from tests.factories import registration
from tests.sse import open_stream, reaches, serving_query_api


async def _backends(settings: Settings) -> tuple[int, int]:
    """Client connections to the test's database, and how many of them are the feed."""
    assert settings.database_url
    async with await psycopg.AsyncConnection.connect(settings.database_url,
                                                     autocommit=True) as conn:
        cursor = await conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE application_name = %s) "
            "FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
            (FEED_APPLICATION_NAME,))
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


async def test_many_streams_share_one_listen_connection_and_all_get_every_move(
    settings: Settings, app: CustomerIntelligence, projectors: None, bearer: Any
) -> None:
    async with serving_query_api(settings) as url, AsyncExitStack() as stack, httpx.AsyncClient(
        timeout=10, limits=httpx.Limits(max_connections=50)
    ) as client:
        before, _ = await _backends(settings)
        streams = [await open_stream(stack, client, url, bearer(role, f"{role.value}-{n}"))
                   for role in Role for n in range(4)]  # 20 streams, 20 callers, all roles
        during, listeners = await _backends(settings)
        written = await asyncio.to_thread(app.register_customer, **registration())
        reached = await asyncio.wait_for(asyncio.gather(
            *[reaches(lines, written.position) for _, lines in streams]), 20)
    assert all(response.status_code == 200 for response, _ in streams)
    assert during - before <= 2  # the feed (and at most one pool connection), not 20
    assert listeners == 1
    assert all(reached)


async def test_streams_past_a_cap_are_refused_and_a_closed_stream_frees_its_slot(
    settings: Settings, projectors: None, bearer: Any
) -> None:
    capped = dataclasses.replace(settings, streams_per_subject=2, streams_total=3)
    sara, tom, ugo = (bearer(Role.SALESPERSON, name) for name in ("sara", "tom", "ugo"))
    async with serving_query_api(capped) as url, httpx.AsyncClient(timeout=10) as client:
        async with AsyncExitStack() as stack:
            first = [await open_stream(stack, client, url, sara) for _ in range(2)]
            async with AsyncExitStack() as third_stack:
                over_own, _ = await open_stream(third_stack, client, url, sara)
                over_own_body = await over_own.aread()
            # The third and last of the process. Kept referenced: a collected line
            # iterator would close its stream and free the slot.
            last = await open_stream(stack, client, url, tom)
            async with AsyncExitStack() as full_stack:
                over_total, _ = await open_stream(full_stack, client, url, ugo)
                await over_total.aread()
            assert [response.status_code for response, _ in [*first, last]] == [200] * 3
        # All closed: the slots come back once the server sees the streams end.
        async with asyncio.timeout(10):
            while True:
                async with AsyncExitStack() as again_stack:
                    again, _ = await open_stream(again_stack, client, url, sara)
                    if again.status_code == 200:
                        break
                await asyncio.sleep(0.1)
    assert over_own.status_code == 429 and int(over_own.headers["retry-after"]) > 0
    assert over_own.headers["content-type"].startswith("application/problem+json")
    assert b"streams" in over_own_body
    assert over_total.status_code == 503 and int(over_total.headers["retry-after"]) > 0


async def test_the_feed_reconnects_when_its_connection_drops(
    settings: Settings, app: CustomerIntelligence, projectors: None, bearer: Any
) -> None:
    assert settings.database_url
    async with serving_query_api(settings) as url, AsyncExitStack() as stack, httpx.AsyncClient(
        timeout=10
    ) as client:
        _, lines = await open_stream(stack, client, url, bearer(Role.SALES_MANAGER, "mia"))
        async with await psycopg.AsyncConnection.connect(settings.database_url,
                                                         autocommit=True) as conn:
            await conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE application_name = %s", (FEED_APPLICATION_NAME,))
        async with asyncio.timeout(10):
            while (await _backends(settings))[1] != 1:  # reconnected
                await asyncio.sleep(0.05)
        written = await asyncio.to_thread(app.register_customer, **registration())
        assert await asyncio.wait_for(reaches(lines, written.position), 15)


async def test_the_stream_documents_its_refusals(query_api: Any) -> None:
    schema = (await query_api.get("/schema/openapi.json")).json()
    answers = schema["paths"]["/api/v1/dashboards/stream"]["get"]["responses"]
    assert {"200", "401", "429", "503"} <= set(answers)
    assert "text/event-stream" in answers["200"]["content"]
