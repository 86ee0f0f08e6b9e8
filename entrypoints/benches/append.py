"""`cis bench append`: single-event commands from 1 and from 16 writer processes, next to
the physical limits of the same server measured in the same run on the same fresh
database: one-row INSERT transactions from 1 and 16 clients, batched INSERTs and COPY.

The command is a real use case: a touchpoint recorded on an existing customer through
`CustomerIntelligence` (load, decide, seal, write; no HTTP). Each writer process has
customers of its own, so writers do not conflict and histories stay short (the cost
of long histories is `cis bench replay`'s). The baselines write rows of the size of
the stored touchpoint into a table shaped like the events table
(`entrypoints/benches/append_clients.py`). Every phase runs for the same time from a
barrier; events/s counts what committed in it. The whole machine's CPU per event
(`/proc/stat`, every process) is reported next to it.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.synchronize import Barrier
from typing import Any
from uuid import UUID, uuid4

import psycopg
from eventsourcing.persistence import StoredEvent

from adapters.settings import ResolvedSettings
from application.services import CustomerIntelligence
from domain.customer_facts import Channel, TouchpointKind
from domain.meta import EventMeta
from domain.values import Canton, Email, Language, PersonName, PostalCode
from entrypoints.benches.append_clients import (
    Payload,
    batched_client,
    copy_client,
    create_baseline_table,
    one_row_client,
    until_deadline,
)
from entrypoints.benches.database import fresh_database
from entrypoints.benches.report import BenchOptions, Report, Target
from entrypoints.bootstrap import build_application
from entrypoints.migrate import migrate

__all__ = ["run"]

META = EventMeta(actor="bench", correlation_id="bench")
MANY = 16  # writer processes, and raw clients
CUSTOMERS_EACH = 4  # customers of each writer, touched in turn
SECONDS = 10.0
QUICK_SECONDS = 3.0
Client = Callable[[Any, Payload, Barrier, float, int | None], tuple[int, float]]


@dataclass(frozen=True)
class Rate:
    events: int
    seconds: float
    cpu_seconds: float  # the whole machine's, every process

    @property
    def per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_event(self) -> float:
        return 1000 * self.cpu_seconds / self.events if self.events else 0.0


def run(settings: ResolvedSettings, options: BenchOptions) -> Report:
    seconds = QUICK_SECONDS if options.quick else SECONDS
    limit = None if options.events is None else max(1, options.events // MANY)
    with fresh_database(settings) as own:
        migrate(own)
        payload = _stored_touchpoint(own)
        create_baseline_table(own.database_url)
        rates = {
            "raw_1": _clients(one_row_client, own.database_url, payload, 1, seconds, limit),
            "ours_1": _writers(own, 1, seconds, limit),
            "raw_many": _clients(one_row_client, own.database_url, payload, MANY, seconds,
                                 limit),
            "ours_many": _writers(own, MANY, seconds, limit),
            "recorder_many": _clients(recorder_writer, own, payload, MANY, seconds, limit),
            "batched": _clients(batched_client, own.database_url, payload, 1, seconds, limit),
            "copy": _clients(copy_client, own.database_url, payload, 1, seconds, limit),
        }
    return _report(rates, seconds, len(payload.state))


def _stored_touchpoint(own: ResolvedSettings) -> Payload:
    """A touchpoint written by our path, as it is stored: the baselines' row."""
    cis = build_application(own, pool_size=1)
    try:
        customer = _register(cis)
        cis.record_touchpoint(customer, kind=TouchpointKind.CALL, channel=Channel.PHONE,
                              note="bench", meta=META)
        table = cis.recorder.events_table_name  # type: ignore[attr-defined]
    finally:
        cis.close()
    with psycopg.connect(own.database_url) as conn:
        row = conn.execute(f"SELECT topic, state FROM {table} "
                           "ORDER BY notification_id DESC LIMIT 1").fetchone()
    if row is None:
        raise RuntimeError("the touchpoint just written is not in the events table")
    return Payload(row[0], bytes(row[1]))


def _register(cis: CustomerIntelligence) -> UUID:
    return cis.register_customer(
        name=PersonName.parse("Bench Kunde"), email=Email.parse("bench@example.ch"),
        postal_code=PostalCode.parse("8001"), canton=Canton.parse("ZH"),
        language=Language.parse("de"), salesperson="bench", meta=META).id


