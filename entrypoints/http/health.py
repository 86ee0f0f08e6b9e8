"""GET /health (the process answers) and GET /ready (its dependencies answer too).

`/ready` also names every stalled read model (the event it stopped at: position, type,
error class). A stall answers 200 with status "degraded", not 503: the API still
serves every read model (the stalled one as of its position) and takes commands, and a
load balancer must not take it out of service for one read model.

A query API reading from a streaming replica (`CIS_READ_DATABASE_URL`) checks it too:
away, its reads answer 503, and so does `/ready`; with `CIS_READ_FALLBACK_TO_PRIMARY`
the primary serves them, and `/ready` says "degraded".
"""

from __future__ import annotations

import asyncio

from litestar import Response, get
from litestar.datastructures import State

from adapters.health import check_dependencies
from adapters.settings import ResolvedSettings
from projections.stall import read_stalls

__all__ = ["READS_FROM_REPLICA", "health", "ready"]

READS_FROM_REPLICA = "reads_from_replica"  # app state: this API's reads use the replica


@get("/health", exclude_from_auth=True, tags=["ops"], summary="The process is alive")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready", exclude_from_auth=True, tags=["ops"],
     summary="Postgres, NATS and Redis answer; stalled read models are named")
async def ready(state: State) -> Response[dict[str, object]]:
    settings: ResolvedSettings = state.settings
    replica = settings.read_database_url if state.get(READS_FROM_REPLICA) else None
    checks = await check_dependencies(settings.database_url, settings.nats_url,
                                      settings.redis_url, replica)
    replica_away = checks.get("read_replica", "ok") != "ok"
    if replica_away and settings.read_fallback_to_primary:
        checks["read_replica"] += "; reads served by the primary"
    ok = all(value == "ok" for name, value in checks.items()
             if not (name == "read_replica" and settings.read_fallback_to_primary))
    stalled: list[dict[str, object]] = []
    if ok:
        try:
            stalled = [s.as_dict() for s in await asyncio.wait_for(
                read_stalls(settings.database_url), timeout=2.0)]
        except Exception as error:  # noqa: BLE001 - Postgres answered a moment ago
            checks["read_models"] = f"unavailable ({type(error).__name__})"
            ok = False
    degraded = bool(stalled) or replica_away
    status = "unavailable" if not ok else "degraded" if degraded else "ready"
    return Response(
        {"status": status, "checks": checks, "stalled": stalled},
        status_code=200 if ok else 503,
        headers=None if ok else {"Retry-After": "5"},
    )
