"""`cis bench catch-up`: read-model catch-up rate, side by side with baselines, one run.

Writes N events (customers with touchpoints, sealed personal data) into a fresh
database on the configured server, then measures, on the same machine in one run:
  * decode only: the application's mapper over every stored event (the ceiling);
  * library runner: eventsourcing's ProjectionRunner, one event per transaction,
    with a projection that only records its position (the library's own per-event cost),
    over the first 10,000 events;
  * our batch projector for each read model;
  * all read models catching up together, as after a restart: in one process (a thread
    each, as `cis project run` does) and in a process each (as `cis up` does);
  * `cis project rebuild` of each read model in one process and in partitions by
    customer, a process each (start-up and swap included).
"""

from __future__ import annotations

import multiprocessing
import threading
import time
import uuid
from typing import Any

import psycopg
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner
from eventsourcing.utils import EnvType
from tqdm import tqdm

from adapters.postgres.config import eventsourcing_env
from adapters.settings import ResolvedSettings
from application.services import APPLICATION_NAME, CustomerIntelligence
from domain.customer import Customer
from domain.customer_facts import Channel, TouchpointKind
from domain.ids import CustomerID
from domain.meta import EventMeta
from domain.values import Canton, Email, Language, PersonName, PostalCode
from entrypoints.benches.database import fresh_database
from entrypoints.benches.report import BenchOptions, Report, Target
from entrypoints.bootstrap import (
    build_application,
    build_projector,
    create_read_model,
    data_keys,
)
from entrypoints.migrate import migrate
from entrypoints.project_admin import rebuild
from projections.registry import READ_MODELS

__all__ = ["run", "write_demo_shaped"]

META = EventMeta(actor="bench", correlation_id="bench")
LIBRARY_RUNNER_EVENTS = 10_000
REBUILD_PROCESSES = 2  # the cores of the machines this was measured on


class PositionOnly(Projection[PostgresTrackingRecorder]):
    name = "bench_library_runner"

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)


def run(settings: ResolvedSettings, options: BenchOptions) -> Report:
    events = options.events or (20_000 if options.quick else 100_000)
    with fresh_database(settings) as own:
        return _measure(own, events, rebuilds=not options.quick)


def _measure(own: ResolvedSettings, events: int, *, rebuilds: bool) -> Report:
    migrate(own)
    app = build_application(own, pool_size=3)
    report = Report("catch-up", {"events": events})
    try:
        write_demo_shaped(app, events)
        head = app.recorder.max_notification_id() or 0
        rates = report.section(f"catch-up over {head:,} events, each read model alone")
        ceiling = rates.add("decode only (ceiling)", _decode_only(app), "events/s")
        library = rates.add("library ProjectionRunner", _library_runner(own, head), "events/s",
                            baseline=ceiling, note="one event per transaction")
        for model in READ_MODELS:
            rate = _ours(own, model, head)
            rates.add(f"batch projector: {model.name}", rate, "events/s", baseline=ceiling,
                      target=Target(">=", 0.5),
                      note=f"x{rate / library.value:.1f} the library runner")
        together = report.section(f"all {len(READ_MODELS)} read models catching up together "
                                  "(the rate each read model sees)")
        threads = together.add("one process, a thread each", _together(own, head, _in_threads),
                               "events/s")
        together.add("a process each", _together(own, head, _in_processes), "events/s",
                     baseline=threads)
        if rebuilds:
            _rebuilds(report, own, head)
    finally:
        app.close()
    return report


def _rebuilds(report: Report, own: ResolvedSettings, head: int) -> None:
    section = report.section(f"rebuild: one process, then {REBUILD_PROCESSES} processes "
                             "sharing the customers")
    for model in READ_MODELS:
        alone = section.add(f"{model.name}, 1 process", _rebuild(own, model.name, 1, head),
                            "events/s")
        section.add(f"{model.name}, {REBUILD_PROCESSES} processes",
                    _rebuild(own, model.name, REBUILD_PROCESSES, head), "events/s",
                    baseline=alone)


def write_demo_shaped(app: CustomerIntelligence, events: int) -> None:
    """Demo-shaped data: each customer registers, then has three touchpoints."""
    with tqdm(total=events, desc="writing", unit="ev", unit_scale=True) as bar:
        while bar.n < events:
            customers = [_customer(i) for i in range(250)]
            app.save(*customers)
            bar.update(sum(c.version for c in customers))


