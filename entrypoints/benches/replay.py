"""`cis bench replay`: loading an aggregate, and loading it to answer a command, by the
length of its history (10 to 10,000 events), on a fresh database.

For each size a customer (touchpoints with notes, so every event has sealed fields), a
sale (quoted again and again) and an access trail (a subject looked at again and again)
are written. In the same run, interleaved round by round so every path meets the same
state of caches and pools, the bench times (wall, median; and CPU of this process and
its Postgres backends, mean, see `call_cpu`):

- the physical baseline: the raw SELECT of the rows a load needs (the latest snapshot
  and the events after it) on a connection of its own, and decoding those rows alone;
- the load through the library's own replay (`project_aggregate`, which asserts a
  Protocol per event) and through ours (`application.replay`), both from the snapshot;
- the load without snapshots (every event replayed), to show what snapshots give;
- the load and a command through the application's use case, saved; and once, a whole
  snapshot interval of commands in a row, the one that takes a snapshot included.

The command runs on an aggregate of its own of each size (it grows by one event a
round), so the loads read exactly the size they are labelled with. Besides the sizes
asked for, the worst case is measured too: the largest size rounded up to one event
short of the next snapshot, where a load replays `SNAPSHOT_INTERVAL - 1` events after
its snapshot.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from uuid import UUID, uuid4

import psycopg
from eventsourcing.application import ProjectorFunction, project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import EventStore, StoredEvent
from psycopg import sql

from adapters.postgres.config import eventsourcing_env
from adapters.settings import ResolvedSettings
from application.services import APPLICATION_NAME, SNAPSHOT_INTERVAL, CustomerIntelligence
from domain.audit_trail import AccessTrail
from domain.customer_facts import Channel, TouchpointKind
from domain.meta import EventMeta
from domain.sale import Sale
from domain.values import ModelCode, Money
from entrypoints.benches.audit_state import write_long_history
from entrypoints.benches.call_cpu import CallCPU
from entrypoints.benches.database import fresh_database
from entrypoints.benches.report import BenchOptions, Report, Row, Section, Series, Target
from entrypoints.bootstrap import build_application, data_keys
from entrypoints.migrate import migrate

__all__ = ["run"]

META = EventMeta(actor="bench", correlation_id="bench")
SIZES = (10, 100, 1_000, 10_000)
# The aggregates whose histories grow without end: a customer's touchpoints, a sale
# quoted again and again, the trail of who looked at a subject (every audit read).
KINDS = ("customer", "sale", "trail")
REPEATS = 11
QUICK_REPEATS = 5
_SAVE_EVERY = 500
_MODEL = ModelCode.parse("BENCH-EV")
_PRICE = Money.chf(50_000)
# Each path, in the order a round times them; (label, the key in the report).
PATHS = (("raw SELECT (snapshot + events after it)", "select"),
         ("decode only", "decode"),
         ("load, without snapshots", "no_snapshots"),
         ("load, the library's replay", "library"),
         ("load", "load"),
         ("load + command", "command"))
# Those counted in CPU too (the baseline first).
CPU_PATHS = tuple(path for path in PATHS if path[1] in ("select", "library", "load", "command"))


class WithoutSnapshots(CustomerIntelligence):
    name = APPLICATION_NAME  # the same log, read without its snapshots
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {}


@dataclass
class Subject:
    """One aggregate of one size: the one read, and the one commanded."""

    kind: str  # one of KINDS
    events: int
    read: UUID
    commanded: UUID
    took: dict[str, list[float]] = field(default_factory=dict)  # wall ms, each call
    cpu: dict[str, list[float]] = field(default_factory=dict)  # CPU ms, each call

    def time(self, key: str, path: Callable[[], object], clock: CallCPU) -> None:
        cpu, start = clock.now_ms(), time.perf_counter()
        path()
        took = (time.perf_counter() - start) * 1000
        self.cpu.setdefault(key, []).append(clock.now_ms() - cpu)
        self.took.setdefault(key, []).append(took)

    def median(self, key: str) -> float:
        return statistics.median(self.took[key])

    def mean_cpu(self, key: str) -> float:
        return statistics.fmean(self.cpu[key])


def run(settings: ResolvedSettings, options: BenchOptions) -> Report:
    largest = options.events or SIZES[-1]
    # And the worst case: the most events a load replays after the latest snapshot.
    sizes = sorted({*(s for s in SIZES if s < largest), largest,
                    _worst_case(largest)})
    repeats = QUICK_REPEATS if options.quick else REPEATS
    with fresh_database(settings) as own:
        subjects, counts_server = _measure(own, sizes, largest, repeats)
    return _report(subjects, sizes, largest, repeats, counts_server)


def _measure(own: ResolvedSettings, sizes: list[int], largest: int,
             repeats: int) -> tuple[list[Subject], bool]:
    migrate(own)
    app = build_application(own, pool_size=2)
    without = WithoutSnapshots(env=eventsourcing_env(own.database_url, pool_size=2),
                               cipher=data_keys(own))
    try:
        app.put_model(code=_MODEL, name="Bench EV", list_price=_PRICE, meta=META)
        subjects = [_subject(app, kind, events, repeats) for events in sizes
                    for kind in KINDS]
        clock = CallCPU(own.database_url)
        with psycopg.connect(own.database_url) as conn:
            paths = {id(s): _paths(app, without, conn, s) for s in subjects}
            for round_ in range(repeats + 1):  # round 0 warms every path (and the pools)
                if round_ == 1:
                    clock.find_backends()
                # Each round starts the paths at another one: none always follows the
                # same one (a path that reads what the one before it read is favoured).
                turn = round_ % len(PATHS)
                order = [key for _, key in PATHS[turn:] + PATHS[:turn]]
                for subject in subjects:
                    for key in order:
                        if round_ == 0:
                            paths[id(subject)][key]()
                        else:
                            subject.time(key, paths[id(subject)][key], clock)
            for subject in subjects:
                if subject.events == largest:
                    _over_an_interval(subject, paths[id(subject)]["command"], clock)
    finally:
        app.close()
        without.close()
    return subjects, clock.counts_server


def _worst_case(events: int) -> int:
    return events - events % SNAPSHOT_INTERVAL + SNAPSHOT_INTERVAL - 1


def _subject(app: CustomerIntelligence, kind: str, events: int, repeats: int) -> Subject:
    def write(size: int) -> UUID:
        if kind == "customer":
            return write_long_history(app, size, desc=f"customer, {size:,} events")
        if kind == "sale":
            return _long_sale(app, size)
        return _long_trail(app, size)
    return Subject(kind, events, read=write(events),
                   commanded=write(_commanded_from(events, repeats)))


def _commanded_from(events: int, repeats: int) -> int:
    """Where the commanded aggregate starts: at the size, unless its commands would reach
    the next snapshot, then as far before the size as there are commands (so the worst
    case stays one: every command replays almost a whole interval)."""
    commands = repeats + 1
    if events % SNAPSHOT_INTERVAL + commands < SNAPSHOT_INTERVAL:
        return events
    return max(2, events - commands)


def _long_sale(app: CustomerIntelligence, events: int) -> UUID:
    """A sale with `events` events: opened, then quoted again and again."""
    customer_id = write_long_history(app, 2, desc="buyer")
    sale: Sale = app.get_sale(app.open_sale(customer_id=customer_id, model=_MODEL,
                                            meta=META).id)
    while sale.version < events:
        for _ in range(min(_SAVE_EVERY, events - sale.version)):
            sale.quote(price=_PRICE, discount=Money.zero(), incentives=Money.zero(), meta=META)
        app.save(sale)
    return sale.id


def _long_trail(app: CustomerIntelligence, events: int) -> UUID:
    """The access trail of a subject looked at `events - 1` times; the subject's id."""
    subject_id = uuid4()
    trail = AccessTrail.open(subject_id=subject_id, meta=META)
    while trail.version < events:
        for _ in range(min(_SAVE_EVERY, events - trail.version)):
            trail.record(role="auditor", action="history", subject_kind="customers",
                         reason="bench", meta=META)
        app.save(trail)
    return subject_id


