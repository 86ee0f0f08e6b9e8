"""The error responses each endpoint documents in the OpenAPI schema."""

from __future__ import annotations

from litestar.openapi.datastructures import ResponseSpec

from entrypoints.http.problems import Problem

__all__ = ["command_responses", "query_responses"]

_MEANING = {
    400: "Malformed body, parameter or header (problem details name the field)",
    401: "No valid bearer token",
    403: "The caller's role (or ownership) does not allow this",
    404: "Unknown id",
    409: "Version conflict (If-Match) or a transition the aggregate does not allow",
    422: "A value the domain refuses (problem details name the field), or an "
         "Idempotency-Key reused with another body",
    429: "Rate limit exceeded; see Retry-After",
    503: "A dependency is down or a read model is behind; see Retry-After",
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
