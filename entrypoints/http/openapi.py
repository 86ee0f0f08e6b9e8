"""The error responses each endpoint documents in the OpenAPI schema."""

from __future__ import annotations

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec

from entrypoints.http.problems import Problem

__all__ = ["command_responses", "document_shared_answers", "query_responses"]

_MEANING = {
    400: "Malformed body, parameter or header (problem details name the field)",
    401: "No valid bearer token",
    403: "The caller's role (or ownership) does not allow this",
    404: "Unknown id",
    413: "The body is larger than CIS_MAX_BODY_BYTES",
    415: "The body is not JSON (Content-Type: application/json)",
    409: "Version conflict (If-Match) or a transition the aggregate does not allow",
    422: "A value the domain refuses (problem details name the field), or an "
         "Idempotency-Key reused with another body",
    429: "Rate limit exceeded; see Retry-After",
    503: "A dependency is down or a read model is behind; nothing was written; see "
         "Retry-After",
    504: "Outcome unknown (urn:cis:problem:outcome-unknown): Postgres stalled while the "
         "command was written; send it again with the answer's Idempotency-Key",
}


def _specs(*codes: int) -> dict[int, ResponseSpec]:
    return {
        code: ResponseSpec(data_container=Problem, description=_MEANING[code],
                           media_type="application/problem+json")
        for code in codes
    }


def command_responses() -> dict[int, ResponseSpec]:
    return _specs(400, 401, 403, 404, 409, 422, 429, 503)


def query_responses() -> dict[int, ResponseSpec]:
    return _specs(400, 401, 403, 404, 422, 429, 503)


def document_shared_answers(app: Litestar, prefix: str = "/api/") -> None:
    """Every API operation documents what the shared mechanism may answer for it.

    Screening (400), auth (401) and rate limits (429) answer before any route code runs,
    so a route cannot forget to declare them; bodies may also get 413 and 415.
    """
    for route in app.routes:
        if not route.path.startswith(prefix):
            continue
        for handler in getattr(route, "route_handlers", []):
            if not isinstance(handler, HTTPRouteHandler):
                continue
            codes = [400, 401, 429]
            if handler.http_methods & {"POST", "PUT", "PATCH"}:
                codes += [413, 415, 504]  # every write runs under an idempotency claim
            handler.responses = {**_specs(*codes), **(handler.responses or {})}
