"""Postgres going away under open dashboard streams: new streams are a 503 with
Retry-After within seconds (not a hang, not a 200 that never says anything).

The test starts a Postgres of its own, so stopping it harms no other test.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx

from adapters.embedded.postgres import start_postgres
from adapters.settings import Settings
from entrypoints.http.auth import Role
from entrypoints.migrate import migrate
from tests.sse import open_stream, serving_query_api


async def test_a_new_stream_says_503_when_postgres_is_gone(
    settings: Settings, tmp_path: Path, bearer: Any
) -> None:
    server, url = await asyncio.to_thread(start_postgres, tmp_path)
    try:
        own = dataclasses.replace(settings, database_url=url)
        await asyncio.to_thread(migrate, own)
        async with serving_query_api(own) as stream_url, httpx.AsyncClient(
            timeout=15
        ) as client, AsyncExitStack() as stack:
            first, _ = await open_stream(stack, client, stream_url, bearer(Role.AUDITOR, "ada"))
            await asyncio.to_thread(server.stop)
            started = time.monotonic()
            refused, _ = await open_stream(stack, client, stream_url,
                                           bearer(Role.AUDITOR, "bea"))
            seconds = time.monotonic() - started
            body = await refused.aread()
    finally:
        await asyncio.to_thread(server.stop)
    assert first.status_code == 200
    assert refused.status_code == 503, body
    assert int(refused.headers["retry-after"]) > 0
    assert seconds < 10  # bounded: no hang
