"""Bounded waits at start-up: a server that does not answer is named, never waited on forever.

A process started before its servers (a container restarted with the cluster, a
laptop's Postgres still starting) waits for them up to `CIS_STARTUP_TIMEOUT` seconds,
then stops with one line naming the missing server, where it was looked for and the
setting that points there, rather than hanging in a driver's own reconnect loop
(nats-py's never gives up) or failing with a traceback.

Redis is never waited for: it holds only what the APIs do without for a while (see
`adapters.redis.guarded`), so an unreachable Redis is a warning, not a refusal.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

import nats
import psycopg
import redis
import structlog

__all__ = ["Dependency", "DependencyUnreachable", "wait_for_dependencies", "where"]

log = structlog.get_logger()
_PROBE_SECONDS = 2.0  # one attempt; the whole wait is the start-up timeout
_PAUSE_SECONDS = 0.5


class Dependency(StrEnum):
    POSTGRES = "Postgres"
    NATS = "NATS"
    REDIS = "Redis"


_SETTING = {Dependency.POSTGRES: "CIS_DATABASE_URL", Dependency.NATS: "CIS_NATS_URL",
            Dependency.REDIS: "CIS_REDIS_URL"}


class DependencyUnreachable(Exception):
    """A server a process cannot start without did not answer within the start-up bound."""


@dataclass(frozen=True)
class _Target:
    dependency: Dependency
    url: str

    @property
    def setting(self) -> str:
        return _SETTING[self.dependency]


def where(url: str) -> str:
    """host:port of a server URL (a Postgres socket directory as it is), never credentials."""
    if url.startswith(("postgres://", "postgresql://")) or "://" not in url:
        params = psycopg.conninfo.conninfo_to_dict(url)
        host = str(params.get("host") or "localhost")
        return f"{host}:{params.get('port') or 5432}"
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


def wait_for_dependencies(urls: Iterable[tuple[Dependency, str]], timeout: float) -> None:
    """Return once each server answers; DependencyUnreachable naming the first that did not
    answer within `timeout` seconds (all of them share the one bound)."""
    deadline = time.monotonic() + timeout
    for dependency, url in urls:
        target = _Target(dependency, url)
        if dependency is Dependency.REDIS:
            _warn_unless_answering(target)
        else:
            _wait_for(target, deadline, timeout)


def _wait_for(target: _Target, deadline: float, timeout: float) -> None:
    probe = _PROBES[target.dependency]
    waiting_logged = False
    while True:
        remaining = deadline - time.monotonic()
        try:
            probe(target.url, max(0.1, min(_PROBE_SECONDS, remaining)))
            return
        except Exception as error:  # noqa: BLE001 - whatever the driver raises: "not yet"
            last = error
        if remaining <= _PAUSE_SECONDS:
            raise DependencyUnreachable(
                f"{target.dependency} unreachable at {where(target.url)} ({target.setting}) "
                f"for {timeout:g} s (CIS_STARTUP_TIMEOUT): {_reason(last)}")
        if not waiting_logged:
            log.warning("waiting for a server", server=str(target.dependency),
                        at=where(target.url), error=type(last).__name__,
                        timeout_seconds=timeout)
            waiting_logged = True
        time.sleep(_PAUSE_SECONDS)


def _warn_unless_answering(target: _Target) -> None:
    try:
        _redis(target.url, _PROBE_SECONDS)
    except Exception as error:  # noqa: BLE001 - any failure: go on without it
        log.warning("Redis unreachable; starting without cache and rate limits until it "
                    "answers", at=where(target.url), error=type(error).__name__)


def _reason(error: BaseException) -> str:
    """The driver's last line (e.g. "Connection refused"), short, or the error's class."""
    text = str(error).strip().splitlines()
    reason = text[-1].strip() if text else ""
    return reason[:200] if reason else type(error).__name__


def _postgres(url: str, seconds: float) -> None:
    with psycopg.connect(url, connect_timeout=max(1, round(seconds)), autocommit=True) as conn:
        conn.execute("SELECT 1")


def _nats(url: str, seconds: float) -> None:
    seen: list[Exception] = []

    async def noted(error: Exception) -> None:  # instead of nats-py's logged traceback
        seen.append(error)

    async def probe() -> None:
        nc = await nats.connect(url, connect_timeout=seconds, allow_reconnect=False,
                                max_reconnect_attempts=0, error_cb=noted)
        await nc.close()

    try:
        asyncio.run(asyncio.wait_for(probe(), timeout=seconds + 1))
    except Exception as error:  # noqa: BLE001 - re-raised as the cause nats-py saw
        raise (seen[-1] if seen else error) from None


def _redis(url: str, seconds: float) -> None:
    client = redis.Redis.from_url(url, socket_timeout=seconds, socket_connect_timeout=seconds)
    try:
        client.ping()
    finally:
        client.close()


_PROBES: dict[Dependency, Callable[[str, float], None]] = {
    Dependency.POSTGRES: _postgres, Dependency.NATS: _nats, Dependency.REDIS: _redis}
