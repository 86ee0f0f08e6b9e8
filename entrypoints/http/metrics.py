"""GET /metrics (Prometheus): request counts and, on the query API, read model lag."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar import Response, get
from litestar.datastructures import State
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest

from entrypoints.http.read_model_metrics import ReadModelStallMetrics

__all__ = ["metrics_handler"]


def metrics_handler(
    refresh: Callable[[Gauge], Awaitable[None]] | None = None,
) -> object:
    """A /metrics route; `refresh` sets the lag gauge from Postgres before each scrape."""
    registry = CollectorRegistry()
    lag = Gauge("cis_read_model_lag_events", "Events in the log not yet in the read model",
                ["read_model"], registry=registry)
    stalls = ReadModelStallMetrics(registry) if refresh is not None else None

    @get("/metrics", exclude_from_auth=True, tags=["ops"], summary="Prometheus metrics",
         include_in_schema=False)
    async def metrics(state: State) -> Response[bytes]:
        if refresh is not None:
            await refresh(lag)
        if stalls is not None:
            await stalls.refresh(state.settings.database_url)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return metrics
