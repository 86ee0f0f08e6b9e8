"""`cis bench audit-state`: the state of a customer with N events at a version, rebuilt
from the nearest snapshot versus from the first event, in one run on a fresh database.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any, ClassVar
from uuid import UUID, uuid4

from tqdm import tqdm

from adapters.postgres.config import eventsourcing_env
from adapters.settings import ResolvedSettings
from application.services import APPLICATION_NAME, SNAPSHOT_INTERVAL, CustomerIntelligence
from domain.customer import Customer
from domain.customer_facts import Channel, TouchpointKind
from domain.ids import CustomerID
from domain.meta import EventMeta
from domain.values import Canton, Email, Language, PersonName, PostalCode
from entrypoints.benches.database import fresh_database
from entrypoints.benches.report import BenchOptions, Report
from entrypoints.bootstrap import build_application, data_keys
from entrypoints.migrate import migrate

__all__ = ["run", "write_long_history"]

META = EventMeta(actor="bench", correlation_id="bench")
REPEATS = 15
_SAVE_EVERY = 500


class WithoutSnapshots(CustomerIntelligence):
    name = APPLICATION_NAME  # the same log, read without its snapshots
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {}


def run(settings: ResolvedSettings, options: BenchOptions) -> Report:
    with fresh_database(settings) as own:
        return _measure(own, options.events or 10_000)


def _measure(own: ResolvedSettings, events: int) -> Report:
    migrate(own)
    with_snapshots = build_application(own, pool_size=2)
    without = WithoutSnapshots(env=eventsourcing_env(own.database_url, pool_size=2),
                               cipher=data_keys(own))
    try:
        customer_id = write_long_history(with_snapshots, events)
        versions = sorted({events, events - 1, events // 2 + SNAPSHOT_INTERVAL // 2, 2})
        moment = with_snapshots.history("customers", customer_id, reveal=False,
                                        after_version=events - 2, limit=1).items[0].occurred_at
        rows = [(f"version {v:,}", _median(_at(with_snapshots, customer_id, v)),
                 _median(_at(without, customer_id, v))) for v in versions]
        rows.append((f"as_of (version {events - 1:,})",
                     _median(lambda: with_snapshots.state_as_of(
                         "customers", customer_id, moment, reveal=True)),
                     _median(lambda: without.state_as_of(
                         "customers", customer_id, moment, reveal=True))))
    finally:
        with_snapshots.close()
        without.close()
    report = Report("audit-state", {"events": events, "snapshot_interval": SNAPSHOT_INTERVAL,
                                    "repeats": REPEATS})
    section = report.section(f"audit state of one customer with {events:,} events, median "
                             f"of {REPEATS} (without snapshots is the baseline)")
    for label, fast, slow in rows:
        without_row = section.add(f"{label}, without snapshots", slow, "ms")
        section.add(f"{label}, with snapshots", fast, "ms", baseline=without_row)
    return report


def write_long_history(app: CustomerIntelligence, events: int, *,
                       street: str | None = None, desc: str = "writing") -> UUID:
    """A customer with `events` events (touchpoints with notes), saved in batches."""
    customer = Customer.register(
        customer_id=CustomerID(uuid4()), name=PersonName.parse("Bench Kunde"),
        email=Email.parse("bench@example.ch"), postal_code=PostalCode.parse("8001"),
        canton=Canton.parse("ZH"), language=Language.parse("de"), salesperson="bench",
        street=street, meta=META)
    with tqdm(total=events, desc=desc, unit="ev", unit_scale=True) as bar:
        while customer.version < events:
            for _ in range(min(_SAVE_EVERY, events - customer.version)):
                customer.record_touchpoint(kind=TouchpointKind.CALL, channel=Channel.PHONE,
                                           note="bench", meta=META)
            before = bar.n
            app.save(customer)
            bar.update(customer.version - before)
    return customer.id


def _at(app: CustomerIntelligence, customer_id: UUID, version: int) -> Callable[[], object]:
    return lambda: app.state_at_version("customers", customer_id, version, reveal=True)


def _median(read: Callable[[], object]) -> float:
    read()  # warm: connections, prepared statements, the cipher's key cache
    took = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        read()
        took.append((time.perf_counter() - start) * 1000)
    return statistics.median(took)