def _aggregate_id(subject: Subject) -> UUID:
    return AccessTrail.id_for(subject.read) if subject.kind == "trail" else subject.read


def _paths(app: CustomerIntelligence, without: CustomerIntelligence,
           conn: psycopg.Connection[Any], subject: Subject) -> dict[str, Callable[[], object]]:
    aggregate_id = _aggregate_id(subject)
    stored = _stored_rows(app, aggregate_id)

    def command() -> object:
        if subject.kind == "customer":
            return app.record_touchpoint(subject.commanded, kind=TouchpointKind.CALL,
                                         channel=Channel.PHONE, note="bench", meta=META)
        if subject.kind == "trail":  # an auditor's look, recorded on the subject's trail
            return app.record_access(subject.commanded, subject_kind="customers",
                                     action="history", role="auditor", reason="bench",
                                     meta=META)
        return app.quote_sale(subject.commanded, price=_PRICE, discount=Money.zero(),
                              incentives=Money.zero(), meta=META)

    return {
        "select": lambda: _raw_select(app, conn, aggregate_id),
        "decode": lambda: [app.mapper.to_domain_event(row) for row in stored],
        "no_snapshots": lambda: without.repository.get(aggregate_id),
        "library": lambda: _library_load(app, aggregate_id),
        "load": lambda: app.repository.get(aggregate_id),
        "command": command,
    }


