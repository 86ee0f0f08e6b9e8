"""Composition root of the query API."""

from __future__ import annotations

import hashlib

from litestar import Litestar
from litestar.di import Provide
from prometheus_client import Gauge
from psycopg.conninfo import conninfo_to_dict

from adapters.postgres.position_feed import PositionFeed
from adapters.postgres.read_replica import ReplicaReads
from adapters.redis.dashboard_cache import DashboardCache
from adapters.redis.guarded import guarded_redis
from adapters.settings import ResolvedSettings
from application.sealed_values import SealedValues
from entrypoints.bootstrap import blind_index, bounded_async_pool, build_application
from entrypoints.dsg_report.wiring import access_reports
from entrypoints.http.app_factory import build_litestar
from entrypoints.http.health import READS_FROM_REPLICA
from entrypoints.query_api.audit import AuditController, AuditReads
from entrypoints.query_api.audit_export import AuditExportController, ExportSource
from entrypoints.query_api.customers import CustomersController
from entrypoints.query_api.dashboards import DashboardsController
from entrypoints.query_api.dsg_export import AccessExports, DsgExportController
from entrypoints.query_api.journey import JourneyController
from entrypoints.query_api.positions import ReadPositions
from entrypoints.query_api.replica import read_models_source
from entrypoints.query_api.scores import LeadScoresController
from entrypoints.query_api.stream import FEED_STATE_KEY, DashboardStreamController
from projections.customers import CustomerQueries
from projections.dashboards import DashboardQueries
from projections.journeys import JourneyQueries
from projections.reading import Positions
from projections.registry import READ_MODELS
from projections.runner import POSITIONS_CHANNEL
from projections.scores import ScoreQueries

__all__ = ["create_query_app"]


def create_query_app(settings: ResolvedSettings) -> Litestar:
    # Each wait for a connection or an answer ends after 2 s: a stalled Postgres is a 503.
    pool = bounded_async_pool(settings.database_url, max_size=10, query_timeout=2.0)
    # Every read model's queries, on that pool or the read replica's (CIS_READ_DATABASE_URL).
    reads = read_models_source(settings, pool, max_size=10, query_timeout=2.0)
    queried_positions = Positions(reads)
    # Audit replays read the event store through the application (blocking: run in
    # worker threads by AuditReads), each wait for Postgres bounded like the pool's.
    audit = AuditReads(build_application(settings, pool_size=4, query_timeout=2.0))
    # Profiles open their sealed columns with the customers' keys: the application's
    # cipher (one key cache and one eviction listener per process), closed with it.
    sealed = SealedValues(audit.cis.cipher)
    customers = CustomerQueries(reads, sealed=sealed, index=blind_index(settings))
    # One LISTEN connection (on the primary) for every dashboard stream of this process,
    # and for the positions every read takes (entrypoints/query_api/positions.py). The
    # primary's positions only wake a read on a replica: the replica's own answer it.
    feed = PositionFeed(settings.database_url, POSITIONS_CHANNEL, [m.name for m in READ_MODELS],
                        per_subject=settings.streams_per_subject, total=settings.streams_total)
    positions = ReadPositions(feed, queried_positions,
                              feed_answers=not isinstance(reads, ReplicaReads))
    readers = {"positions": positions, "customers": customers,
               "journeys": JourneyQueries(reads), "dashboards": DashboardQueries(reads),
               "scores": ScoreQueries(reads)}
    export_source = ExportSource(settings.database_url, settings.audit_signing_key)
    access_exports = AccessExports(access_reports(settings, settings.database_url, audit.cis))
    cache = DashboardCache(guarded_redis(settings.redis_url),
                           namespace=_store_identity(settings.database_url))

    async def open_pool() -> None:
        await pool.open()
        if isinstance(reads, ReplicaReads):
            await reads.open()
        feed.start()

    async def close_pool() -> None:
        await feed.aclose()
        if isinstance(reads, ReplicaReads):
            await reads.close()
        await pool.close()
        audit.cis.close()
        export_source.close()

    async def refresh_lag(gauge: Gauge) -> None:
        for name, lag in (await queried_positions.lags([m.name for m in READ_MODELS])).items():
            gauge.labels(read_model=name).set(lag)

    return build_litestar(
        title="CIS query API",
        app_name="query",
        settings=settings,
        handlers=[CustomersController, LeadScoresController, JourneyController,
                  DashboardsController, DashboardStreamController, AuditController,
                  AuditExportController, DsgExportController],
        dependencies={
            **{name: _provide(reader) for name, reader in readers.items()},
            "cache": _provide(cache),
            "audit": _provide(audit),
            "export_source": _provide(export_source),
            "access_exports": _provide(access_exports),
        },
        refresh_lag=refresh_lag,
        state={FEED_STATE_KEY: feed, READS_FROM_REPLICA: isinstance(reads, ReplicaReads)},
        on_startup=[open_pool],
        on_shutdown=[close_pool],
    )


def _provide(value: object) -> Provide:
    """A dependency that is always the same object (built once, here)."""
    return Provide(lambda: value, use_cache=True, sync_to_thread=False)


def _store_identity(database_url: str) -> str:
    """Which event store this is, without credentials: host, port and database."""
    parts = conninfo_to_dict(database_url)
    where = f"{parts.get('host')}:{parts.get('port')}/{parts.get('dbname')}"
    return hashlib.sha256(where.encode()).hexdigest()[:16]
