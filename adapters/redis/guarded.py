"""A Redis client behind a circuit breaker, for Redis used as an optional helper.

Our Redis holds only what we can do without for a while (dashboard cache, rate-limit
counters), so waiting for it is worse than going without it. Once a command fails to
reach Redis (refused, timed out), the circuit opens and every further command fails at
once with `RedisDown` (a `redis.exceptions.ConnectionError`, so callers that already
handle an unreachable Redis need no change) instead of waiting out the timeouts. A
background probe PINGs Redis every `probe_interval` seconds and closes the circuit
when it answers; no request ever waits for that trial.

Commands are not retried inside the client either (redis-py retries three times by
default, which made each command against a hung Redis take four timeouts).
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from adapters.circuit_breaker import CircuitBreaker

__all__ = ["GuardedRedis", "RedisDown", "guarded_redis"]

log = structlog.get_logger()
_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class RedisDown(RedisConnectionError):
    """Redis is known to be unreachable (the circuit is open); it was not asked."""


class GuardedRedis(Redis):
    """Build it with `guarded_redis`; every command goes through the breaker."""

    _breaker: CircuitBreaker
    _probe_interval: float
    _probe: asyncio.Task[None] | None

    @property
    def circuit_state(self) -> str:
        return self._breaker.state

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        if self._breaker.state != "closed":
            raise RedisDown("Redis is unreachable; not asked until it answers again")
        try:
            # redis-py leaves execute_command untyped.
            result = await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
        except _UNREACHABLE:
            self._breaker.failed()
            self._start_probe()
            raise
        self._breaker.succeeded()
        return result

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        if self._probe is not None:
            self._probe.cancel()
            self._probe = None
        await super().aclose(close_connection_pool)

    def _start_probe(self) -> None:
        if self._breaker.state == "open" and (self._probe is None or self._probe.done()):
            self._probe = asyncio.get_running_loop().create_task(self._until_back(),
                                                                 name="redis-probe")

    async def _until_back(self) -> None:
        await self._breaker.probe_until_closed(
            lambda: super(GuardedRedis, self).execute_command("PING"),  # type: ignore[no-untyped-call]
            self._probe_interval, _UNREACHABLE)


def guarded_redis(url: str, *, timeout: float = 1.0, failure_threshold: int = 1,
                  probe_interval: float = 1.0) -> GuardedRedis:
    """A client for `url` whose commands wait at most `timeout` seconds, and none at all
    while Redis is known to be down (after `failure_threshold` consecutive failures)."""
    client = GuardedRedis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                   retry=Retry(NoBackoff(), 0))
    if not isinstance(client, GuardedRedis):  # from_url builds the class it is called on
        raise TypeError(f"expected a GuardedRedis, not {type(client).__name__}")
    client._breaker = CircuitBreaker("redis", failure_threshold, probe_interval)
    client._probe_interval = probe_interval
    client._probe = None
    return client
