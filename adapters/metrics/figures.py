"""Figures a worker's /metrics computes at each scrape, from Postgres and JetStream.

Lags are differences between shared state (the log's head, a position in Postgres, a
JetStream consumer), so they are read when Prometheus asks rather than polled: every
process that exposes one gives the same answer, and a process that died cannot leave a
stale value behind. Each read is bounded (2 s for Postgres, 3 s for NATS); a source that
does not answer leaves its series without samples and sets
`cis_metrics_source_up{source}` to 0, so a scrape never hangs and never shows a guess.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

import nats
import psycopg
import structlog
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from psycopg.sql import SQL, Identifier

from adapters.nats.streams import DLQ_STREAM, EVENTS_STREAM
from adapters.postgres.bounded import bounded_connection, server_timeouts

__all__ = ["ConsumerFigures", "Figures", "Part", "ReadModelLags", "RelayLag", "ScoringModel"]

log = structlog.get_logger()

POSTGRES_SECONDS = 2.0
NATS_SECONDS = 3.0
_APPLICATION = "cis"  # the application's name in every tracking table
_HEAD = "SELECT coalesce(max(notification_id), 0) FROM cis_events"
ActiveModel = Callable[[], tuple[str, float | None]]  # version, hold-out AUC (None: prior)


class Part(Protocol):
    """One source's series: `families()` without samples, `fill` adds them (or raises)."""

    source: str

    def families(self) -> list[GaugeMetricFamily]: ...

    def fill(self, families: list[GaugeMetricFamily]) -> None: ...


class Figures(Collector):
    def __init__(self, parts: Sequence[Part]) -> None:
        self._parts = list(parts)

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("cis_metrics_source_up",
                               "1 when this scrape could read the source of its figures",
                               labels=["source"])
        for part in self._parts:
            families = part.families()
            try:
                part.fill(families)
            except Exception as error:  # noqa: BLE001 - a figure missing, never a failed scrape
                log.warning("metrics source unavailable", source=part.source,
                            error=type(error).__name__)
                families = part.families()
                up.add_metric([part.source], 0)
            else:
                up.add_metric([part.source], 1)
            yield from families
        yield up


def _connect(database_url: str) -> psycopg.Connection[Any]:
    bounded = bounded_connection(POSTGRES_SECONDS)
    return bounded.connect(database_url, autocommit=True, **server_timeouts(POSTGRES_SECONDS))


def _position(conn: psycopg.Connection[Any], schema: str | None, table: str) -> int:
    name = Identifier(schema, table) if schema else Identifier(table)
    row = conn.execute(SQL("SELECT max(notification_id) FROM {} WHERE application_name = %s")
                       .format(name), (_APPLICATION,)).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _head(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute(_HEAD).fetchone()
    return int(row[0]) if row else 0


class ReadModelLags:
    """`cis_read_model_lag_events{read_model}`: events in the log the read model has not
    projected yet (the log's head minus its tracking position)."""

    source = "read_models"

    def __init__(self, database_url: str, read_models: Sequence[tuple[str, str]]) -> None:
        """`read_models`: each one's name and schema (its tracking table is there)."""
        self._url, self._models = database_url, list(read_models)

    def families(self) -> list[GaugeMetricFamily]:
        return [GaugeMetricFamily("cis_read_model_lag_events",
                                  "Events in the log not yet in the read model",
                                  labels=["read_model"])]

    def fill(self, families: list[GaugeMetricFamily]) -> None:
        with _connect(self._url) as conn:
            head = _head(conn)
            for name, schema in self._models:
                position = _position(conn, schema, f"{name}_tracking")
                families[0].add_metric([name], head - position)


class RelayLag:
    """`cis_relay_lag_events`: events in the log not yet published to CIS_EVENTS."""

    source = "relay"

    def __init__(self, database_url: str) -> None:
        self._url = database_url

    def families(self) -> list[GaugeMetricFamily]:
        return [GaugeMetricFamily("cis_relay_lag_events",
                                  "Events in the log the relay has not published yet")]

    def fill(self, families: list[GaugeMetricFamily]) -> None:
        with _connect(self._url) as conn:
            head = _head(conn)
            families[0].add_metric([], head - _position(conn, None, "relay_tracking"))


class ConsumerFigures:
    """A JetStream consumer's backlog and the dead letters of every consumer:

    * `cis_consumer_pending_messages{consumer}`: on CIS_EVENTS, not yet delivered to it;
    * `cis_consumer_unacked_messages{consumer}`: delivered, not yet acknowledged;
    * `cis_dlq_messages{consumer}`: messages parked on CIS_DLQ (`cis.dlq.<consumer>`).
    """

    source = "nats"

    def __init__(self, nats_url: str, consumer: str) -> None:
        self._url, self._consumer = nats_url, consumer

    def families(self) -> list[GaugeMetricFamily]:
        return [
            GaugeMetricFamily("cis_consumer_pending_messages",
                              "Messages on CIS_EVENTS not yet delivered to the consumer",
                              labels=["consumer"]),
            GaugeMetricFamily("cis_consumer_unacked_messages",
                              "Messages delivered to the consumer and not acknowledged yet",
                              labels=["consumer"]),
            GaugeMetricFamily("cis_dlq_messages",
                              "Messages parked on the dead letter stream CIS_DLQ",
                              labels=["consumer"]),
        ]

    def fill(self, families: list[GaugeMetricFamily]) -> None:
        pending, unacked, dead = asyncio.run(
            asyncio.wait_for(self._read(), timeout=2 * NATS_SECONDS))
        families[0].add_metric([self._consumer], pending)
        families[1].add_metric([self._consumer], unacked)
        for consumer, count in sorted(dead.items()):
            families[2].add_metric([consumer], count)

    async def _read(self) -> tuple[int, int, dict[str, int]]:
        nc = await nats.connect(self._url, connect_timeout=NATS_SECONDS, allow_reconnect=False,
                                max_reconnect_attempts=0, name="cis-metrics")
        try:
            js = nc.jetstream(timeout=NATS_SECONDS)
            info = await js.consumer_info(EVENTS_STREAM, self._consumer)
            dlq = await js.stream_info(DLQ_STREAM, subjects_filter="cis.dlq.>")
        finally:
            await nc.close()
        subjects = dlq.state.subjects or {}
        dead = {subject.removeprefix("cis.dlq."): count for subject, count in subjects.items()}
        return int(info.num_pending or 0), int(info.num_ack_pending or 0), dead


class ScoringModel:
    """`cis_scoring_model_info{version}` 1 for the model scoring now, and its hold-out
    AUC as `cis_scoring_model_auc{version}` (none for the prior, which was not fitted)."""

    source = "scoring_model"

    def __init__(self, active_model: ActiveModel) -> None:
        self._active = active_model

    def families(self) -> list[GaugeMetricFamily]:
        return [GaugeMetricFamily("cis_scoring_model_info",
                                  "1 for the lead-scoring model that scores now",
                                  labels=["version"]),
                GaugeMetricFamily("cis_scoring_model_auc",
                                  "Hold-out AUC of the active lead-scoring model",
                                  labels=["version"])]

    def fill(self, families: list[GaugeMetricFamily]) -> None:
        version, auc = self._active()
        families[0].add_metric([version], 1)
        if auc is not None:
            families[1].add_metric([version], auc)
