"""Where a reader of the log may safely read to, without a table lock on the writers.

Writers no longer serialise (ADR 0006): two transactions take positions (notification
ids) from the sequence concurrently and may commit in the other order, so for a moment
position 7 is visible while 6 is not. A reader that took 7 and moved on would never
see 6. Two facts let a reader know how far it may go:

- A run of visible positions with no hole after a resolved position is resolved: no
  position inside it can still appear.
- A fence resolves every position handed out so far. Each writer's transaction marks
  itself (a shared advisory lock, `WRITING`) and takes its transaction id before its
  position (the column default `cis_next_notification_id`, installed by
  `cis migrate`). The fence reads the sequence, then the transaction ids of the marked
  transactions (`pg_locks`): every transaction holding a position up to that value had
  ended by then, or is among them. The fence waits until each has ended (committed
  or rolled back; `pg_stat_activity`); after that a new statement sees every committed
  position up to the value, and a hole there is a rollback, for good.

A hole is never skipped because of a timeout: only a fence ends it. The fence waits
for the writers of events, not for a clock, so a writer that keeps its transaction
open delays readers (never other writers) until it ends; it is logged.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import structlog
from psycopg.sql import SQL, Composed, Identifier, Literal

__all__ = ["LogFence", "fence_statements"]

log = structlog.get_logger()

NEXT_POSITION = "cis_next_notification_id"
WRITING = 202_900_006  # the advisory lock a writer of events holds, shared, until it ends
_FIRST_WAIT = 0.0005  # seconds between polls of the running transactions, doubling
_LONGEST_WAIT = 0.02
_WARN_AFTER = 10.0  # seconds a fence has waited before it says which transactions


def fence_statements(schema: str, table: str) -> list[Composed]:
    """The column default that takes the transaction id before the position, for
    `create_table` (run by `cis migrate`); an existing table changes default once.
    (Run without parameters: a % is the server's.)"""
    qualified = f'"{schema}"."{table}"'
    return [
        SQL("CREATE OR REPLACE FUNCTION {function}(sequence regclass) RETURNS bigint "
            "LANGUAGE plpgsql VOLATILE AS $body$ BEGIN "
            # The mark and the transaction id first: a fence that reads the sequence
            # after them finds this transaction whenever it holds a position below it.
            "PERFORM pg_advisory_xact_lock_shared({writing}); PERFORM pg_current_xact_id(); "
            "RETURN nextval(sequence); END $body$"
            ).format(function=Identifier(schema, NEXT_POSITION), writing=Literal(WRITING)),
        SQL("DO $do$ DECLARE "
            "  events regclass := {qualified}; "
            "  sequence text := pg_get_serial_sequence({qualified}, 'notification_id'); "
            "BEGIN "
            "  IF NOT EXISTS (SELECT FROM pg_attrdef d JOIN pg_attribute a "
            "                 ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
            "                 WHERE d.adrelid = events AND a.attname = 'notification_id' "
            "                 AND pg_get_expr(d.adbin, d.adrelid) LIKE {pattern}) THEN "
            "    EXECUTE format('ALTER TABLE %s ALTER COLUMN notification_id "
            "                    SET DEFAULT %s(%L::regclass)', events, {function}, sequence); "
            "  END IF; "
            "END $do$"
            ).format(qualified=Literal(qualified), pattern=Literal(f"%{NEXT_POSITION}(%"),
                     function=Literal(f'"{schema}".{NEXT_POSITION}')),
    ]


class LogFence:
    """The highest position known resolved in this process, and the fence that raises it."""

    def __init__(self, schema: str, table: str) -> None:
        self._table = f'"{schema}"."{table}"'
        self._sequence: str | None = None
        self._resolved = 0  # every position up to here is resolved
        self._lock = threading.Lock()

    @property
    def resolved(self) -> int:
        return self._resolved

    def raise_to(self, position: int) -> None:
        with self._lock:
            self._resolved = max(self._resolved, position)

    def fence(self, conn: psycopg.Connection[Any]) -> int:
        """Waits until every position handed out so far is resolved; returns the last."""
        handed_out = self._handed_out(conn)
        running = _running_transactions(conn)
        began = time.monotonic()
        wait, warned = _FIRST_WAIT, False
        while running:
            time.sleep(wait)
            wait = min(2 * wait, _LONGEST_WAIT)
            running = _still_running(conn, running)
            if running and not warned and time.monotonic() - began > _WARN_AFTER:
                log.warning("log_fence_waiting", transactions=running[:10],
                            seconds=round(time.monotonic() - began, 1),
                            why="readers of the log wait for these transactions to end")
                warned = True
        self.raise_to(handed_out)
        return handed_out

    def handed_out(self, conn: psycopg.Connection[Any]) -> int:
        """The last position the sequence has handed out (resolved or not)."""
        return self._handed_out(conn)

    def _handed_out(self, conn: psycopg.Connection[Any]) -> int:
        if self._sequence is None:
            row = conn.execute("SELECT pg_get_serial_sequence(%s, 'notification_id')",
                               (self._table,)).fetchone()
            if row is None or _first(row) is None:
                raise RuntimeError(f"{self._table} has no notification_id sequence")
            self._sequence = str(_first(row))
        row = conn.execute(SQL("SELECT CASE WHEN is_called THEN last_value ELSE 0 END "
                               "AS handed_out FROM {}").format(SQL(self._sequence))).fetchone()
        return int(_first(row))


def _running_transactions(conn: psycopg.Connection[Any]) -> list[str]:
    """The transaction ids of this database's writers of events (holders of `WRITING`).

    Only writers of events: a reader's own write transaction (a projector's batch) must
    not be waited for, it may be waiting for this read. From one reading of the lock
    table (each transaction with an id holds a lock on it), not from a snapshot's list,
    which leaves out ids newer than the newest finished transaction."""
    row = conn.execute(
        "WITH locks AS MATERIALIZED (SELECT * FROM pg_locks) "
        "SELECT coalesce(array_agg(x.transactionid::text), '{}') AS running "
        "FROM locks w JOIN locks x ON x.virtualtransaction = w.virtualtransaction "
        "AND x.locktype = 'transactionid' AND x.mode = 'ExclusiveLock' "
        "WHERE w.locktype = 'advisory' AND w.classid = 0 AND w.objid = %s "
        "AND w.objsubid = 1 AND w.granted "
        "AND w.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        (WRITING,)).fetchone()
    return list(_first(row))


def _still_running(conn: psycopg.Connection[Any], running: list[str]) -> list[str]:
    row = conn.execute("SELECT coalesce(array_agg(backend_xid::text), '{}') AS running "
                       "FROM pg_stat_activity WHERE backend_xid = ANY(%s::text[]::xid[])",
                       (running,)).fetchone()
    return list(_first(row))


def _first(row: Any) -> Any:
    """The first column, whichever row factory the connection has."""
    if row is None:
        raise RuntimeError("the server answered no row")
    return next(iter(row.values())) if isinstance(row, dict) else row[0]