def _over_an_interval(subject: Subject, command: Callable[[], object], clock: CallCPU) -> None:
    """A whole snapshot interval of commands in a row: exactly one of them takes a
    snapshot (the library takes it in the command, after the write), so their mean is
    what a command costs with the snapshots' share included."""
    cpu, start = clock.now_ms(), time.perf_counter()
    for _ in range(SNAPSHOT_INTERVAL):
        command()
    subject.took["interval"] = [(time.perf_counter() - start) * 1000 / SNAPSHOT_INTERVAL]
    subject.cpu["interval"] = [(clock.now_ms() - cpu) / SNAPSHOT_INTERVAL]


def _library_load(app: CustomerIntelligence, aggregate_id: UUID) -> Aggregate:
    library: ProjectorFunction[Any, Any] = project_aggregate
    loaded: Aggregate = app.repository.get(aggregate_id, projector_func=library)
    return loaded


def _stored_rows(app: CustomerIntelligence, aggregate_id: UUID) -> list[StoredEvent]:
    """What a load reads: the latest snapshot, then the events after it."""
    snapshots = _snapshot_store(app).recorder.select_events(aggregate_id, desc=True, limit=1)
    after = snapshots[0].originator_version if snapshots else None
    return [*snapshots, *app.recorder.select_events(aggregate_id, gt=after)]


def _snapshot_store(app: CustomerIntelligence) -> EventStore[UUID]:
    if app.snapshots is None:
        raise RuntimeError("the application takes no snapshots")
    return app.snapshots


_LATEST_SNAPSHOT = sql.SQL(
    "SELECT originator_version, topic, state FROM {} "
    "WHERE originator_id = %s ORDER BY originator_version DESC LIMIT 1")
_EVENTS_AFTER = sql.SQL(
    "SELECT originator_version, topic, state FROM {} "
    "WHERE originator_id = %s AND originator_version > %s ORDER BY originator_version")


def _raw_select(app: CustomerIntelligence, conn: psycopg.Connection[Any],
                aggregate_id: UUID) -> object:
    """The same rows by two plain statements, nothing decoded."""
    snapshots = sql.Identifier(_snapshot_store(app).recorder.events_table_name)  # type: ignore[attr-defined]
    events = sql.Identifier(app.recorder.events_table_name)  # type: ignore[attr-defined]
    latest = conn.execute(_LATEST_SNAPSHOT.format(snapshots), (aggregate_id,)).fetchall()
    after = latest[0][0] if latest else 0
    rows = conn.execute(_EVENTS_AFTER.format(events), (aggregate_id, after)).fetchall()
    conn.commit()
    return rows


