"""Dashboard answers cached in Redis under the read model's position.

The position is part of the key: a new event moves the position, so the old entry is
simply never asked for again (no TTL guessing, no stale reads). A short TTL only keeps
Redis from filling up. When Redis is down, answers are computed from Postgres; with a
`GuardedRedis` that costs no time once Redis is known to be down.

An entry never changes once written (its key names the position), so the process also
keeps the most recent ones itself: a dashboard asked for again and again is answered
without a round trip to Redis.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from adapters.redis.guarded import RedisDown

__all__ = ["DashboardCache"]

log = structlog.get_logger()
_TTL_SECONDS = 3600
_IN_PROCESS = 256  # entries kept in the process, the least recently used dropped


class DashboardCache:
    """`namespace` names the event store the figures come from: Redis may be shared by
    several databases (staging and production, test runs), whose positions overlap."""

    def __init__(self, redis: Redis, namespace: str) -> None:
        self._redis = redis
        self._namespace = namespace
        self._recent: OrderedDict[str, bytes] = OrderedDict()

    async def get(self, key: str) -> bytes | None:
        body = self._recent.get(key)
        if body is not None:
            self._recent.move_to_end(key)
            return body
        body = await self._shared(key)
        if body is not None:
            self._remember(key, body)
        return body

    async def put(self, key: str, body: bytes) -> None:
        self._remember(key, body)
        with contextlib.suppress(RedisError, OSError):  # logged on read; answered anyway
            await self._redis.set(f"{self._namespace}|{key}", body, ex=_TTL_SECONDS)

    def _remember(self, key: str, body: bytes) -> None:
        self._recent[key] = body
        if len(self._recent) > _IN_PROCESS:
            self._recent.popitem(last=False)

    async def _shared(self, key: str) -> bytes | None:
        try:
            cached = await self._redis.get(f"{self._namespace}|{key}")
        except RedisDown:
            return None  # known and logged once, when the circuit opened
        except (RedisError, OSError) as error:
            log.warning("dashboard cache unavailable", error=type(error).__name__)
            return None
        # A client without decode_responses answers bytes; a str would be one with it.
        return cached.encode() if isinstance(cached, str) else cached
