"""The physical baselines of `cis bench append`: rows written to Postgres with nothing of ours.

A table shaped like the events table (the library's columns, key and notification-id
index) receives rows of the size of a stored event, by one-row INSERT transactions
(from 1 and from N client processes), by batched INSERTs (many rows a statement) and by
COPY. Each client runs until the shared deadline and reports how many rows it
committed. This module imports psycopg only, so its client processes start quickly.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.synchronize import Barrier
from typing import Any

import psycopg

__all__ = ["BASELINE_TABLE", "Payload", "batched_client", "copy_client", "create_baseline_table",
           "one_row_client",
           "until_deadline"]

BASELINE_TABLE = "bench_raw_events"
BATCH_ROWS = 500  # rows of one batched INSERT or one COPY transaction


@dataclass(frozen=True)
class Payload:
    """A stored event's topic and state, as our path writes them."""

    topic: str
    state: bytes


def create_baseline_table(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE IF EXISTS {BASELINE_TABLE}")
        conn.execute(
            f"CREATE TABLE {BASELINE_TABLE} (originator_id uuid NOT NULL, "
            "originator_version bigint NOT NULL, topic text, state bytea, "
            "notification_id bigserial, PRIMARY KEY (originator_id, originator_version))")
        conn.execute(f"CREATE UNIQUE INDEX ON {BASELINE_TABLE} (notification_id)")


def one_row_client(url: str, payload: Payload, start: Barrier, deadline_in: float,
                   limit: int | None) -> tuple[int, float]:
    """One INSERT a transaction (autocommit), as a single-event command writes."""
    statement = (f"INSERT INTO {BASELINE_TABLE} (originator_id, originator_version, topic, "
                 "state) VALUES (%s, %s, %s, %s)")
    originator = uuid.uuid4()
    with psycopg.connect(url, autocommit=True) as conn:
        def write(version: int) -> int:
            conn.execute(statement, (originator, version, payload.topic, payload.state),
                         prepare=True)
            return 1
        return until_deadline(start, deadline_in, limit, write)


def batched_client(url: str, payload: Payload, start: Barrier, deadline_in: float,
                   limit: int | None) -> tuple[int, float]:
    """`BATCH_ROWS` rows a statement, one statement a transaction."""
    statement = (f"INSERT INTO {BASELINE_TABLE} (originator_id, originator_version, topic, "
                 "state) SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::text[], "
                 "%s::bytea[])")
    originator = uuid.uuid4()
    with psycopg.connect(url, autocommit=True) as conn:
        def write(version: int) -> int:
            versions = list(range(version * BATCH_ROWS, (version + 1) * BATCH_ROWS))
            conn.execute(statement, ([originator] * BATCH_ROWS, versions,
                                     [payload.topic] * BATCH_ROWS,
                                     [payload.state] * BATCH_ROWS), prepare=True)
            return BATCH_ROWS
        return until_deadline(start, deadline_in, limit, write)


def copy_client(url: str, payload: Payload, start: Barrier, deadline_in: float,
                limit: int | None) -> tuple[int, float]:
    """`BATCH_ROWS` rows a COPY, one COPY a transaction."""
    statement = (f"COPY {BASELINE_TABLE} (originator_id, originator_version, topic, state) "
                 "FROM STDIN")
    originator = uuid.uuid4()
    with psycopg.connect(url, autocommit=True) as conn:
        def write(version: int) -> int:
            with conn.cursor() as cursor, cursor.copy(statement) as copy:
                for row in range(version * BATCH_ROWS, (version + 1) * BATCH_ROWS):
                    copy.write_row((originator, row, payload.topic, payload.state))
            return BATCH_ROWS
        return until_deadline(start, deadline_in, limit, write)


def until_deadline(start: Barrier, deadline_in: float, limit: int | None,
                   write: Callable[[int], Any]) -> tuple[int, float]:
    """Writes from the barrier's release until `deadline_in` seconds later (or `limit`
    rows): the rows committed, and the seconds they took."""
    start.wait()
    began = time.monotonic()
    deadline = began + deadline_in
    rows = version = 0
    while time.monotonic() < deadline and (limit is None or rows < limit):
        rows += write(version)
        version += 1
    return rows, time.monotonic() - began