def _report(subjects: list[Subject], sizes: list[int], largest: int, repeats: int,
            counts_server: bool) -> Report:
    report = Report("replay", {"sizes": sizes, "repeats": repeats,
                               "snapshot_interval": SNAPSHOT_INTERVAL,
                               "cpu_counts_postgres": counts_server})
    cpu_of = "this process and its Postgres backends" if counts_server else "this process"
    for kind in KINDS:
        of_kind = [s for s in subjects if s.kind == kind]
        wall = report.section(
            f"{kind} load by history, wall ms, median of {repeats} interleaved rounds "
            f"(a snapshot every {SNAPSHOT_INTERVAL} events)")
        rows = {s.events: _size_rows(wall, s, PATHS, Subject.median) for s in of_kind}
        cpu = report.section(f"{kind} load by history, CPU ms of {cpu_of}, mean of "
                             f"{repeats} rounds")
        cpu_rows = {s.events: _size_rows(cpu, s, CPU_PATHS, Subject.mean_cpu, " (CPU)")
                    for s in of_kind}
        targets = report.section(f"{kind}: long histories next to {sizes[0]} events "
                                 "(target: within 2x)")
        for events in sorted({largest, _worst_case(largest)}):
            _targets(targets, kind, rows[sizes[0]], rows[events], sizes[0], events)
            _targets(targets, kind, cpu_rows[sizes[0]], cpu_rows[events], sizes[0], events,
                     " (CPU)")
        _snapshot_share(report, next(s for s in of_kind if s.events == largest),
                         rows[largest], cpu_rows[largest])
        for label, key in PATHS:
            report.chart(Series("load-by-history", "line", f"{kind}: {label}", "events", "ms",
                                [(s.events, s.median(key)) for s in of_kind]))
    return report


def _snapshot_share(report: Report, subject: Subject, wall: dict[str, Row],
                    cpu: dict[str, Row]) -> None:
    section = report.section(f"{subject.kind}, {subject.events:,} events: a command with the "
                             "snapshots' share, mean of one interval")
    label = f"{subject.kind}, {subject.events:,} events: load + command, mean of " \
            f"{SNAPSHOT_INTERVAL} in a row (one takes a snapshot)"
    section.add(label, subject.took["interval"][0], "ms", baseline=wall["command"])
    section.add(f"{label} (CPU)", subject.cpu["interval"][0], "ms", baseline=cpu["command"])


def _size_rows(section: Section, subject: Subject, paths: tuple[tuple[str, str], ...],
               figure: Callable[[Subject, str], float], suffix: str = "") -> dict[str, Row]:
    prefix = f"{subject.kind}, {subject.events:,} events:"
    (select_label, select_key), *rest = paths
    select = section.add(f"{prefix} {select_label}{suffix}", figure(subject, select_key), "ms")
    rows = {select_key: select}
    for label, key in rest:
        rows[key] = section.add(f"{prefix} {label}{suffix}", figure(subject, key), "ms",
                                baseline=select)
    return rows


def _targets(section: Section, kind: str, small: dict[str, Row], large: dict[str, Row],
             small_events: int, large_events: int, suffix: str = "") -> None:
    note = ("" if large_events % SNAPSHOT_INTERVAL == 0 else
            f"the worst case: {large_events % SNAPSHOT_INTERVAL} events after the snapshot")
    for key, label in (("load", "load"), ("command", "load + command"),
                       ("library", "load, the library's replay")):
        # The target is ours; the library's replay is shown beside it for comparison.
        target = None if key == "library" else Target("<=", 2.0)
        section.add(f"{kind} {label}, {large_events:,} vs {small_events} events{suffix}",
                    large[key].value, "ms", baseline=small[key], target=target, note=note)
