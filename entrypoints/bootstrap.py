"""Shared wiring used by every composition root: the application and its recorders."""

from __future__ import annotations

import psycopg
from eventsourcing.persistence import InfrastructureFactory, Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.utils import Environment
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from adapters.crypto import parse_key_ring
from adapters.postgres.bounded import bounded_async_connection, server_timeouts
from adapters.postgres.config import eventsourcing_env
from adapters.postgres.keys import PostgresDataKeys
from adapters.settings import ResolvedSettings
from application.blind_index import BlindIndex
from application.services import APPLICATION_NAME, CustomerIntelligence
from projections.base import ReadModel, ReadModelRecorder, schema_of
from projections.following import LogFeed
from projections.partition import CustomerPartition
from projections.runner import BatchProjector

__all__ = [
    "blind_index",
    "bounded_async_pool",
    "build_application",
    "build_projector",
    "build_tracking_recorder",
    "create_read_model",
    "data_keys",
]


def build_application(
    settings: ResolvedSettings, *, pool_size: int = 5, create_table: bool = False,
    query_timeout: float | None = None,
) -> CustomerIntelligence:
    """`query_timeout` (seconds) bounds each wait for Postgres: for the APIs."""
    env = eventsourcing_env(settings.database_url, pool_size=pool_size,
                            create_table=create_table, query_timeout=query_timeout)
    return CustomerIntelligence(env=env, cipher=data_keys(settings, query_timeout=query_timeout))


def data_keys(settings: ResolvedSettings, *, query_timeout: float | None = None
              ) -> PostgresDataKeys:
    """The personal-data cipher: per-customer keys in Postgres, under the master key ring."""
    ring = parse_key_ring(settings.master_key, settings.previous_master_keys)
    return PostgresDataKeys(settings.database_url, ring, query_timeout=query_timeout)


def blind_index(settings: ResolvedSettings) -> BlindIndex:
    """The search's blind index, keyed by CIS_BLIND_INDEX_KEY (the projector writes its
    terms, the query API looks them up: both need the same key)."""
    return BlindIndex.from_hex(settings.blind_index_key)


def bounded_async_pool(database_url: str, *, max_size: int,
                       query_timeout: float) -> AsyncConnectionPool[AsyncConnection]:
    """An async pool for an API: waiting for a connection and for every answer of the
    server is bounded by `query_timeout`, so a stalled Postgres means a quick 503.
    Opened on startup, inside the server's event loop."""
    return AsyncConnectionPool(database_url, min_size=1, max_size=max_size, open=False,
                               timeout=query_timeout,
                               connection_class=bounded_async_connection(query_timeout),
                               kwargs=server_timeouts(query_timeout))


def build_tracking_recorder(
    settings: ResolvedSettings, name: str, *, schema: str | None = None, create_table: bool = False
) -> PostgresTrackingRecorder:
    """A tracking recorder whose table is `<name>_tracking` (the library's naming), in
    `schema` when given (a read model's own), else in the event store's."""
    env = eventsourcing_env(settings.database_url, pool_size=2, create_table=create_table)
    if schema is not None:
        env["POSTGRES_SCHEMA"] = schema
    factory = InfrastructureFactory.construct(env=Environment(name, env))
    recorder = factory.tracking_recorder(PostgresTrackingRecorder)
    if not isinstance(recorder, PostgresTrackingRecorder):
        raise TypeError(f"expected a Postgres tracking recorder, not {type(recorder).__name__}")
    return recorder


def build_projector(
    settings: ResolvedSettings, model: ReadModel, app: CustomerIntelligence, *,
    rebuild: bool = False,
    partition: CustomerPartition | None = None,
    feed: LogFeed | None = None,
) -> BatchProjector:
    """A runner for `model` writing into its schema (or the rebuild's), tracking there too;
    with a partition, for that partition's events only; following through `feed`, the
    process's one live read of the log, when given."""
    schema = schema_of(model.name, rebuild=rebuild)
    plain = build_tracking_recorder(settings, model.name, schema=schema)
    # The read model's own recorder on that datastore: the one writer of its positions.
    tracking = ReadModelRecorder(plain.datastore, tracking_table_name=plain.tracking_table_name)
    return BatchProjector(app, model, tracking, schema, max_batch=settings.projector_batch,
                          partition=partition, index=blind_index(settings), feed=feed)


def create_read_model(settings: ResolvedSettings, model: ReadModel, *,
                      rebuild: bool = False) -> None:
    """Create the model's schema, tables and tracking table (idempotent)."""
    schema = schema_of(model.name, rebuild=rebuild)
    with psycopg.connect(settings.database_url) as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        for statement in model.create_statements(schema):
            conn.execute(statement)
    tracking = build_tracking_recorder(settings, model.name, schema=schema, create_table=True)
    if tracking.max_tracking_id(APPLICATION_NAME) is None:
        # Position 0 as a row, so every batch can lock it (see BatchProjector).
        tracking.insert_tracking(Tracking(APPLICATION_NAME, 0))
    tracking.datastore.close()
