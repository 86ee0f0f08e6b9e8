"""A customer's journey over HTTP: the timeline of journey steps and the stage now."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get

from application.errors import NotFound
from entrypoints.http.auth import Caller
from entrypoints.http.openapi import query_responses
from entrypoints.query_api.customers import MinPosition, await_position, visible_salesperson
from projections.journeys import JourneyBody, JourneyQueries
from projections.reading import Positions

__all__ = ["JourneyController"]


class JourneyController(Controller):
    path = "/customers/{customer_id:uuid}/journey"
    tags = ["customers"]

    @get("/", summary="A customer's journey timeline and stage", responses=query_responses(),
         description="Every step that matters to the journey, oldest first, without "
         "personal data (a touchpoint's note is never shown). Salespeople see their own "
         "customers only (404 for others).")
    async def journey(self, customer_id: UUID, request: Request[Caller, Any, Any],
                      positions: Positions, journeys: JourneyQueries,
                      min_position: MinPosition = None) -> JourneyBody:
        await await_position(positions, "journeys", min_position)
        journey = await journeys.journey(customer_id)
        own = visible_salesperson(request.user)
        if journey is None or (own is not None and journey.salesperson != own):
            raise NotFound(f"no customer with id {customer_id}")
        return journey
