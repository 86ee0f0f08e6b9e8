"""What both Litestar apps share: auth, errors, request ids, health, OpenAPI."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.stores.redis import RedisStore

from adapters.redis.guarded import guarded_redis
from adapters.settings import Settings
from entrypoints.http.auth import build_jwt_auth
from entrypoints.http.health import health, ready
from entrypoints.http.problems import EXCEPTION_HANDLERS
from entrypoints.http.rate_limit import rate_limit_config
from entrypoints.http.request_id import RequestIdMiddleware

__all__ = ["build_litestar"]


def build_litestar(
    *,
    title: str,
    settings: Settings,
    handlers: Sequence[Any],
    dependencies: dict[str, Provide],
    api_middleware: Sequence[Any] = (),
    extra_routes: Sequence[Any] = (),
    state: dict[str, Any] | None = None,
    on_startup: Sequence[Callable[..., Any]] = (),
    on_shutdown: Sequence[Callable[..., Any]] = (),
) -> Litestar:
    """`api_middleware` wraps the /api/v1 routes inside auth, so it knows the caller."""
    assert settings.redis_url
    jwt_auth = build_jwt_auth(settings.jwt_secret)
    api = Router(path="/api/v1", route_handlers=list(handlers), dependencies=dependencies,
                 middleware=list(api_middleware))
    # Behind a breaker: with Redis down, requests are not slowed by its timeouts.
    rate_limits = RedisStore(guarded_redis(settings.redis_url),
                             namespace="cis-rate-limit", handle_client_shutdown=True)

    return Litestar(
        route_handlers=[api, health, ready, *extra_routes],
        on_app_init=[jwt_auth.on_app_init],
        middleware=[RequestIdMiddleware,
                    rate_limit_config(settings.rate_limit_per_minute).middleware],
        stores={"rate_limit": rate_limits},
        exception_handlers=EXCEPTION_HANDLERS,
        state=State({"settings": settings, **(state or {})}),
        on_startup=list(on_startup),
        on_shutdown=list(on_shutdown),
        openapi_config=OpenAPIConfig(
            title=title,
            version="1.0.0",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        logging_config=None,
        debug=False,
    )
