"""Per-caller rate limits (Litestar's middleware, counts in Redis).

Keyed by the token's subject, so colleagues behind one office NAT don't share a
budget. If Redis is down the limit is not enforced (fail-open, logged): refusing all
traffic because the counter store is away would be worse than not counting for a while.
"""

from __future__ import annotations

from typing import Any

import redis.exceptions
import structlog
from litestar import Request
from litestar.middleware.rate_limit import (
    CacheObject,
    RateLimitConfig,
    RateLimitMiddleware,
    get_remote_address,
)
from litestar.stores.base import Store

from entrypoints.http.auth import PUBLIC_PATHS, Caller

__all__ = ["rate_limit_config"]

log = structlog.get_logger()
_STORE_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


def _caller_key(request: Request[Any, Any, Any]) -> str:
    user = request.scope.get("user")
    return f"sub:{user.subject}" if isinstance(user, Caller) else get_remote_address(request)


class FailOpenRateLimit(RateLimitMiddleware):
    async def retrieve_cached_history(self, key: str, store: Store) -> CacheObject:
        try:
            return await super().retrieve_cached_history(key, store)
        except _STORE_DOWN as error:
            log.warning("rate limit store unavailable; not enforcing", error=type(error).__name__)
            return CacheObject(history=[], reset=0)

    async def set_cached_history(self, key: str, cache_object: CacheObject, store: Store) -> None:
        try:
            await super().set_cached_history(key, cache_object, store)
        except _STORE_DOWN:
            pass


def rate_limit_config(per_minute: int) -> RateLimitConfig:
    return RateLimitConfig(
        rate_limit=("minute", per_minute),
        exclude=[f"^{path}" for path in PUBLIC_PATHS],
        identifier_for_request=_caller_key,
        middleware_class=FailOpenRateLimit,
        store="rate_limit",
    )
