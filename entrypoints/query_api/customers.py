"""Customer reads over HTTP: search with cursor pages, one profile, a lead score."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.exceptions import ValidationException
from litestar.params import Parameter

from adapters.postgres.read_models import ReadModels
from application.errors import NotFound
from domain.journey import Stage
from entrypoints.http.auth import Caller, Role
from entrypoints.http.openapi import query_responses
from entrypoints.http.problems import ServiceUnavailable
from entrypoints.query_api.bodies import CustomerPage, CustomerProfile, LeadScoreBody

__all__ = ["CustomerQueries", "MinPosition", "ScoreQueries", "await_position"]

MIN_POSITION_TIMEOUT = 5.0

MinPosition = Annotated[
    int | None,
    Parameter(
        ge=0,
        required=False,
        description="Wait (at most 5 s) until the read model has processed this log "
        "position, e.g. the `position` a command returned; 503 if it does not in time.",
    ),
]
Req = Request[Caller, Any, Any]


async def await_position(reads: ReadModels, read_model: str, min_position: int | None) -> None:
    if min_position and not await reads.wait_for(read_model, min_position, MIN_POSITION_TIMEOUT):
        raise ServiceUnavailable(
            f"read model {read_model} has not reached position {min_position} yet",
            retry_after=1,
        )


def visible_salesperson(caller: Caller) -> str | None:
    """Salespeople see their own customers only; everyone else in the company sees all."""
    return caller.subject if caller.role is Role.SALESPERSON else None


class CustomerQueries(Controller):
    path = "/customers"
    tags = ["customers"]

    @get("/", summary="Search customers", responses=query_responses(),
         description="Filters combine; `q` searches name, e-mail and company. Newest first, "
         "cursor-paginated. Salespeople see their own customers only.")
    async def search(
        self, request: Req, reads: ReadModels,
        canton: Annotated[str | None, Parameter(max_length=2)] = None,
        stage: Stage | None = None,
        salesperson: Annotated[str | None, Parameter(max_length=100)] = None,
        q: Annotated[str | None, Parameter(min_length=2, max_length=100)] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, Parameter(max_length=200)] = None,
        min_position: MinPosition = None,
    ) -> CustomerPage:
        await await_position(reads, "customers", min_position)
        own = visible_salesperson(request.user)
        rows = await reads.search_customers(
            canton=canton.upper() if canton else None, stage=stage.value if stage else None,
            salesperson=own or salesperson, text=q, limit=limit + 1,
            after=_decode_cursor(cursor) if cursor else None)
        page = [CustomerProfile.of(row) for row in rows[:limit]]
        more = len(rows) > limit
        return CustomerPage(items=page, next_cursor=_encode_cursor(rows[limit - 1]) if more else None)

    @get("/{customer_id:uuid}", summary="A customer's profile", responses=query_responses())
    async def profile(self, customer_id: UUID, request: Req, reads: ReadModels,
                      min_position: MinPosition = None) -> CustomerProfile:
        await await_position(reads, "customers", min_position)
        row = await reads.customer_profile(customer_id)
        own = visible_salesperson(request.user)
        if row is None or (own is not None and row["salesperson"] != own):
            raise NotFound(f"no customer with id {customer_id}")
        return CustomerProfile.of(row)


class ScoreQueries(Controller):
    path = "/scores"
    tags = ["scores"]

    @get("/{customer_id:uuid}", summary="A customer's lead score, explained per feature",
         responses=query_responses())
    async def score(self, customer_id: UUID, reads: ReadModels) -> LeadScoreBody:
        row = await reads.lead_score(customer_id)
        if row is None:
            raise NotFound(f"no score for customer {customer_id}")
        return LeadScoreBody(
            customer_id=row["customer_id"], score=row["score"],
            probability=row["probability"], contributions=row["contributions"],
            position=row["position"], updated_at=row["updated_at"],
        )


def _encode_cursor(row: dict[str, Any]) -> str:
    raw = f"{row['registered_at'].isoformat()}|{row['customer_id']}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        registered_at, customer_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(registered_at), UUID(customer_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationException("cursor is not one this API gave out", extra=[
            {"key": "cursor", "message": "invalid cursor", "source": "query"}]) from None
