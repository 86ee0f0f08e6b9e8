"""Every error, from any layer, mapped once to RFC 9457 problem details."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import psycopg
import psycopg_pool
import structlog
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from application.errors import Conflict, NotFound
from domain.errors import (
    CustomerErased,
    DomainError,
    InvalidTransition,
    InvalidValue,
    UnknownTestDrive,
)

__all__ = ["EXCEPTION_HANDLERS", "Problem", "ServiceUnavailable"]

PROBLEM_JSON = "application/problem+json"
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
                errors=errors or []),
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


def _conflict(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    return _problem(request, 409, "Conflict", str(exc))


def _domain(request: Request[Any, Any, Any], exc: DomainError) -> Response[Problem]:
    return _problem(request, 422, "Rule violated", str(exc))


def _unavailable(request: Request[Any, Any, Any], exc: ServiceUnavailable) -> Response[Problem]:
    log.warning("service unavailable", detail=str(exc), path=request.url.path)
    return _problem(request, 503, "Service unavailable", str(exc),
                    headers={"Retry-After": str(exc.retry_after)})


def _store_down(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    log.warning("database unavailable", error=type(exc).__name__)
    return _unavailable(request, ServiceUnavailable("the database does not answer; retry shortly"))


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    if exc.status_code >= 500:  # e.g. Litestar's own 500s: every 5xx is logged with its cause
        log.error("server error", status=exc.status_code, error=type(exc).__name__,
                  detail=exc.detail, path=request.url.path)
    headers = dict(exc.headers or {})
    if exc.status_code == 429 and "RateLimit-Reset" in headers:
        headers["Retry-After"] = str(max(1, int(headers["RateLimit-Reset"])))
    return _problem(request, exc.status_code, _title(exc.status_code), exc.detail, headers=headers)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    # Never a stack trace in a response; the log has the type, the request id ties them.
    log.error("unhandled error", error=type(exc).__name__, path=request.url.path, exc_info=exc)
    return _problem(request, HTTP_500_INTERNAL_SERVER_ERROR, "Internal error",
                    "the server failed; the request id in the logs identifies it")


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
    UnknownTestDrive: _not_found,
    CustomerErased: _conflict,
    DomainError: _domain,
    ServiceUnavailable: _unavailable,
    HTTPException: _http,
    Exception: _unexpected,
}

