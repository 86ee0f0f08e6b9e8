"""How every dashboard endpoint answers: wait for min_position, cache by position, ETag."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Request, Response

from adapters.redis.dashboard_cache import DashboardCache
from entrypoints.http.auth import Caller, Role
from entrypoints.query_api.customers import await_position
from entrypoints.query_api.positions import ReadPositions

__all__ = ["dashboard_answer"]


async def dashboard_answer(
    request: Request[Caller, Any, Any],
    positions: ReadPositions,
    cache: DashboardCache,
    read_model: str,
    min_position: int | None,
    compute: Callable[[], Awaitable[Any]],
    *,
    parameters: Mapping[str, str] | None = None,
    as_of_minute: bool = False,
) -> Response[bytes]:
    """The dashboard as JSON with an ETag; 304 when the client's copy is current.

    The cache key holds the read model's position, the dashboard's `parameters` (the
    ones it declares, never whatever else a query string holds, so made-up parameters
    cannot fill the cache) and what the caller may see (role, and the subject for
    salespeople), so no one ever gets a figure computed for someone else or before
    their own write. Figures that also depend on the clock ("new in the last 24 h")
    pass `as_of_minute`, which adds the current minute to the key.
    """
    await await_position(positions, read_model, min_position)
    position, generation = await positions.of_tables(read_model)
    caller = request.user
    seen_as = caller.subject if caller.role is Role.SALESPERSON else "*"
    visibility = f"{caller.role.value}:{seen_as}"
    query = "&".join(f"{k}={v}" for k, v in sorted((parameters or {}).items()))
    key = (f"cis:dashboard:{request.url.path}?{query}|{visibility}"
           f"|{read_model}.{generation}@{position}")
    if as_of_minute:
        key += datetime.now(UTC).strftime("|%Y-%m-%dT%H:%M")
    etag = '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache",
               "X-Read-Model-Position": str(position)}
    if etag in request.headers.get("if-none-match", ""):
        return Response(b"", status_code=304, headers=headers)
    body = await cache.get(key)
    if body is None:
        body = msgspec.json.encode(await compute())
        await cache.put(key, body)
    return Response(body, media_type="application/json", headers=headers)
