"""A customer's journey over HTTP: the timeline of journey steps and the stage now."""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from litestar import Controller, Request, get
from litestar.di import Provide

from adapters.postgres.dashboard_queries import JourneyQueries
from adapters.postgres.read_models import ReadModels
from application.errors import NotFound
from entrypoints.http.auth import Caller
from entrypoints.http.openapi import query_responses
from entrypoints.query_api.customers import MinPosition, await_position, visible_salesperson
from entrypoints.query_api.dashboard_bodies import JourneyBody

__all__ = ["JourneyQueriesController"]


def _journeys(reads: ReadModels) -> JourneyQueries:
    return JourneyQueries.sharing(reads)


class JourneyQueriesController(Controller):
    path = "/customers/{customer_id:uuid}/journey"
    tags: ClassVar[list[str]] = ["customers"]
    dependencies: ClassVar[dict[str, Provide]] = {"journeys": Provide(_journeys, sync_to_thread=False)}

    @get("/", summary="A customer's journey timeline and stage", responses=query_responses(),
         description="Every step that matters to the journey, oldest first, without "
         "personal data (a touchpoint's note is never shown). Salespeople see their own "
         "customers only (404 for others).")
    async def journey(self, customer_id: UUID, request: Request[Caller, Any, Any],
                      reads: ReadModels, journeys: JourneyQueries,
                      min_position: MinPosition = None) -> JourneyBody:
        await await_position(reads, "journeys", min_position)
        row = await journeys.journey(customer_id)
        own = visible_salesperson(request.user)
        if row is None or (own is not None and row["salesperson"] != own):
            raise NotFound(f"no customer with id {customer_id}")
        return JourneyBody.of(row)
