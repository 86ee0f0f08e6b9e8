"""GET /metrics (Prometheus): requests by route, method and status; read model lag.

Two request series, on purpose: Litestar's Prometheus middleware (`cis_api_*`, by route
template with `group_path`, errors and requests in flight) sees every request a route
took, and the edge's (`cis_http_*`) also those answered before any route (unknown
paths, 401, 429, screened-out requests). The answer holds the process-wide series
(prometheus_client's default registry: those and `adapters.metrics.series`) and this
app's own registry (figures read from Postgres at each scrape).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar import Response, get
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware
from litestar.types import ASGIApp
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from entrypoints.http.notification_metrics import NotificationMetrics
from entrypoints.http.read_model_metrics import ReadModelStallMetrics

__all__ = ["HttpMetrics", "metrics_handler", "route_metrics"]

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def route_metrics(app_name: str) -> PrometheusConfig:
    """Litestar's request series for app `app_name` (label `app_name`), by route template.

    Its middleware goes inside auth and the rate limit: what they refuse is raised as an
    exception, which the middleware would count as a 200 (the edge counts those)."""
    return PrometheusConfig(app_name=app_name, prefix="cis_api", group_path=True,
                            buckets=list(_BUCKETS), middleware_class=_DeclaredMiddleware)


class _DeclaredMiddleware(PrometheusMiddleware):
    """Declares the middleware's series when the app is built, not at their first use:
    the 5xx counter is on /metrics (and on the dashboard) before the first error."""

    def __init__(self, app: ASGIApp, config: PrometheusConfig) -> None:
        super().__init__(app, config)
        # The label names in the order the middleware fills them.
        labels: dict[str, str | int | float] = dict.fromkeys(
            ("method", "path", "status_code", "app_name"), "")
        for declare in (self.request_count, self.request_time, self.requests_in_progress,
                        self.requests_error_count):
            declare(labels)


class HttpMetrics:
    """One app's request counters, in a registry of its own (two apps, one process: tests).

    Labelled by the route template, never the path: ids in paths would make a series
    per customer. Requests no route matched share `route="unmatched"`, and unknown
    methods `method="other"`, so a scanner cannot grow the series without bound.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        labels = ["method", "route", "status"]
        self._requests = Counter("cis_http_requests", "HTTP requests answered", labels,
                                 registry=self.registry)
        self._seconds = Histogram("cis_http_request_duration_seconds",
                                  "Time from the request to the end of the answer", labels,
                                  buckets=_BUCKETS, registry=self.registry)

    def observe(self, method: str, route: str | None, status: int, seconds: float) -> None:
        labels = (method if method in _METHODS else "other", route or "unmatched", str(status))
        self._requests.labels(*labels).inc()
        self._seconds.labels(*labels).observe(seconds)


def metrics_handler(
    metrics: HttpMetrics,
    refresh_lag: Callable[[Gauge], Awaitable[None]] | None = None,
) -> HTTPRouteHandler:
    """A /metrics route; `refresh_lag` sets the read models' lag from Postgres per scrape."""
    lag = None
    stalls = None
    notifications = None
    if refresh_lag is not None:
        stalls = ReadModelStallMetrics(metrics.registry)
        notifications = NotificationMetrics(metrics.registry)
        lag = Gauge("cis_read_model_lag_events", "Events in the log not yet in the read model",
                    ["read_model"], registry=metrics.registry)

    @get("/metrics", exclude_from_auth=True, tags=["ops"], summary="Prometheus metrics",
         include_in_schema=False)
    async def scrape(state: State) -> Response[bytes]:
        if refresh_lag is not None and lag is not None:
            await refresh_lag(lag)
        if stalls is not None:
            await stalls.refresh(state.settings.database_url)
        if notifications is not None:
            await notifications.refresh(state.settings.database_url)
        return Response(generate_latest(REGISTRY) + generate_latest(metrics.registry),
                        media_type=CONTENT_TYPE_LATEST)

    return scrape
