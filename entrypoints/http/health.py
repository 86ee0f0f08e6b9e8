"""GET /health (the process answers) and GET /ready (its dependencies answer too).

`/ready` also names every stalled read model (the event it stopped at: position, type,
error class). A stall answers 200 with status "degraded", not 503: the API still
serves every read model (the stalled one as of its position) and takes commands, and a
load balancer must not take it out of service for one read model.
"""

from __future__ import annotations

import asyncio

from litestar import Response, get
from litestar.datastructures import State

from adapters.health import check_dependencies
from adapters.settings import ResolvedSettings
from projections.stall import read_stalls

__all__ = ["health", "ready"]


@get("/health", exclude_from_auth=True, tags=["ops"], summary="The process is alive")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready", exclude_from_auth=True, tags=["ops"],
     summary="Postgres, NATS and Redis answer; stalled read models are named")
async def ready(state: State) -> Response[dict[str, object]]:
    settings: ResolvedSettings = state.settings
    checks = await check_dependencies(settings.database_url, settings.nats_url, settings.redis_url)
    ok = all(value == "ok" for value in checks.values())
    stalled: list[dict[str, object]] = []
    if ok:
        try:
            stalled = [s.as_dict() for s in await asyncio.wait_for(
                read_stalls(settings.database_url), timeout=2.0)]
        except Exception as error:  # noqa: BLE001 - Postgres answered a moment ago
            checks["read_models"] = f"unavailable ({type(error).__name__})"
            ok = False
    status = "unavailable" if not ok else "degraded" if stalled else "ready"
    return Response(
        {"status": status, "checks": checks, "stalled": stalled},
        status_code=200 if ok else 503,
        headers=None if ok else {"Retry-After": "5"},
    )
