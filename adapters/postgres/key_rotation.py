"""Re-wrapping every data key under the active master key, online; and who wraps what.

Only `cis_data_keys` changes, never an event: a data key stays the same, only the master
key wrapping it does. Rows are taken in batches of short transactions, in key order, with
`FOR UPDATE SKIP LOCKED`: readers never wait (they do not lock), a writer waits at most
for one batch (an erasure of a row in it), and a row another transaction holds is left
for a later pass. A row already under the active key is not selected, so a rotation that
stopped half-way goes on where it stopped. Tombstones (wrapped NULL) are never touched:
erased stays erased.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg

from adapters.crypto import MasterKeyRing
from application.keys import KeyUnavailable

__all__ = ["KeyCensus", "RotationReport", "key_census", "rotate_data_keys"]

_FIRST = UUID(int=0)
_LOCKED_RETRIES = 25  # passes (0.2 s apart) waiting for rows other transactions hold

_STALE_BATCH = """
SELECT subject, wrapped, master_key_id FROM cis_data_keys
WHERE wrapped IS NOT NULL AND master_key_id IS DISTINCT FROM %(active)s
  AND subject > %(after)s
ORDER BY subject LIMIT %(limit)s
FOR UPDATE SKIP LOCKED
"""
_REWRAP = """
UPDATE cis_data_keys AS k SET wrapped = v.wrapped, master_key_id = %(active)s
FROM unnest(%(subjects)s::uuid[], %(wrapped)s::bytea[]) AS v(subject, wrapped)
WHERE k.subject = v.subject AND k.wrapped IS NOT NULL
"""


@dataclass(frozen=True, slots=True)
class KeyCensus:
    """How many data keys each master key wraps (None: wrapped before key ids)."""

    by_key: dict[str | None, int]
    erased: int

    def stale(self, active_id: str) -> int:
        return sum(count for key_id, count in self.by_key.items() if key_id != active_id)


@dataclass(slots=True)
class RotationReport:
    active_id: str
    rewrapped: int = 0
    already_current: int = 0
    erased_skipped: int = 0
    # Rows no key of the ring opens, by the key id they name: left as they are.
    unopened: dict[str | None, int] = field(default_factory=dict)
    still_locked: int = 0  # rows other transactions held throughout: run again
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        return not self.unopened and not self.still_locked


def key_census(conn: psycopg.Connection[Any]) -> KeyCensus:
    rows = conn.execute("SELECT master_key_id, wrapped IS NULL, count(*) FROM cis_data_keys "
                        "GROUP BY 1, 2").fetchall()
    by_key = {key_id: count for key_id, erased, count in rows if not erased}
    return KeyCensus(by_key=by_key, erased=sum(count for _, erased, count in rows if erased))


def rotate_data_keys(database_url: str, ring: MasterKeyRing, *, batch_size: int = 1000,
                     on_batch: Callable[[int], None] | None = None,
                     on_start: Callable[[int], None] | None = None) -> RotationReport:
    """Re-wrap every data key not under the ring's active key.

    `on_start` is told how many rows are to do, `on_batch` how many each committed batch
    re-wrapped (a progress bar)."""
    started = time.monotonic()
    report = RotationReport(ring.active_id)
    with psycopg.connect(database_url, autocommit=True) as conn:
        census = key_census(conn)
        report.already_current = census.by_key.get(ring.active_id, 0)
        report.erased_skipped = census.erased
        if on_start is not None:
            on_start(census.stale(ring.active_id))
        unopened: dict[UUID, str | None] = {}
        for _ in range(_LOCKED_RETRIES):
            while _one_pass(conn, ring, batch_size, report, unopened, on_batch):
                pass  # another pass for rows skipped as locked, or added under an old key
            left = _stale_count(conn, ring.active_id) - len(unopened)
            if left <= 0:
                break
            time.sleep(0.2)
        report.still_locked = max(left, 0)
        for key_id in unopened.values():
            report.unopened[key_id] = report.unopened.get(key_id, 0) + 1
    report.seconds = time.monotonic() - started
    return report


def _one_pass(conn: psycopg.Connection[Any], ring: MasterKeyRing, batch_size: int,
              report: RotationReport, unopened: dict[UUID, str | None],
              on_batch: Callable[[int], None] | None) -> bool:
    """One walk through the table in key order; True if it re-wrapped anything."""
    after, any_rewrapped = _FIRST, False
    while True:
        with conn.transaction():
            rows = conn.execute(_STALE_BATCH, {"active": ring.active_id, "after": after,
                                               "limit": batch_size}).fetchall()
            if not rows:
                return any_rewrapped
            subjects, wrapped = _rewrapped(ring, rows, unopened)
            if subjects:
                conn.execute(_REWRAP, {"active": ring.active_id, "subjects": subjects,
                                       "wrapped": wrapped})
        after = rows[-1][0]
        report.rewrapped += len(subjects)
        any_rewrapped = any_rewrapped or bool(subjects)
        if on_batch is not None:
            on_batch(len(subjects))


def _rewrapped(ring: MasterKeyRing, rows: list[tuple[Any, ...]],
               unopened: dict[UUID, str | None]) -> tuple[list[UUID], list[bytes]]:
    subjects, wrapped = [], []
    for subject, old, key_id in rows:
        try:
            data_key = ring.unwrap(key_id, bytes(old), subject.bytes)
        except KeyUnavailable:
            unopened[subject] = key_id
            continue
        subjects.append(subject)
        wrapped.append(ring.wrap(data_key, subject.bytes)[1])
    return subjects, wrapped


def _stale_count(conn: psycopg.Connection[Any], active_id: str) -> int:
    row = conn.execute("SELECT count(*) FROM cis_data_keys WHERE wrapped IS NOT NULL "
                       "AND master_key_id IS DISTINCT FROM %s", (active_id,)).fetchone()
    return int(row[0]) if row else 0
