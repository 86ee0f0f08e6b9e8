"""Redis hanging under a running query API: answers stay right and fast, then use it again.

The test starts a Redis of its own and freezes it with SIGSTOP (a hung server is the
slow case: connections are accepted, nothing answers), so no other test is harmed.
Once the breakers know Redis is down, requests go straight to Postgres without waiting
for Redis' timeouts; after SIGCONT the cache and the rate limits are used again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from adapters.embedded.process import ServerProcess
from adapters.embedded.redis import start_redis
from adapters.settings import Settings
from entrypoints.http.auth import Role
from entrypoints.query_api.app import create_query_app

GROUPINGS = ("canton", "model", "salesperson", "period")


@pytest.fixture
def own_redis(settings: Settings, tmp_path: Path) -> Iterator[tuple[Settings, ServerProcess]]:
    server, url = start_redis(tmp_path)
    yield dataclasses.replace(settings, redis_url=url), server
    server.process.send_signal(signal.SIGCONT)
    server.stop()


async def test_a_hung_redis_costs_no_time_once_known_and_is_used_again_when_back(
    own_redis: tuple[Settings, ServerProcess], projectors: None, bearer: Any
) -> None:
    own, server = own_redis
    assert own.redis_url
    headers = bearer(Role.SALES_MANAGER, "mia")
    redis = Redis.from_url(own.redis_url, socket_timeout=5)
    async with asyncio.timeout(90), AsyncTestClient(app=create_query_app(own)) as queries:
        async def funnel(group_by: str) -> tuple[Any, float]:
            started = time.monotonic()
            response = await queries.get("/api/v1/dashboards/funnel", headers=headers,
                                         params={"group_by": group_by})
            return response, time.monotonic() - started

        before = {group: (await funnel(group))[0].json() for group in GROUPINGS}
        assert await redis.dbsize() > 0  # the cache and the rate limits are in use
        await redis.flushdb()

        server.process.send_signal(signal.SIGSTOP)
        try:
            answers = [await funnel(group) for group in GROUPINGS * 3]
            search = await queries.get("/api/v1/customers", headers=headers)
        finally:
            server.process.send_signal(signal.SIGCONT)

        # Back: within a few seconds the cache and the rate limits are written again
        # (the limiter leaves Redis alone for 5 s after a failure).
        await redis.flushdb()
        async with asyncio.timeout(15):
            while not (await redis.keys("*dashboard*") and await redis.keys("cis-rate:*")):
                await funnel("period")
                await asyncio.sleep(0.2)
        rate_limited = await redis.keys("cis-rate:*")
    await redis.aclose()

    assert all(response.status_code == 200 for response, _ in answers)
    assert [response.json() for response, _ in answers] == [before[g] for g in GROUPINGS * 3]
    assert search.status_code == 200
    # The first answer may wait for Redis once (that is how the breaker learns it is
    # down); every later one goes straight to Postgres.
    slowest_after_first = max(seconds for _, seconds in answers[1:])
    assert slowest_after_first < 1.0, [round(seconds, 2) for _, seconds in answers]
    assert rate_limited  # the rate limiter is back on Redis too
