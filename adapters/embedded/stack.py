"""Start whichever of Postgres, NATS and Redis has no URL configured."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import structlog

from adapters.embedded.nats import start_nats
from adapters.embedded.postgres import start_postgres
from adapters.embedded.process import ServerProcess
from adapters.embedded.redis import start_redis
from adapters.settings import ResolvedSettings, Settings

__all__ = ["embedded_stack"]

log = structlog.get_logger()


@contextmanager
def embedded_stack(settings: Settings) -> Iterator[ResolvedSettings]:
    """Yield settings with every URL filled in; stop what we started on exit."""
    started: list[ServerProcess] = []
    try:
        database_url, nats_url, redis_url = (
            settings.database_url,
            settings.nats_url,
            settings.redis_url,
        )
        if database_url is None:
            server, database_url = start_postgres(settings.data_dir, settings.host)
            started.append(server)
            log.info("embedded server started", server="postgres")
        if nats_url is None:
            server, nats_url = start_nats(settings.data_dir, settings.host)
            started.append(server)
            log.info("embedded server started", server="nats")
        if redis_url is None:
            server, redis_url = start_redis(settings.data_dir, settings.host)
            started.append(server)
            log.info("embedded server started", server="redis")
        yield settings.with_urls(database_url, nats_url, redis_url)
    finally:
        for server in reversed(started):
            server.stop()
            log.info("embedded server stopped", server=server.name)

