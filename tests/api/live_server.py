"""An app served by a real uvicorn on a loopback port, for what the test client cannot
do (chunked bodies without a length, clients on addresses of their own)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

from adapters.embedded.process import free_port

__all__ = ["served"]


@asynccontextmanager
async def served(app: Any) -> AsyncIterator[str]:
    """Yields the base URL; the server stops (lifespan shutdown included) on exit."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           access_log=False))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if serving.done():
                serving.result()  # raises why it did not start
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 30)
