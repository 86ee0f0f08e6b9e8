"""GET /api/v1/dashboards/stream: server-sent events as read models move forward.

Each event names the read model and its new position; a dashboard refetches with
`min_position` (and gets a fresh figure, or a 304 if its copy is still current).
Every stream of the process reads the one `PositionFeed` (one Postgres LISTEN), and
the feed's caps bound how many streams a caller and the process hold open.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import Controller, Request, get
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import ServerSentEvent, ServerSentEventMessage

from adapters.postgres.position_feed import PositionFeed, StreamLimitReached, Subscription
from entrypoints.http.auth import Caller
from entrypoints.http.openapi import query_responses
from entrypoints.http.problems import ServiceUnavailable

__all__ = ["FEED_STATE_KEY", "DashboardStreamController"]

FEED_STATE_KEY = "position_feed"  # where the composition root keeps the process's feed
KEEPALIVE_SECONDS = 15.0
LISTEN_WAIT_SECONDS = 3.0  # how long a new stream waits for the feed's LISTEN
RETRY_AFTER_SECONDS = 10  # streams are long-lived: a slot frees when one closes


def _responses() -> dict[int, ResponseSpec]:
    documented = {code: spec for code, spec in query_responses().items()
                  if code in (401, 503)}
    return {**documented,
            200: ResponseSpec(data_container=str, media_type="text/event-stream",
                              description="Server-sent events, one per read-model move",
                              generate_examples=False),
            429: ResponseSpec(data_container=query_responses()[429].data_container,
                              media_type="application/problem+json",
                              description="This caller has as many streams open as it may "
                              "(CIS_STREAMS_PER_SUBJECT); see Retry-After")}


class DashboardStreamController(Controller):
    path = "/dashboards"
    tags = ["dashboards"]

    @get("/stream", summary="Server-sent events: read model positions as events land",
         responses=_responses(),
         description="Each message: `event: read-model`, data "
         '`{"read_model": "dashboards", "position": 42}`; after the server (re)connects to '
         "the database it announces every read model's position. Comments keep the "
         "connection alive every 15 s. Any role. At most CIS_STREAMS_PER_SUBJECT (5) "
         "streams per token subject (429 past it) and CIS_STREAMS_TOTAL (200) per server "
         "(503 past it), both with Retry-After.")
    async def stream(self, request: Request[Caller, Any, Any]) -> ServerSentEvent:
        feed: PositionFeed = request.app.state[FEED_STATE_KEY]
        try:
            subscription = feed.subscribe(request.user.subject)
        except StreamLimitReached as full:
            if full.scope == "total":
                raise ServiceUnavailable(str(full), retry_after=RETRY_AFTER_SECONDS) from None
            raise HTTPException(status_code=429, detail=str(full), headers={
                "Retry-After": str(RETRY_AFTER_SECONDS)}) from None
        if not await feed.listening(LISTEN_WAIT_SECONDS):
            subscription.close()
            raise ServiceUnavailable("the database does not answer; retry shortly")
        events = _positions(subscription)
        # Should the response never start iterating (the client left at once), the slot
        # is still given back when the generator is collected.
        weakref.finalize(events, subscription.close)
        return ServerSentEvent(events)


async def _positions(subscription: Subscription) -> AsyncIterator[ServerSentEventMessage]:
    try:
        yield ServerSentEventMessage(comment="listening")
        while True:
            moved = await subscription.next(timeout=KEEPALIVE_SECONDS)
            if moved is None:
                yield ServerSentEventMessage(comment="keep-alive")
            else:
                yield ServerSentEventMessage(event="read-model", data=msgspec.json.encode(
                    {"read_model": moved.read_model, "position": moved.position}).decode())
    finally:
        subscription.close()
