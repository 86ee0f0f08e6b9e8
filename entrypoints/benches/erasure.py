"""`cis bench erasure`: the DSG erasure of a customer with N events next to one with 10,
and the raw destruction of one key row as the baseline, in one run on a fresh database.

Each customer has a signed contract, so each erasure takes the longer path: the
books' fields sealed under a new hold key, the hold recorded, the customer's key
destroyed, the score deleted, Redis searched, the answer recorded. The dashboards read
model is caught up first, as it is in production (the erasure reads the log only after
its position). Timings are printed, and written as JSON to `<data dir>/bench/erasure.json`.
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from collections.abc import Callable
from uuid import UUID

import psycopg

from adapters.postgres.keys import destroy_key
from adapters.settings import ResolvedSettings
from application.services import CustomerIntelligence
from domain.meta import EventMeta
from domain.values import ModelCode, Money
from entrypoints.benches.audit_state import write_long_history
from entrypoints.benches.database import fresh_database
from entrypoints.benches.report import BenchOptions, Report, Target
from entrypoints.bootstrap import build_application, build_projector
from entrypoints.dsg_wiring import build_dsg
from entrypoints.migrate import migrate
from projections.registry import read_model

__all__ = ["run"]

META = EventMeta(actor="bench", correlation_id="bench")
SMALL = 10
CUSTOMERS_EACH = 5  # erasures of each size (an erasure happens once per customer)
BASELINE_REPEATS = 15


def run(settings: ResolvedSettings, options: BenchOptions) -> Report:
    events = options.events or 10_000
    with fresh_database(settings) as own:
        return _report(events, _measure(own, events))


def _measure(own: ResolvedSettings, events: int) -> dict[str, float]:
    migrate(own)
    cis = build_application(own, pool_size=4)
    dsg = build_dsg(own, cis)
    try:
        code = ModelCode.parse("BENCH-EV")
        cis.put_model(code=code, name="Bench EV", list_price=Money.chf(50_000), meta=META)
        large = [_customer(cis, code, events) for _ in range(CUSTOMERS_EACH)]
        small = [_customer(cis, code, SMALL) for _ in range(CUSTOMERS_EACH)]
        warm = _customer(cis, code, SMALL)
        _catch_up_dashboards(own, cis)
        def erase(customer: UUID) -> object:
            return dsg.erasures.erase(customer, meta=META, reason="bench")

        erase(warm)  # connections, prepared statements, caches
        small_ms, large_ms = _medians_interleaved(erase, small, large)
        results = {"erasure_small_ms": small_ms, "erasure_large_ms": large_ms,
                   "raw_key_destroy_ms": _raw_destroy(own.database_url)}
    finally:
        dsg.close()
        cis.close()
    return results


def _customer(cis: CustomerIntelligence, code: ModelCode, events: int) -> UUID:
    """A buyer with `events` events and a signed contract, so erasure takes the hold path
    (the street is held with the name)."""
    customer_id = write_long_history(cis, events, street="Benchgasse 1",
                                     desc=f"customer of {events:,} events")
    sale = cis.open_sale(customer_id=customer_id, model=code, meta=META)
    cis.quote_sale(sale.id, price=Money.chf(49_000), discount=Money.zero(),
                   incentives=Money.zero(), meta=META)
    cis.sign_contract(sale.id, final_price=Money.chf(49_000), meta=META)
    return customer_id


def _catch_up_dashboards(own: ResolvedSettings, cis: CustomerIntelligence) -> None:
    head = cis.recorder.max_notification_id() or 0
    build_projector(own, read_model("dashboards"), cis).run(threading.Event(), until=head)


def _medians_interleaved(erase: Callable[[UUID], object], small: list[UUID],
                         large: list[UUID]) -> tuple[float, float]:
    """One of each size in turn, so both meet the same state of caches and pools."""
    took: dict[str, list[float]] = {"small": [], "large": []}
    for pair in zip(small, large, strict=True):
        for size, customer in zip(("small", "large"), pair, strict=True):
            start = time.perf_counter()
            erase(customer)
            took[size].append((time.perf_counter() - start) * 1000)
    return statistics.median(took["small"]), statistics.median(took["large"])


def _raw_destroy(url: str) -> float:
    """The baseline: one key row destroyed in a transaction of its own, nothing else."""
    took = []
    with psycopg.connect(url) as conn:
        for _ in range(BASELINE_REPEATS):
            subject = uuid.uuid4()
            conn.execute("INSERT INTO cis_data_keys (subject, wrapped) VALUES (%s, %s)",
                         (subject, b"k" * 60))
            conn.commit()
            start = time.perf_counter()
            with conn.cursor() as cursor:
                destroy_key(cursor, subject)
            conn.commit()
            took.append((time.perf_counter() - start) * 1000)
    return statistics.median(took)


def _report(events: int, results: dict[str, float]) -> Report:
    report = Report("erasure", {"events": events, "small_events": SMALL,
                                "customers_each": CUSTOMERS_EACH})
    section = report.section(f"DSG erasure with a legal hold, median of {CUSTOMERS_EACH} "
                             "customers each, answer included")
    section.add("raw: destroy one key row", results["raw_key_destroy_ms"], "ms")
    small = section.add(f"erasure, {SMALL} events", results["erasure_small_ms"], "ms")
    section.add(f"erasure, {events:,} events", results["erasure_large_ms"], "ms",
                baseline=small, target=Target("<=", 2.0),
                note="constant time: the same as a short history")
    return report
