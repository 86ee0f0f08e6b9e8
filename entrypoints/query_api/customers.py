"""Customer reads over HTTP."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.params import Parameter

from adapters.postgres.read_models import ReadModels
from application.errors import NotFound
from entrypoints.http.auth import Caller, Role
from entrypoints.http.problems import ServiceUnavailable
from entrypoints.query_api.bodies import CustomerProfile, LeadScoreBody

__all__ = ["CustomerQueries", "MinPosition", "await_position"]

MIN_POSITION_TIMEOUT = 5.0

MinPosition = Annotated[
    int | None,
    Parameter(
        ge=0,
        required=False,
        description="Wait (at most 5 s) until the read model has processed this log "
        "position, e.g. the `position` a command returned.",
    ),
]


async def await_position(reads: ReadModels, projection: str, min_position: int | None) -> None:
    if min_position and not await reads.wait_for(projection, min_position, MIN_POSITION_TIMEOUT):
        raise ServiceUnavailable(
            f"read model {projection} has not reached position {min_position} yet", retry_after=1
        )


def _may_see(caller: Caller, profile: dict[str, Any]) -> bool:
    # Salespeople see their own customers only; everyone else in the company sees all.
    return caller.role is not Role.SALESPERSON or profile["salesperson"] == caller.subject


class CustomerQueries(Controller):
    path = "/customers"
    tags = ["customers"]

    @get("/{customer_id:uuid}", summary="A customer's profile")
    async def profile(
        self, customer_id: UUID, request: Request[Caller, Any, Any], reads: ReadModels,
        min_position: MinPosition = None,
    ) -> CustomerProfile:
        await await_position(reads, "customer_profile", min_position)
        row = await reads.customer_profile(customer_id)
        if row is None or not _may_see(request.user, row):
            raise NotFound(f"no customer with id {customer_id}")
        return CustomerProfile(
            id=row["customer_id"], name=row["name"], email=row["email"],
            postal_code=row["postal_code"], canton=row["canton"], language=row["language"],
            registered_at=row["registered_at"], salesperson=row["salesperson"],
            version=row["version"], position=row["position"],
        )


class ScoreQueries(Controller):
    path = "/scores"
    tags = ["scores"]

    @get("/{customer_id:uuid}", summary="A customer's lead score, explained per feature")
    async def score(self, customer_id: UUID, reads: ReadModels) -> LeadScoreBody:
        row = await reads.lead_score(customer_id)
        if row is None:
            raise NotFound(f"no score for customer {customer_id}")
        return LeadScoreBody(
            customer_id=row["customer_id"], score=row["score"],
            probability=row["probability"], contributions=row["contributions"],
            position=row["position"], updated_at=row["updated_at"],
        )
