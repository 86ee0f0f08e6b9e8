"""A customer's journey over HTTP: the timeline of journey steps, the stage now and the
lead score (with its explanation; null without profiling consent)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get

from application.errors import NotFound
from entrypoints.http.auth import Caller
from entrypoints.http.openapi import query_responses
from entrypoints.query_api.customers import MinPosition, await_position, visible_salesperson
from entrypoints.query_api.positions import ReadPositions
from projections.journeys import JourneyBody, JourneyQueries
from projections.scores import LeadScoreView, ScoreQueries

__all__ = ["JourneyController", "JourneyWithScore"]


class JourneyWithScore(JourneyBody, frozen=True):
    score: LeadScoreView | None = None


class JourneyController(Controller):
    path = "/customers/{customer_id:uuid}/journey"
    tags = ["customers"]

    @get("/", summary="A customer's journey timeline, stage and lead score",
         responses=query_responses(),
         description="Every step that matters to the journey, oldest first, without "
         "personal data (a touchpoint's note is never shown), and the current lead score "
         "explained (null without profiling consent). Salespeople see their own customers "
         "only (404 for others).")
    async def journey(self, customer_id: UUID, request: Request[Caller, Any, Any],
                      positions: ReadPositions, journeys: JourneyQueries, scores: ScoreQueries,
                      min_position: MinPosition = None) -> JourneyWithScore:
        await await_position(positions, "journeys", min_position)
        journey = await journeys.journey(customer_id)
        own = visible_salesperson(request.user)
        if journey is None or (own is not None and journey.salesperson != own):
            raise NotFound(f"no customer with id {customer_id}")
        return JourneyWithScore(**msgspec.structs.asdict(journey),
                                score=await scores.current(customer_id))
