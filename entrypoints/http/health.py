"""GET /health (the process answers) and GET /ready (its dependencies answer too)."""

from __future__ import annotations

from litestar import Response, get
from litestar.datastructures import State

from adapters.health import check_dependencies
from adapters.settings import Settings

__all__ = ["health", "ready"]


@get("/health", exclude_from_auth=True, tags=["ops"], summary="The process is alive")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready", exclude_from_auth=True, tags=["ops"], summary="Postgres, NATS and Redis answer")
async def ready(state: State) -> Response[dict[str, object]]:
    settings: Settings = state.settings
    assert settings.database_url and settings.nats_url and settings.redis_url
    checks = await check_dependencies(settings.database_url, settings.nats_url, settings.redis_url)
    ok = all(value == "ok" for value in checks.values())
    return Response(
        {"status": "ready" if ok else "unavailable", "checks": checks},
        status_code=200 if ok else 503,
        headers=None if ok else {"Retry-After": "5"},
    )
