"""Customer reads over HTTP: search with cursor pages, one profile, a lead score."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.params import Parameter

from application.errors import NotFound
from domain.journey import Stage
from entrypoints.http.auth import Caller, Role
from entrypoints.http.openapi import query_responses
from entrypoints.http.problems import ServiceUnavailable
from entrypoints.query_api.bodies import CustomerPage
from entrypoints.query_api.params import MinPosition, bad_parameter, canton_code, plain_text
from entrypoints.query_api.positions import ReadPositions
from projections.customers import CustomerProfile, CustomerQueries

__all__ = ["CustomersController", "MinPosition", "await_position",
           "visible_salesperson"]

MIN_POSITION_TIMEOUT = 5.0

Req = Request[Caller, Any, Any]


async def await_position(positions: ReadPositions, read_model: str,
                         min_position: int | None) -> None:
    """Return once `read_model` has reached `min_position`; 503 if it does not in time."""
    if min_position and not await positions.wait_for(read_model, min_position,
                                                      MIN_POSITION_TIMEOUT):
        raise ServiceUnavailable(
            f"read model {read_model} has not reached position {min_position} yet",
            retry_after=1,
        )


def visible_salesperson(caller: Caller) -> str | None:
    """Salespeople see their own customers only; everyone else in the company sees all."""
    return caller.subject if caller.role is Role.SALESPERSON else None


class CustomersController(Controller):
    path = "/customers"
    tags = ["customers"]

    @get("/", summary="Search customers", responses=query_responses(),
         description="Filters combine; `q` searches name, e-mail and company. Newest first, "
         "cursor-paginated. Salespeople see their own customers only.")
    async def search(
        self, request: Req, positions: ReadPositions, customers: CustomerQueries,
        canton: Annotated[str | None, plain_text(max_length=2)] = None,
        stage: Stage | None = None,
        salesperson: Annotated[str | None, plain_text(max_length=100)] = None,
        q: Annotated[str | None, plain_text(min_length=2, max_length=100)] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, plain_text(max_length=200)] = None,
        min_position: MinPosition = None,
    ) -> CustomerPage:
        # Every parameter is checked before the first query, so a bad one is a 400 even
        # when the read model is behind.
        after = _decode_cursor(cursor) if cursor else None
        code = canton_code(canton) if canton else None
        await await_position(positions, "customers", min_position)
        own = visible_salesperson(request.user)
        if own is not None and salesperson not in (None, own):
            return CustomerPage(items=[], next_cursor=None)  # a colleague's: none visible
        found = await customers.search(
            canton=code, stage=stage.value if stage else None,
            salesperson=own or salesperson, text=q, limit=limit + 1, after=after)
        page = found[:limit]
        more = len(found) > limit
        return CustomerPage(items=page, next_cursor=_encode_cursor(page[-1]) if more else None)

    @get("/{customer_id:uuid}", summary="A customer's profile", responses=query_responses())
    async def profile(self, customer_id: UUID, request: Req, positions: ReadPositions,
                      customers: CustomerQueries,
                      min_position: MinPosition = None) -> CustomerProfile:
        await await_position(positions, "customers", min_position)
        profile = await customers.profile(customer_id)
        own = visible_salesperson(request.user)
        if profile is None or (own is not None and profile.salesperson != own):
            raise NotFound(f"no customer with id {customer_id}")
        return profile


def _encode_cursor(last: CustomerProfile) -> str:
    return _cursor_of(last.registered_at, last.id)


def _cursor_of(registered_at: datetime, customer_id: UUID) -> str:
    raw = f"{registered_at.isoformat()}|{customer_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    """The keyset a cursor stands for; 400 unless it is exactly one this API gave out."""
    try:
        registered_at, customer_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        after = datetime.fromisoformat(registered_at), UUID(customer_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        bad_parameter("cursor", "is not a cursor this API gave out")
    # Lenient parsers accept more than we write (other spellings, trailing bytes, no
    # time zone): only the canonical form of a cursor we gave out is taken.
    if _cursor_of(*after) != cursor:
        bad_parameter("cursor", "is not a cursor this API gave out")
    return after