def _customer(i: int) -> Customer:
    customer = Customer.register(
        customer_id=CustomerID(uuid.uuid4()), name=PersonName.parse(f"Demo Kunde {i}"),
        email=Email.parse(f"demo{i}@example.ch"), postal_code=PostalCode.parse("8001"),
        canton=Canton.parse("ZH"), language=Language.DE, salesperson="bench", meta=META)
    for _ in range(3):
        customer.record_touchpoint(kind=TouchpointKind.CALL, channel=Channel.PHONE, note=None,
                                   meta=META)
    return customer


def _decode_only(app: CustomerIntelligence) -> float:
    notifications = app.recorder.select_notifications(start=0, limit=10**9,
                                                      inclusive_of_start=False)
    started = time.perf_counter()
    app.cipher.prefetch(n.originator_id for n in notifications
                        if isinstance(n.originator_id, uuid.UUID))
    for notification in notifications:
        app.mapper.to_domain_event(notification)
    return len(notifications) / (time.perf_counter() - started)


def _library_runner(own: ResolvedSettings, head: int) -> float:
    """Over the first 10,000 events at most: at its pace the whole log would take long."""
    env = eventsourcing_env(own.database_url, create_table=True)
    until = min(head, LIBRARY_RUNNER_EVENTS)

    class WithDataKeys(CustomerIntelligence):
        """The library's runner builds the application from an environment only."""

        name = APPLICATION_NAME  # else the library names it (and its tables) after the class

        def __init__(self, env: EnvType | None = None) -> None:
            super().__init__(env, cipher=data_keys(own))

    started = time.perf_counter()
    with ProjectionRunner(application_class=WithDataKeys, projection_class=PositionOnly,
                          view_class=PostgresTrackingRecorder, env=env) as runner:
        runner.wait(until, timeout=3600)
    return until / (time.perf_counter() - started)


def _rebuild(own: ResolvedSettings, name: str, processes: int, head: int) -> float:
    started = time.perf_counter()
    rebuild(own, name, processes=processes)
    return head / (time.perf_counter() - started)


def _together(own: ResolvedSettings, head: int, run: Any) -> float:
    """Every read model from position 0 into fresh (rebuild) tables, all at once."""
    for model in READ_MODELS:
        with psycopg.connect(own.database_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS rm_{model.name}_next CASCADE")
        create_read_model(own, model, rebuild=True)
    started = time.perf_counter()
    run(own, head)
    return head / (time.perf_counter() - started)


def _in_threads(own: ResolvedSettings, head: int) -> None:
    _project_fresh(own, [model.name for model in READ_MODELS], head)


def _in_processes(own: ResolvedSettings, head: int) -> None:
    spawn = multiprocessing.get_context("spawn")  # a new interpreter, as `cis up` starts
    workers = [spawn.Process(target=_project_fresh, args=(own, [model.name], head))
               for model in READ_MODELS]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
        if worker.exitcode != 0:
            raise RuntimeError(f"a bench projector process failed ({worker.exitcode})")


def _project_fresh(own: ResolvedSettings, names: list[str], head: int) -> None:
    """Project the named read models to `head` in this process, a thread each."""
    app = build_application(own, pool_size=2 * len(names))
    projectors = [build_projector(own, model, app, rebuild=True)
                  for model in READ_MODELS if model.name in names]
    threads = [threading.Thread(target=p.run, args=(threading.Event(),), kwargs={"until": head})
               for p in projectors]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        behind = [p.model.name for p in projectors if p.position() < head]
        if behind:
            raise RuntimeError(f"did not reach position {head}: {', '.join(behind)}")
    finally:
        for projector in projectors:
            projector.tracking.datastore.close()
        app.close()


def _ours(own: ResolvedSettings, model: Any, head: int) -> float:
    app = build_application(own, pool_size=2)
    projector = build_projector(own, model, app)
    try:
        with tqdm(total=head, desc=model.name, unit="ev", unit_scale=True) as bar:
            started = time.perf_counter()
            projector.run(threading.Event(), until=head,
                          on_batch=lambda position, _n: bar.update(position - bar.n))
            return head / (time.perf_counter() - started)
    finally:
        projector.tracking.datastore.close()
        app.close()
