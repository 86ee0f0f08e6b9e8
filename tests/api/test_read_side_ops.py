"""The read side as operators and dashboards see it: the stream, /metrics, the cache."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import uvicorn

from adapters.embedded.process import free_port
from adapters.settings import Settings
from application.services import CustomerIntelligence
from entrypoints.http.auth import Role
from entrypoints.query_api.app import create_query_app
from tests.factories import registration


async def test_the_stream_announces_new_positions(
    settings: Settings, app: CustomerIntelligence, projectors: None, bearer: Any
) -> None:
    # A real server: the test client buffers streamed responses.
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_query_app(settings), host="127.0.0.1",
                                           port=port, log_config=None, access_log=False))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.02)
        url = f"http://127.0.0.1:{port}/api/v1/dashboards/stream"
        async with httpx.AsyncClient(timeout=10) as client, client.stream(
            "GET", url, headers=bearer(Role.SALES_MANAGER)
        ) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            lines = response.aiter_lines()
            assert (await anext(lines)).startswith(": listening")
            written = await asyncio.to_thread(app.register_customer, **registration())
            positions = await asyncio.wait_for(_positions_until(lines, written.position), 10)
    finally:
        server.should_exit = True
        await serving
    assert max(positions) >= written.position


async def _positions_until(lines: Any, position: int) -> list[int]:
    seen: list[int] = []
    async for line in lines:
        if line.startswith("data:") and '"position"' in line:
            seen.append(int(line.rsplit(":", 1)[1].strip(" }")))
            if seen[-1] >= position:
                return seen
    return seen


async def test_metrics_expose_each_read_models_lag(query_api: Any) -> None:
    response = await query_api.get("/metrics")
    assert response.status_code == 200
    assert 'cis_read_model_lag_events{read_model="customers"}' in response.text
