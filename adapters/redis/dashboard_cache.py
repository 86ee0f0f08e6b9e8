"""Dashboard answers cached in Redis under the read model's position.

The position is part of the key: a new event moves the position, so the old entry is
simply never asked for again (no TTL guessing, no stale reads). A short TTL only keeps
Redis from filling up. When Redis is down, answers are computed from Postgres; with a
`GuardedRedis` that costs no time once Redis is known to be down.
"""

from __future__ import annotations

import contextlib

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from adapters.redis.guarded import RedisDown

__all__ = ["DashboardCache"]

log = structlog.get_logger()
_TTL_SECONDS = 3600


class DashboardCache:
    """`namespace` names the event store the figures come from: Redis may be shared by
    several databases (staging and production, test runs), whose positions overlap."""

    def __init__(self, redis: Redis, namespace: str) -> None:
        self._redis = redis
        self._namespace = namespace

    async def get(self, key: str) -> bytes | None:
        try:
            cached = await self._redis.get(f"{self._namespace}|{key}")
        except RedisDown:
            return None  # known and logged once, when the circuit opened
        except (RedisError, OSError) as error:
            log.warning("dashboard cache unavailable", error=type(error).__name__)
            return None
        # A client without decode_responses answers bytes; a str would be one with it.
        return cached.encode() if isinstance(cached, str) else cached

    async def put(self, key: str, body: bytes) -> None:
        with contextlib.suppress(RedisError, OSError):  # logged on read; answered anyway
            await self._redis.set(f"{self._namespace}|{key}", body, ex=_TTL_SECONDS)
