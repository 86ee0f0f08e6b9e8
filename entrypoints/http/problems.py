"""Every error, from any layer, mapped once to RFC 9457 problem details."""

from __future__ import annotations

import asyncio
import re
import traceback
from typing import Any

import msgspec
import psycopg
import psycopg_pool
import structlog
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    MapperDeserialisationError,
    OperationalError,
)
from litestar import Request, Response
from litestar.exceptions import HTTPException, LitestarException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import HTTPResponseBodyEvent, HTTPResponseStartEvent, Send

from adapters.postgres.read_replica import ReplicaUnavailable
from application.errors import Conflict, Forbidden, NotFound
from application.keys import KeyUnavailable
from domain.errors import (
    CustomerErased,
    DomainError,
    InvalidTransition,
    InvalidValue,
    UnknownTestDrive,
)
from entrypoints.http.request_id import current_request_id

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "Problem", "ServiceUnavailable", "send_problem"]

PROBLEM_JSON = "application/problem+json"
INTERNAL_DETAIL = "the server failed; the request id in the logs identifies it"
log = structlog.get_logger()


class FieldError(msgspec.Struct, frozen=True):
    field: str
    message: str


class Problem(msgspec.Struct, frozen=True, omit_defaults=True):
    """Problem details (RFC 9457) with the offending fields, when there are any."""

    title: str
    status: int
    detail: str
    type: str = "about:blank"
    instance: str | None = None
    errors: list[FieldError] = []
    # Ties the answer to the server's log lines (the access line, an "unhandled error").
    request_id: str | None = None


