"""GET /api/v1/dashboards/stream: server-sent events as read models move forward.

Each event names the read model and its new position; a dashboard refetches with
`min_position` (and gets a fresh figure, or a 304 if its copy is still current).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec
import psycopg
from litestar import Controller, Request, get
from litestar.response import ServerSentEvent, ServerSentEventMessage

from adapters.settings import Settings
from entrypoints.http.auth import Caller
from projections.runner import POSITIONS_CHANNEL

__all__ = ["DashboardStream"]

KEEPALIVE_SECONDS = 15.0


class DashboardStream(Controller):
    path = "/dashboards"
    tags = ["dashboards"]

    @get("/stream", summary="Server-sent events: read model positions as events land",
         description="Each message: `event: read-model`, data "
         '`{"read_model": "dashboards", "position": 42}`. Comments keep the connection '
         "alive every 15 s. Any role.")
    async def stream(self, request: Request[Caller, Any, Any]) -> ServerSentEvent:
        settings: Settings = request.app.state["settings"]
        assert settings.database_url
        return ServerSentEvent(_positions(settings.database_url))


async def _positions(database_url: str) -> AsyncIterator[ServerSentEventMessage]:
    conn = await psycopg.AsyncConnection.connect(database_url, autocommit=True)
    try:
        await conn.execute(f"LISTEN {POSITIONS_CHANNEL}")
        yield ServerSentEventMessage(comment="listening")
        while True:
            quiet = True
            async for notify in conn.notifies(timeout=KEEPALIVE_SECONDS, stop_after=1):
                quiet = False
                name, _, position = notify.payload.partition(":")
                yield ServerSentEventMessage(event="read-model", data=msgspec.json.encode(
                    {"read_model": name, "position": int(position)}).decode())
            if quiet:
                yield ServerSentEventMessage(comment="keep-alive")
    finally:
        await conn.close()
