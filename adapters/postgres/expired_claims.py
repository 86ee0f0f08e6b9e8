"""Idempotency claims past their time: dropped by the daily retention run.

A claim keeps a command's answer so that a retry with its `Idempotency-Key` gets it
again (`adapters.postgres.idempotency`). Retries come within seconds or minutes, so a
claim is kept `CIS_IDEMPOTENCY_KEY_HOURS` (24) and then dropped: the table stays the size
of a day's commands, and no request's fingerprint (the SHA-256 of its body) outlives
that. A claim still under its lease (a command running, or about to be taken over) is
never dropped, however old: only an answered one, or one abandoned without a lease.
A retry with a dropped key runs its command again, as a new request.
"""

from __future__ import annotations

from typing import Any

from psycopg_pool import ConnectionPool

__all__ = ["ExpiredClaims"]

_EXPIRED = ("FROM idempotency_keys WHERE created_at < now() - make_interval(secs => %s) "
            "AND (status IS NOT NULL OR coalesce(lease_until, '-infinity') < now())")


class ExpiredClaims:
    def __init__(self, pool: ConnectionPool[Any], hours: float) -> None:
        self._pool = pool
        self.hours = hours

    def count(self) -> int:
        """How many a run would drop now."""
        with self._pool.connection() as conn:
            row = conn.execute(f"SELECT count(*) {_EXPIRED}", (self.hours * 3600,)).fetchone()
        return int(row[0]) if row else 0

    def drop(self) -> int:
        """Drop them (one statement: a day's rows); how many."""
        with self._pool.connection() as conn:
            return int(conn.execute(f"DELETE {_EXPIRED}", (self.hours * 3600,)).rowcount)
