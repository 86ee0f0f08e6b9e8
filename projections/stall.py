"""Where a read model is stuck, and which events an operator let it pass over.

Three small tables of ours (created by `cis migrate`), so every process can read them:

* `cis_read_model_stalls`: per read model, the event it cannot project (position,
  type, error class: never a value from the event), since when and how often it tried;
  removed in the transaction of the batch that gets past that event;
* `cis_read_model_failures`: failed attempts per read model, only ever counting up
  (a Prometheus counter);
* `cis_read_model_skips`: each event an operator told a read model to leave out, with
  who, when and why. The event stays in the log; only that read model passes over it,
  in every later run and rebuild too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection, Connection, Cursor
from psycopg.rows import dict_row

__all__ = [
    "STALL_TABLES",
    "Stall",
    "clear_stall",
    "has_stall",
    "read_failures",
    "read_stalls",
    "record_failure",
    "record_skip",
    "skipped_positions",
    "stalls",
]

STALL_TABLES = [
    """
    CREATE TABLE IF NOT EXISTS cis_read_model_stalls (
        read_model text PRIMARY KEY,
        position bigint,
        event_type text,
        error text NOT NULL,
        attempts integer NOT NULL,
        since timestamptz NOT NULL DEFAULT now(),
        last_attempt_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS cis_read_model_failures (
        read_model text PRIMARY KEY,
        failures bigint NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS cis_read_model_skips (
        read_model text NOT NULL,
        position bigint NOT NULL,
        event_type text NOT NULL,
        skipped_by text NOT NULL,
        reason text NOT NULL,
        skipped_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (read_model, position)
    )
    """,
]


@dataclass(frozen=True)
class Stall:
    """A read model that cannot get on: at `position` (None: not an event's fault, e.g.
    a lock or a connection), after `attempts` tries, the last failing with `error`."""

    read_model: str
    position: int | None
    event_type: str | None
    error: str
    attempts: int
    since: datetime
    last_attempt_at: datetime

    def as_dict(self) -> dict[str, object]:
        return {"read_model": self.read_model, "position": self.position,
                "event_type": self.event_type, "error": self.error,
                "attempts": self.attempts, "since": self.since.isoformat(),
                "last_attempt_at": self.last_attempt_at.isoformat()}


STALLS_QUERY = ("SELECT read_model, position, event_type, error, attempts, since, "
                "last_attempt_at FROM cis_read_model_stalls ORDER BY read_model")
FAILURES_QUERY = "SELECT read_model, failures FROM cis_read_model_failures"


def record_failure(conn: Connection[Any], read_model: str, position: int | None,
                   event_type: str | None, error: str) -> Stall:
    """One more failed attempt: the same event counts up, another one starts afresh."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as curs:
        curs.execute(
            "INSERT INTO cis_read_model_failures AS f (read_model, failures) VALUES (%s, 1) "
            "ON CONFLICT (read_model) DO UPDATE SET failures = f.failures + 1", (read_model,))
        curs.execute(
            "INSERT INTO cis_read_model_stalls AS s "
            "(read_model, position, event_type, error, attempts) VALUES (%s, %s, %s, %s, 1) "
            "ON CONFLICT (read_model) DO UPDATE SET "
            "  attempts = CASE WHEN s.position IS NOT DISTINCT FROM excluded.position "
            "                  THEN s.attempts + 1 ELSE 1 END, "
            "  since = CASE WHEN s.position IS NOT DISTINCT FROM excluded.position "
            "               THEN s.since ELSE now() END, "
            "  position = excluded.position, event_type = excluded.event_type, "
            "  error = excluded.error, last_attempt_at = now() "
            "RETURNING read_model, position, event_type, error, attempts, since, last_attempt_at",
            (read_model, position, event_type, error))
        row = curs.fetchone()
    if row is None:  # an upsert with RETURNING always returns its row
        raise RuntimeError("recording the stall returned no row")
    return Stall(**row)


def has_stall(curs: Cursor[Any], read_model: str) -> bool:
    row = curs.execute("SELECT count(*) AS n FROM cis_read_model_stalls WHERE read_model = %s",
                       (read_model,)).fetchone()
    return bool(_first(row))


def clear_stall(curs: Cursor[Any], read_model: str, through: int) -> bool:
    """Inside the batch that reached `through`: forget a stall at or before it."""
    row = curs.execute(
        "WITH gone AS (DELETE FROM cis_read_model_stalls WHERE read_model = %s "
        "AND (position IS NULL OR position <= %s) RETURNING 1) SELECT count(*) AS n FROM gone",
        (read_model, through)).fetchone()
    return bool(_first(row))


def skipped_positions(curs: Cursor[Any], read_model: str) -> frozenset[int]:
    rows = curs.execute("SELECT position FROM cis_read_model_skips WHERE read_model = %s",
                        (read_model,)).fetchall()
    return frozenset(int(_first(row)) for row in rows)


def record_skip(conn: Connection[Any], read_model: str, position: int, event_type: str,
                by: str, reason: str) -> None:
    conn.execute("INSERT INTO cis_read_model_skips "
                 "(read_model, position, event_type, skipped_by, reason) "
                 "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                 (read_model, position, event_type, by, reason))


def stalls(conn: Connection[Any]) -> list[Stall]:
    with conn.cursor(row_factory=dict_row) as curs:
        return [Stall(**row) for row in curs.execute(STALLS_QUERY).fetchall()]


async def read_stalls(database_url: str, timeout: float = 2.0) -> list[Stall]:
    """Every stalled read model, for `/ready` and `/metrics` of any process."""
    # psycopg takes whole seconds (at least 2) whatever it is given.
    async with await AsyncConnection.connect(database_url, connect_timeout=int(timeout),
                                             autocommit=True) as conn:
        curs = conn.cursor(row_factory=dict_row)
        await curs.execute(STALLS_QUERY)
        return [Stall(**row) for row in await curs.fetchall()]


async def read_failures(database_url: str, timeout: float = 2.0) -> dict[str, int]:
    """Failed attempts per read model, ever."""
    async with await AsyncConnection.connect(database_url, connect_timeout=int(timeout),
                                             autocommit=True) as conn:
        curs = await conn.execute(FAILURES_QUERY)
        return {str(name): int(count) for name, count in await curs.fetchall()}


def _first(row: Any) -> Any:
    """The first column, whether the cursor gives dicts or tuples."""
    if row is None:
        return None
    return next(iter(row.values())) if isinstance(row, dict) else row[0]
