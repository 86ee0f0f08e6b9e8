"""A real query API server for server-sent-event tests (the test client buffers streams)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
import uvicorn

from adapters.embedded.process import free_port
from adapters.settings import Settings
from entrypoints.query_api.app import create_query_app

__all__ = ["Lines", "open_stream", "reaches", "serving_query_api"]

Lines = AsyncIterator[str]


@asynccontextmanager
async def serving_query_api(settings: Settings) -> AsyncIterator[str]:
    """The stream's URL on a uvicorn server of its own, stopped on exit."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_query_app(settings), host="127.0.0.1",
                                           port=port, log_config=None, access_log=False))
    serving = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:
                await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}/api/v1/dashboards/stream"
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 15)


async def open_stream(stack: AsyncExitStack, client: httpx.AsyncClient, url: str,
                      headers: dict[str, str]) -> tuple[httpx.Response, Lines]:
    """The response (closed with `stack`) and its lines, past ": listening" if it is a 200."""
    response = await stack.enter_async_context(client.stream("GET", url, headers=headers))
    lines = response.aiter_lines()
    if response.status_code == 200:
        assert (await asyncio.wait_for(anext(lines), 10)).startswith(": listening")
    return response, lines


async def reaches(lines: Lines, position: int) -> bool:
    """Reads events until one announces `position` or later."""
    async for line in lines:
        if (line.startswith("data:") and '"position"' in line
                and int(line.rsplit(":", 1)[1].strip(" }")) >= position):
            return True
    return False
