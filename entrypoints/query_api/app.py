"""Composition root of the query API."""

from __future__ import annotations

import hashlib

from litestar import Litestar
from litestar.di import Provide
from prometheus_client import Gauge
from psycopg.conninfo import conninfo_to_dict
from redis.asyncio import Redis

from adapters.postgres.read_models import ReadModels
from adapters.redis.dashboard_cache import DashboardCache
from adapters.settings import Settings
from entrypoints.bootstrap import bounded_async_pool
from entrypoints.http.app_factory import build_litestar
from entrypoints.http.metrics import metrics_handler
from entrypoints.query_api.customers import CustomerQueries, ScoreQueries
from entrypoints.query_api.dashboards import DashboardQueriesController
from entrypoints.query_api.journey import JourneyQueriesController
from entrypoints.query_api.stream import DashboardStream
from projections.registry import READ_MODELS

__all__ = ["create_query_app"]


def create_query_app(settings: Settings) -> Litestar:
    assert settings.database_url and settings.redis_url
    # Each wait for a connection or an answer ends after 2 s: a stalled Postgres is a 503.
    pool = bounded_async_pool(settings.database_url, max_size=10, query_timeout=2.0)
    reads = ReadModels(pool)
    cache = DashboardCache(Redis.from_url(settings.redis_url, socket_timeout=1.0,
                                          socket_connect_timeout=1.0),
                           namespace=_store_identity(settings.database_url))

    async def open_pool() -> None:
        await pool.open()

    async def close_pool() -> None:
        await pool.close()

    async def refresh_lag(gauge: Gauge) -> None:
        for name, lag in (await reads.lags([m.name for m in READ_MODELS])).items():
            gauge.labels(read_model=name).set(lag)

    return build_litestar(
        title="CIS query API",
        settings=settings,
        handlers=[CustomerQueries, ScoreQueries, JourneyQueriesController,
                  DashboardQueriesController, DashboardStream],
        dependencies={
            "reads": Provide(lambda: reads, use_cache=True, sync_to_thread=False),
            "cache": Provide(lambda: cache, use_cache=True, sync_to_thread=False),
        },
        extra_routes=[metrics_handler(refresh_lag)],
        on_startup=[open_pool],
        on_shutdown=[close_pool],
    )


def _store_identity(database_url: str) -> str:
    """Which event store this is, without credentials: host, port and database."""
    parts = conninfo_to_dict(database_url)
    where = f"{parts.get('host')}:{parts.get('port')}/{parts.get('dbname')}"
    return hashlib.sha256(where.encode()).hexdigest()[:16]
