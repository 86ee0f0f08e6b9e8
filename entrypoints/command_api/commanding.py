"""What every command endpoint does: who may act, which version, run it off the loop."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any, TypedDict, TypeVar

from litestar import Request
from litestar.exceptions import ValidationException

from adapters.postgres.recorder import ClaimLost
from application.acting import Actor
from application.errors import Conflict
from application.written import Written
from domain.meta import EventMeta
from entrypoints.command_api.threads import in_command_thread
from entrypoints.http.auth import Caller, Role
from entrypoints.http.bodies import WrittenBody
from entrypoints.http.problems import ServiceUnavailable
from entrypoints.http.request_id import current_request_id

__all__ = [
    "SALES_WRITERS",
    "ByCaller",
    "actor_of",
    "as_caller",
    "execute",
    "expected_version",
    "in_worker_thread",
    "meta_of",
    "optional",
]

T = TypeVar("T")
COMMAND_TIMEOUT_SECONDS = 3.0
SALES_WRITERS = (Role.SALESPERSON, Role.SALES_MANAGER, Role.ADMIN)
_VERSION = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def meta_of(request: Request[Caller, Any, Any]) -> EventMeta:
    return EventMeta(actor=request.user.subject, correlation_id=current_request_id())


def expected_version(request: Request[Any, Any, Any]) -> int | None:
    """`If-Match: 3` (or `"3"`): the version the caller last saw; absent means any."""
    header = request.headers.get("if-match")
    if header is None:
        return None
    match = _VERSION.match(header)
    if match is None:
        raise ValidationException("If-Match must be the aggregate version, e.g. If-Match: 3",
                                  extra=[{"key": "If-Match", "message": "not a version",
                                          "source": "header"}])
    return int(match.group(1))


def optional(parse: Callable[..., T], raw: Any, field: str) -> T | None:
    return None if raw is None else parse(raw, field=field)


def actor_of(caller: Caller) -> Actor:
    """Salespeople act on the customers assigned to them (and their sales) only; the use
    case checks it on the aggregate it changes."""
    return Actor(caller.subject, assigned_customers_only=caller.role is Role.SALESPERSON)


async def execute(command: Callable[[], Written]) -> WrittenBody:
    """Run one use case in a worker thread and answer what it wrote."""
    written = await in_worker_thread(command)
    return WrittenBody(id=written.id, version=written.version, position=written.position)


class ByCaller(TypedDict):
    """What every command on an existing aggregate takes from the request."""

    meta: EventMeta
    expected_version: int | None
    acting_as: Actor


async def as_caller(request: Request[Caller, Any, Any],
                    use_case: Callable[[ByCaller], Written]) -> WrittenBody:
    """Run a use case on an existing aggregate with the caller's expected version
    (`If-Match`) and as the caller: it checks who may act on what it loaded."""
    by = ByCaller(meta=meta_of(request), expected_version=expected_version(request),
                  acting_as=actor_of(request.user))
    return await execute(lambda: use_case(by))


async def in_worker_thread(work: Callable[[], T], *,
                           seconds: float = COMMAND_TIMEOUT_SECONDS) -> T:
    """Run a command in a command thread (the application is synchronous), bounded.

    Past the deadline the thread may still be waiting for Postgres; the command's claim
    (see `entrypoints.http.idempotency`) is then given up, so that it can no longer
    write, before the 503 goes out.
    """
    try:
        return await asyncio.wait_for(in_command_thread(work), seconds)
    except TimeoutError:
        raise ServiceUnavailable("the database did not answer in time; nothing was written, "
                                 "retry shortly") from None
    except ClaimLost:
        raise Conflict("another request with this Idempotency-Key took this command over; "
                       "this one wrote nothing") from None
