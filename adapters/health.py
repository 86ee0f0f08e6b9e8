"""Can we reach Postgres, NATS and Redis right now? Each check is bounded in time."""

from __future__ import annotations

import asyncio

import nats
import psycopg
import redis.asyncio as aioredis

__all__ = ["check_dependencies"]

_TIMEOUT = 2.0


async def _postgres(url: str) -> None:
    conn = await psycopg.AsyncConnection.connect(url, connect_timeout=2)
    async with conn:
        await conn.execute("SELECT 1")


async def _nats(url: str) -> None:
    nc = await nats.connect(url, connect_timeout=_TIMEOUT, max_reconnect_attempts=0,
                            allow_reconnect=False)
    await nc.close()


async def _redis(url: str) -> None:
    client = aioredis.Redis.from_url(url, socket_timeout=_TIMEOUT, socket_connect_timeout=_TIMEOUT)
    try:
        await client.ping()
    finally:
        await client.aclose()


async def _check(probe: object) -> str:
    try:
        await asyncio.wait_for(probe, timeout=_TIMEOUT)  # type: ignore[arg-type]
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        return f"unavailable ({type(error).__name__})"
    return "ok"


async def check_dependencies(database_url: str, nats_url: str, redis_url: str) -> dict[str, str]:
    results = await asyncio.gather(
        _check(_postgres(database_url)), _check(_nats(nats_url)), _check(_redis(redis_url))
    )
    return dict(zip(("postgres", "nats", "redis"), results, strict=True))