def command_writer(own: ResolvedSettings, payload: Payload, start: Barrier, seconds: float,
                   limit: int | None) -> tuple[int, float]:
    """One writer process: single-event commands on its own customers, one at a time."""
    del payload  # the command makes its own event
    cis = build_application(own, pool_size=1)
    try:
        customers = [_register(cis) for _ in range(CUSTOMERS_EACH)]
        def write(n: int) -> int:
            cis.record_touchpoint(customers[n % CUSTOMERS_EACH], kind=TouchpointKind.CALL,
                                  channel=Channel.PHONE, note="bench", meta=META)
            return 1
        return until_deadline(start, seconds, limit, write)
    finally:
        cis.close()


def recorder_writer(own: ResolvedSettings, payload: Payload, start: Barrier, seconds: float,
                    limit: int | None) -> tuple[int, float]:
    """One writer process through our recorder alone (its transaction, no command): the
    write path's own cost, the baseline's row."""
    cis = build_application(own, pool_size=1)
    originator = uuid4()
    try:
        def write(n: int) -> int:
            cis.recorder.insert_events([StoredEvent(originator, n + 1, payload.topic,
                                                    payload.state)])
            return 1
        return until_deadline(start, seconds, limit, write)
    finally:
        cis.close()


def _writers(own: ResolvedSettings, count: int, seconds: float, limit: int | None) -> Rate:
    return _clients(command_writer, own, Payload("", b""), count, seconds, limit)


def _clients(client: Client, target: Any, payload: Payload, count: int, seconds: float,
             limit: int | None) -> Rate:
    """`count` processes of `client`, released together; their rows over the longest's time."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(count + 1)
    results = context.Queue()
    processes = [context.Process(target=_report_to, args=(results, client, target, payload,
                                                          start, seconds, limit))
                 for _ in range(count)]
    for process in processes:
        process.start()
    try:
        start.wait(timeout=120)
        with _machine_cpu() as cpu:
            outcomes = [results.get(timeout=seconds + 120) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=30)
    failures = [outcome for outcome in outcomes if isinstance(outcome, str)]
    if failures:
        raise RuntimeError(f"a bench client failed: {failures[0]}")
    done = [outcome for outcome in outcomes if not isinstance(outcome, str)]
    return Rate(sum(rows for rows, _ in done), max(took for _, took in done), cpu[0])


def _report_to(results: Any, client: Client, target: Any, payload: Payload, start: Barrier,
               seconds: float, limit: int | None) -> None:
    try:
        results.put(client(target, payload, start, seconds, limit))
    except Exception as error:  # noqa: BLE001 - the parent names it and fails the bench
        start.abort()
        results.put(f"{type(error).__name__}: {error}")


@contextmanager
def _machine_cpu() -> Iterator[list[float]]:
    """The CPU seconds every process of the machine spent inside the block."""
    spent = [0.0]
    before = _busy_jiffies()
    yield spent
    spent[0] = (_busy_jiffies() - before) / os.sysconf("SC_CLK_TCK")


def _busy_jiffies() -> int:
    with open("/proc/stat") as stat:
        fields = [int(field) for field in stat.readline().split()[1:]]
    return sum(fields) - fields[3] - fields[4]  # all but idle and iowait


def _report(rates: dict[str, Rate], seconds: float, state_bytes: int) -> Report:
    report = Report("append", {"seconds_each": seconds, "writers": MANY,
                               "state_bytes": state_bytes, "cpus": os.cpu_count()})
    section = report.section(f"appends: events/s, {seconds:g} s each, rows of {state_bytes} "
                             "bytes")
    raw_1 = section.add("raw: one-row INSERT, 1 client", rates["raw_1"].per_second, "events/s")
    raw_many = section.add(f"raw: one-row INSERT, {MANY} clients",
                           rates["raw_many"].per_second, "events/s")
    section.add("raw: batched INSERT, 1 client", rates["batched"].per_second, "events/s",
                note="rows a statement: see append_clients.BATCH_ROWS")
    section.add("raw: COPY, 1 client", rates["copy"].per_second, "events/s")
    section.add("ours: single-event command, 1 writer", rates["ours_1"].per_second,
                "events/s", baseline=raw_1)
    section.add(f"ours: single-event command, {MANY} writers", rates["ours_many"].per_second,
                "events/s", baseline=raw_many, target=Target(">=", 0.75))
    section.add(f"ours: recorder alone (no command), {MANY} writers",
                rates["recorder_many"].per_second, "events/s", baseline=raw_many,
                note="the write path's transaction without the command's Python")
    cpu = report.section("whole machine CPU per event (every process)")
    raw_cpu = cpu.add(f"CPU: raw one-row INSERT, {MANY} clients",
                      rates["raw_many"].cpu_ms_per_event, "ms/event")
    cpu.add(f"CPU: ours, single-event command, {MANY} writers",
            rates["ours_many"].cpu_ms_per_event, "ms/event", baseline=raw_cpu)
    return report
