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


async def check_dependencies(database_url: str, nats_url: str, redis_url: str,
                             read_database_url: str | None = None) -> dict[str, str]:
    """Each server's answer; `read_replica` too when reads come from one."""
    probes = {"postgres": _postgres(database_url), "nats": _nats(nats_url),
              "redis": _redis(redis_url)}
    if read_database_url is not None:
        probes["read_replica"] = _postgres(read_database_url)
    results = await asyncio.gather(*(_check(probe) for probe in probes.values()))
    return dict(zip(probes, results, strict=True))