class ServiceUnavailable(Exception):
    """A dependency (Postgres, NATS, Redis, an outside registry) does not answer."""

    def __init__(self, detail: str, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


def _problem(
    request: Request[Any, Any, Any],
    status: int,
    title: str,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    return Response(
        Problem(title=title, status=status, detail=detail, instance=request.url.path,
                errors=errors or [], request_id=current_request_id()),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


_NAMED_FIELD = re.compile(r"field `([^`]+)`")


def _field_error(item: dict[str, Any]) -> FieldError:
    message = str(item.get("message", "invalid"))
    # msgspec names unknown and missing fields only in its message.
    named = _NAMED_FIELD.search(message)
    key = item.get("key")
    field = named.group(1) if named and key in (None, "data") else key
    return FieldError(field=str(field or item.get("source") or "body"), message=message)


def _validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Problem]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = [_field_error(item) for item in extra if isinstance(item, dict)]
    fields = ", ".join(e.field for e in errors) or "body"
    return _problem(request, 400, "Bad request", f"invalid input in {fields}", errors)


def _invalid_value(request: Request[Any, Any, Any], exc: InvalidValue) -> Response[Problem]:
    return _problem(request, 422, "Invalid value", str(exc),
                    [FieldError(field=exc.field, message=exc.message)])


def _not_found(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    return _problem(request, 404, "Not found", str(exc))


def _forbidden(request: Request[Any, Any, Any], exc: Forbidden) -> Response[Problem]:
    return _problem(request, 403, "Forbidden", str(exc))


def _conflict(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    return _problem(request, 409, "Conflict", str(exc))


def _domain(request: Request[Any, Any, Any], exc: DomainError) -> Response[Problem]:
    return _problem(request, 422, "Rule violated", str(exc))


def _unavailable(request: Request[Any, Any, Any], exc: ServiceUnavailable) -> Response[Problem]:
    # Our own detail texts name the dependency, never data; the cause is a class name.
    cause = exc.__cause__ or exc.__context__
    log.warning("service unavailable", detail=str(exc),
                cause=type(cause).__name__ if cause else None)
    return _problem(request, 503, "Service unavailable", str(exc),
                    headers={"Retry-After": str(exc.retry_after)})


def _replica_down(request: Request[Any, Any, Any], exc: ReplicaUnavailable) -> Response[Problem]:
    return _problem(request, 503, "Service unavailable", str(exc),
                    headers={"Retry-After": str(exc.retry_after)})


def _store_down(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    log.warning("database unavailable", error=type(exc).__name__)
    return _problem(request, 503, "Service unavailable",
                    "the database does not answer; retry shortly", headers={"Retry-After": "5"})


def _key_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    """A data key this process cannot open: its master key is missing from the ring (a
    rotation's rollout step missed). The operator's to fix, so 503, not the client's."""
    unavailable = next((e for e in _chain(exc) if isinstance(e, KeyUnavailable)), None)
    if unavailable is None:
        return _unexpected(request, exc)
    log.error("data key unavailable", detail=str(unavailable))  # ids only, never data
    return _problem(request, 503, "Service unavailable",
                    "personal data cannot be opened with the configured master keys; "
                    "the operator must fix CIS_MASTER_KEY / CIS_PREVIOUS_MASTER_KEYS",
                    headers={"Retry-After": "60"})


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    if exc.status_code >= 500:
        # Litestar's own 500s (a wiring mistake, e.g. ImproperlyConfiguredException) are
        # bugs like any other: logged with their traceback, never described to the client.
        return _unexpected(request, exc)
    headers = dict(exc.headers or {})
    return _problem(request, exc.status_code, _title(exc.status_code), exc.detail, headers=headers)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    log_unhandled(exc)
    return _problem(request, HTTP_500_INTERNAL_SERVER_ERROR, "Internal error", INTERNAL_DETAIL)


def log_unhandled(exc: BaseException) -> None:
    """The one log line of a 5xx nobody planned for: the classes and the tracebacks.

    Never the messages: exception texts may quote input (personal data); tracebacks
    name code lines only, and the request id ties the line to the access-log line.
    """
    chain = _chain(exc)
    # What went wrong, past the wrappers (Litestar's "caught after response started",
    # task groups, the cancellations they cause).
    causes = [e for e in chain[1:] if not isinstance(
        e, BaseExceptionGroup | asyncio.CancelledError | LitestarException)]
    trace = "\n".join(
        "Traceback (most recent call last):\n"
        f"{''.join(traceback.format_tb(e.__traceback__))}{type(e).__name__}\n"
        for e in reversed(chain))
    log.error("unhandled error", error=type(exc).__name__,
              cause=type(causes[-1]).__name__ if causes else None, exception=trace)


def _chain(exc: BaseException, limit: int = 8) -> list[BaseException]:
    """The exception, what caused it, and the members of exception groups, outside in."""
    found: list[BaseException] = []
    pending = [exc]
    while pending and len(found) < limit:
        current = pending.pop(0)
        if any(current is seen for seen in found):
            continue
        found.append(current)
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        if (earlier := current.__cause__ or current.__context__) is not None:
            pending.append(earlier)
    return found


async def send_problem(send: Send, problem: Problem, headers: dict[str, str] | None = None) -> None:
    """A problem answer written straight to ASGI, for layers that run outside Litestar."""
    await send(HTTPResponseStartEvent(
        type="http.response.start", status=problem.status,
        headers=[(b"content-type", PROBLEM_JSON.encode()),
                 *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items())]))
    await send(HTTPResponseBodyEvent(type="http.response.body",
                                     body=msgspec.json.encode(problem), more_body=False))


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


EXCEPTION_HANDLERS: dict[Any, Any] = {
    ValidationException: _validation,
    InvalidValue: _invalid_value,
    InvalidTransition: _conflict,
    Conflict: _conflict,
    # The library's IntegrityError on save is a concurrent write to the same aggregate.
    IntegrityError: _conflict,
    OperationalError: _store_down,
    InterfaceError: _store_down,
    psycopg.OperationalError: _store_down,
    psycopg_pool.PoolTimeout: _store_down,
    NotFound: _not_found,
    Forbidden: _forbidden,
    UnknownTestDrive: _not_found,
    CustomerErased: _conflict,
    DomainError: _domain,
    ServiceUnavailable: _unavailable,
    ReplicaUnavailable: _replica_down,
    KeyUnavailable: _key_unavailable,
    MapperDeserialisationError: _key_unavailable,  # else a 500, as any other
    HTTPException: _http,
    Exception: _unexpected,
}

