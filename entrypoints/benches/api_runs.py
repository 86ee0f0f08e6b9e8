"""What the `commands` and `queries` benches share: demo data, tokens, one run per level.

The API is served with the production settings except one: the per-caller rate limit
is raised out of reach (`BENCH_RATE_LIMIT`). The limiter still counts every request in
Redis, so its cost is in the figures; only its 429s, which would measure the limit and
not the server, are gone. Each connection also has a token (a subject) of its own, as
distinct users do.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import psycopg

from adapters.settings import ResolvedSettings
from entrypoints.benches.database import fresh_database
from entrypoints.benches.http_load import HttpRequest, LoadResult, run_load
from entrypoints.benches.http_servers import HOST, Kind, serve
from entrypoints.benches.report import BenchOptions, Row, Section, Series, Target
from entrypoints.bootstrap import build_application, build_projector
from entrypoints.demo import load_demo
from entrypoints.http.auth import Role, issue_token
from entrypoints.migrate import migrate
from projections.registry import READ_MODELS

__all__ = ["BENCH_RATE_LIMIT", "CONNECTIONS", "LevelRun", "bearer", "bench_size", "demo_database",
           "latency_series", "load_levels",
           "measure_levels", "share"]

CONNECTIONS = (1, 8, 32)
SMOKE_CUSTOMERS = 16  # `--events` below this: one second a level, to see it run
BENCH_RATE_LIMIT = 1_000_000_000  # per caller and minute: counted, never reached


@contextmanager
def demo_database(settings: ResolvedSettings, customers: int) -> Iterator[
        tuple[ResolvedSettings, list[UUID]]]:
    """A fresh database with `cis demo`'s data for `customers`, every read model caught
    up; the settings (rate limit raised, see above) and the customers' ids."""
    with fresh_database(settings) as database:
        own = dataclasses.replace(database, rate_limit_per_minute=BENCH_RATE_LIMIT)
        migrate(own)
        cis = build_application(own, pool_size=2)
        try:
            load_demo(cis, customers)
            head = cis.recorder.max_notification_id() or 0
            for model in READ_MODELS:
                projector = build_projector(own, model, cis)
                try:
                    projector.run(threading.Event(), until=head)
                finally:
                    projector.tracking.datastore.close()
        finally:
            cis.close()
        yield own, _customer_ids(own)


def _customer_ids(settings: ResolvedSettings) -> list[UUID]:
    with psycopg.connect(settings.database_url) as conn:
        rows = conn.execute("SELECT DISTINCT originator_id FROM cis_events WHERE topic LIKE "
                            "%s ORDER BY 1", ("%Customer.Registered%",)).fetchall()
    return [row[0] for row in rows]


def bench_size(options: BenchOptions) -> tuple[int, float]:
    """(demo customers, seconds a level): `--events` sets the customers."""
    customers = options.events or (64 if options.quick else 200)
    if customers < SMOKE_CUSTOMERS:
        return customers, 1.0
    return customers, 4.0 if options.quick else 10.0


def share(ids: list[UUID], number: int, connections: int) -> list[UUID]:
    """Connection `number`'s own customers (shared when there are fewer than connections)."""
    return ids[number::connections] or [ids[number % len(ids)]]


def bearer(settings: ResolvedSettings, subject: str, role: Role) -> tuple[str, str]:
    return ("Authorization",
            "Bearer " + issue_token(settings.jwt_secret, subject=subject, role=role,
                                    ttl=timedelta(hours=2)))


@dataclasses.dataclass
class LevelRun:
    """One path measured at every level of connections."""

    label: str
    results: dict[int, LoadResult]

    def add_rows(self, section: Section, *, baseline: dict[int, Row] | None = None,
                 target_at_32: Target | None = None) -> dict[int, Row]:
        rows = {}
        for connections, result in self.results.items():
            base = None if baseline is None else baseline.get(connections)
            rows[connections] = section.add(
                f"{self.label}, {connections} conn", result.throughput, "req/s",
                baseline=base, target=target_at_32 if connections == 32 else None,
                note=_note(result))
            section.add(f"{self.label}, {connections} conn p50", result.percentile_ms(0.50),
                        "ms")
            section.add(f"{self.label}, {connections} conn p99", result.percentile_ms(0.99),
                        "ms")
        return rows


def measure_levels(kind: Kind, settings: ResolvedSettings, log_dir: Path, label: str,
                   requests_for: Callable[[int], list[list[HttpRequest]]], *,
                   seconds: float, body_size: int = 0) -> LevelRun:
    """The server of `kind` loaded with 1, 8 and 32 connections in turn."""
    with serve(kind, settings, log_dir / f"{kind}-server.log", body_size=body_size) as port:
        return load_levels(port, label, requests_for, seconds=seconds)


def load_levels(port: int, label: str, requests_for: Callable[[int], list[list[HttpRequest]]],
                *, seconds: float) -> LevelRun:
    results = {}
    for connections in CONNECTIONS:
        result = results[connections] = run_load(HOST, port, requests_for(connections),
                                                 seconds=seconds,
                                                 processes=_processes(connections))
        print(f"  {label}, {connections} conn: {result.throughput:,.0f} req/s "
              f"p50 {result.percentile_ms(0.5):.1f} ms p99 {result.percentile_ms(0.99):.1f} ms "
              f"answers {result.statuses}", flush=True)
    return LevelRun(label, results)


def latency_series(chart: str, run: LevelRun, share: float) -> Series:
    name = f"p{round(share * 100)}"
    return Series(chart, "line", f"{run.label} {name}", "connections", "latency (ms)",
                  [(float(c), r.percentile_ms(share)) for c, r in run.results.items()])


def _processes(connections: int) -> int:
    # The client's own CPU must not be the limit: two processes for many connections
    # (the machines this was measured on have two cores).
    return 1 if connections < 8 else 2


def _note(result: LoadResult) -> str:
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(result.statuses.items()))
    broken = f", {result.errors} broken connections" if result.errors else ""
    return f"answers {statuses}{broken}"
