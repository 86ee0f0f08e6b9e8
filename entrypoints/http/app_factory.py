"""What both Litestar apps share: auth, errors, request ids, limits, health, OpenAPI.

Layers from the outside in: HttpEdge (request id, access log, metrics, screening,
security headers, last-resort 500) → Litestar's routing and exception handlers →
auth (bearer tokens; failures counted per address) → the per-caller rate limit →
`api_middleware` (e.g. idempotency) → the route.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from litestar import Litestar, Router
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from prometheus_client import Gauge

from adapters.redis.guarded import guarded_redis
from adapters.settings import ResolvedSettings
from entrypoints.http.auth import build_jwt_auth
from entrypoints.http.edge import HttpEdge
from entrypoints.http.health import health, ready
from entrypoints.http.metrics import HttpMetrics, metrics_handler, route_metrics
from entrypoints.http.openapi import document_shared_answers
from entrypoints.http.problems import EXCEPTION_HANDLERS
from entrypoints.http.rate_limit import CallerRateLimit, FixedWindow
from entrypoints.http.requests import CisRequest
from entrypoints.http.swagger import swagger_assets, swagger_plugin

__all__ = ["build_litestar"]


def build_litestar(
    *,
    title: str,
    settings: ResolvedSettings,
    handlers: Sequence[Any],
    dependencies: dict[str, Provide],
    api_middleware: Sequence[Any] = (),
    extra_routes: Sequence[Any] = (),
    state: dict[str, Any] | None = None,
    on_startup: Sequence[Callable[..., Any]] = (),
    on_shutdown: Sequence[Callable[..., Any]] = (),
    refresh_lag: Callable[[Gauge], Awaitable[None]] | None = None,
    app_name: str = "cis",
) -> Litestar:
    """`api_middleware` wraps the /api/v1 routes inside auth, so it knows the caller."""
    jwt_auth = build_jwt_auth(settings.jwt_secret,
                              max_ttl=timedelta(hours=settings.token_max_ttl_hours))
    # Only /api/v1 needs a token; /health, /ready, /metrics and /schema are public, and
    # the schema says so (JWTAuth alone would put its requirement on every operation).
    api = Router(path="/api/v1", route_handlers=list(handlers), dependencies=dependencies,
                 middleware=list(api_middleware), security=[jwt_auth.security_requirement])
    # No retries inside the client: with Redis frozen, one wait of 1 s, not four.
    counters = guarded_redis(settings.redis_url)
    metrics = HttpMetrics()

    def public_ops(app_config: AppConfig) -> AppConfig:
        if app_config.openapi_config is not None:
            app_config.openapi_config.security = None
        return app_config

    app = Litestar(
        route_handlers=[api, health, ready, metrics_handler(metrics, refresh_lag),
                        swagger_assets(), *extra_routes],
        on_app_init=[jwt_auth.on_app_init, public_ops],
        middleware=[CallerRateLimit, route_metrics(app_name).middleware],
        exception_handlers=EXCEPTION_HANDLERS,
        request_class=CisRequest,
        request_max_body_size=settings.max_body_bytes,
        state=State({
            "settings": settings,
            "caller_limit": FixedWindow(counters, namespace="cis-rate:caller",
                                        limit=settings.rate_limit_per_minute),
            "auth_failures": FixedWindow(counters, namespace="cis-rate:auth-failures",
                                         limit=settings.auth_failures_per_minute),
            **(state or {}),
        }),
        on_startup=list(on_startup),
        on_shutdown=[*on_shutdown, counters.aclose],
        openapi_config=OpenAPIConfig(title=title, version="1.0.0", path="/schema",
                                     render_plugins=[swagger_plugin()]),
        logging_config=None,
        debug=False,
    )
    document_shared_answers(app)
    # Outermost, around Litestar's own handler: see entrypoints/http/edge.py for why.
    app.asgi_handler = HttpEdge(app.asgi_handler, metrics=metrics,
                                max_body_bytes=settings.max_body_bytes)
    return app
