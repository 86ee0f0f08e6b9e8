"""Lead scores over HTTP: one customer's score explained, its history, the call list."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, get
from litestar.params import Parameter

from application.errors import NotFound
from entrypoints.http.auth import Caller
from entrypoints.http.openapi import query_responses
from entrypoints.query_api.customers import visible_salesperson
from projections.scores import CallListEntry, LeadScoreView, ScoreHistory, ScoreQueries

__all__ = ["CallList", "LeadScoresController"]

Req = Request[Caller, Any, Any]


class CallList(msgspec.Struct, frozen=True):
    """Who to call first: the highest scores, with the three biggest reasons each."""

    items: list[CallListEntry]


class LeadScoresController(Controller):
    path = "/scores"
    tags = ["scores"]

    @get("/", summary="The call list: highest lead scores first", responses=query_responses(),
         description="A salesperson's own customers; everyone's for the other roles. Only "
         "customers with profiling consent are scored.")
    async def call_list(self, request: Req, scores: ScoreQueries,
                        order: Literal["score"] = "score",
                        limit: Annotated[int, Parameter(ge=1, le=200)] = 50) -> CallList:
        own = visible_salesperson(request.user)
        return CallList(await scores.call_list(salesperson=own, limit=limit))

    @get("/{customer_id:uuid}", summary="A customer's lead score, explained per feature",
         responses=query_responses(),
         description="base + the contributions (log-odds, largest first) = logit; "
         "probability = 1 / (1 + e^-logit); score = 100 x probability. 404 for an "
         "unknown customer, one without profiling consent, or a colleague's.")
    async def score(self, customer_id: UUID, request: Req, scores: ScoreQueries
                    ) -> LeadScoreView:
        return _visible(await scores.current(customer_id), customer_id, request.user)

    @get("/{customer_id:uuid}/history", summary="Every score the customer had, oldest first",
         responses=query_responses())
    async def history(self, customer_id: UUID, request: Req, scores: ScoreQueries
                      ) -> ScoreHistory:
        _visible(await scores.current(customer_id), customer_id, request.user)
        return ScoreHistory(customer_id, await scores.history(customer_id))


def _visible(found: LeadScoreView | None, customer_id: UUID, caller: Caller) -> LeadScoreView:
    own = visible_salesperson(caller)
    # A colleague's customer is answered like an unknown one: the same 404.
    if found is None or (own is not None and found.salesperson != own):
        raise NotFound(f"no score for customer {customer_id}")
    return found
