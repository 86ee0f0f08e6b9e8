"""`cis project status`, `cis project rebuild NAME` and `cis project skip NAME`."""

from __future__ import annotations

import multiprocessing
import sys
import threading
import time
from collections.abc import Sequence
from multiprocessing.process import BaseProcess

import psycopg
import structlog
from tqdm import tqdm

from adapters.nats.relay import RELAY
from adapters.postgres.position_feed import SWAPPED
from adapters.settings import ResolvedSettings
from application.services import APPLICATION_NAME, CustomerIntelligence
from entrypoints.bootstrap import build_application, build_projector, create_read_model
from projections.base import ReadModel, schema_of
from projections.partition import CustomerPartition
from projections.registry import READ_MODELS, read_model
from projections.runner import POSITIONS_CHANNEL, BatchProjector
from projections.stall import record_skip, stalls

__all__ = ["SkipRefused", "rebuild", "skip", "status"]

log = structlog.get_logger()


def status(settings: ResolvedSettings) -> None:
    """Each read model's position, the log head and the lag, as a table."""
    with psycopg.connect(settings.database_url) as conn:
        head = conn.execute("SELECT coalesce(max(notification_id), 0) FROM cis_events"
                            ).fetchone()[0]  # type: ignore[index]
        stalled = {s.read_model: s for s in stalls(conn)}
        print(f"{'read model':<14} {'position':>10} {'head':>10} {'lag':>8}  state")
        for model in READ_MODELS:
            position = _position(conn, model.name)
            found = stalled.get(model.name)
            state = "ok" if found is None else (
                f"STALLED at {found.position} ({found.event_type}): {found.error}, "
                f"{found.attempts} attempts since {found.since:%Y-%m-%d %H:%M:%S %Z}"
                if found.position is not None else
                f"STALLED: {found.error}, {found.attempts} attempts since "
                f"{found.since:%Y-%m-%d %H:%M:%S %Z}")
            print(f"{model.name:<14} {position:>10} {head:>10} {head - position:>8}  {state}")


class SkipRefused(Exception):
    """`cis project skip` was asked for something it must not do; says why."""


def skip(settings: ResolvedSettings, name: str, position: int, *, by: str, reason: str) -> None:
    """Let read model `name` (or the relay) pass over the event at `position` from now on
    (and in every rebuild). The event stays in the log; the skip is recorded with who, when and why.
    If the read model stands right before the event, its position moves past it now."""
    if name == RELAY:
        tracking = f"{RELAY}_tracking"  # in the event store's schema
    else:
        model = read_model(name)
        tracking = f"{schema_of(model.name)}.{model.name}_tracking"
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute("SELECT topic FROM cis_events WHERE notification_id = %s",
                           (position,)).fetchone()
        if row is None:
            raise SkipRefused(f"there is no event at position {position}")
        event_type = str(row[0])
        # Locked, so the projector cannot commit past it meanwhile.
        now = conn.execute(f"SELECT notification_id FROM {tracking} "
                           "WHERE application_name = %s FOR UPDATE", (APPLICATION_NAME,)
                           ).fetchone()
        at = int(now[0]) if now else 0
        if at >= position:
            raise SkipRefused(f"{name} is at {at}, already past the event at {position}")
        record_skip(conn, name, position, event_type, by, reason)
        if at == position - 1:
            conn.execute(f"UPDATE {tracking} SET notification_id = %s "
                         "WHERE application_name = %s", (position, APPLICATION_NAME))
        conn.execute("DELETE FROM cis_read_model_stalls WHERE read_model = %s "
                     "AND position = %s", (name, position))
        conn.commit()
    # Who and what, not why: the reason is free text and stays in the table.
    log.warning("read model skips an event", read_model=name, position=position,
                event_type=event_type, skipped_by=by)


def rebuild(settings: ResolvedSettings, name: str, *, processes: int = 1) -> None:
    """Project from position 0 into fresh tables, then swap them in atomically.

    Readers keep reading the old tables until the swap; the swap renames schemas in one
    transaction while holding the old tracking row, so the live projector's next batch
    finds its position moved and follows the new tables from where the rebuild ended.
    With `processes` > 1, a read model partitioned by customer is caught up by that many
    processes, each taking the events of its share of the customers.
    """
    model = read_model(name)
    live, fresh = schema_of(name), schema_of(name, rebuild=True)
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {fresh} CASCADE")  # a rebuild that died
    create_read_model(settings, model, rebuild=True)
    app = build_application(settings, pool_size=3)
    projector = build_projector(settings, model, app, rebuild=True)
    try:
        if processes > 1 and model.partitioned_by_customer:
            _catch_up_in_partitions(settings, model, projector, app, processes)
        else:
            _catch_up(projector, app, name)
        _swap(settings, projector, app, live, fresh, name)
    finally:
        projector.tracking.datastore.close()
        app.close()


def _catch_up(projector: BatchProjector, app: CustomerIntelligence, name: str) -> None:
    head = app.recorder.max_notification_id() or 0
    started = time.monotonic()
    with tqdm(total=head, desc=f"rebuild {name}", unit="ev", unit_scale=True,
              file=sys.stderr) as bar:
        def advance(position: int, _count: int) -> None:
            bar.update(position - bar.n)

        projector.run(threading.Event(), until=head, on_batch=advance)
    _log_caught_up(name, head, started)


def _log_caught_up(name: str, head: int, started: float, **details: object) -> None:
    elapsed = time.monotonic() - started
    log.info("rebuild caught up", read_model=name, events=head, **details,
             seconds=round(elapsed, 1),
             events_per_second=round(head / elapsed) if elapsed else None)


def _catch_up_in_partitions(settings: ResolvedSettings, model: ReadModel,
                            projector: BatchProjector, app: CustomerIntelligence,
                            processes: int) -> None:
    """Each partition in a process of its own, up to the head as it is now; then the
    read model takes over their common position (the rest is caught up by `_swap`)."""
    head = app.recorder.max_notification_id() or 0
    started = time.monotonic()
    spawn = multiprocessing.get_context("spawn")  # fresh interpreters, not forks of threads
    workers = [spawn.Process(target=_project_partition, name=f"rebuild-{model.name}-{index}",
                             args=(settings, model.name, index, processes, head))
               for index in range(processes)]
    for worker in workers:
        worker.start()
    try:
        _show_progress(settings, model.name, workers, head)
    finally:
        for worker in workers:
            worker.join()
    failed = [w.name for w in workers if w.exitcode != 0]
    if failed:
        raise RuntimeError(f"rebuild of {model.name} failed in {', '.join(failed)}; "
                           "the live tables are untouched")
    projector.merge_partitions(processes, head)
    _log_caught_up(model.name, head, started, processes=processes)


def _project_partition(settings: ResolvedSettings, name: str, index: int, count: int,
                       head: int) -> None:
    """In a worker process: one partition of the rebuild, from 0 to `head`."""
    app = build_application(settings, pool_size=2)
    partition = CustomerPartition(index, count,
                                  app.mapper_leaving_personal_data_sealed.to_domain_event)
    projector = build_projector(settings, read_model(name), app, rebuild=True,
                                partition=partition)
    try:
        projector.run(threading.Event(), until=head)
    finally:
        projector.tracking.datastore.close()
        app.close()


def _show_progress(settings: ResolvedSettings, name: str, workers: Sequence[BaseProcess],
                   head: int) -> None:
    """The slowest partition's position, until every worker has ended."""
    query = (f"SELECT count(*), min(notification_id) "
             f"FROM {schema_of(name, rebuild=True)}.{name}_tracking WHERE application_name LIKE %s")
    with tqdm(total=head, desc=f"rebuild {name} ({len(workers)} processes)", unit="ev",
              unit_scale=True, file=sys.stderr) as bar, \
            psycopg.connect(settings.database_url, autocommit=True) as conn:
        while any(worker.is_alive() for worker in workers):
            if any(worker.exitcode not in (None, 0) for worker in workers):
                for worker in workers:
                    worker.terminate()  # one failed: the rebuild fails, stop the others
                return
            time.sleep(0.5)
            row = conn.execute(query, (f"{APPLICATION_NAME}#%",)).fetchone()
            started = row is not None and row[0] == len(workers)
            bar.update((min(row[1], head) if row is not None and started else 0) - bar.n)


def _swap(settings: ResolvedSettings, projector: BatchProjector, app: CustomerIntelligence,
          live: str, fresh: str, name: str) -> None:
    with psycopg.connect(settings.database_url) as conn:
        # Hold the live position: the live projector cannot commit a batch meanwhile.
        conn.execute(f"SELECT 1 FROM {live}.{name}_tracking FOR UPDATE")
        head = app.recorder.max_notification_id() or 0
        projector.run(threading.Event(), until=head)
        conn.execute(f"ALTER SCHEMA {live} RENAME TO {live}_old")
        conn.execute(f"ALTER SCHEMA {fresh} RENAME TO {live}")
        # On commit: dashboards on the stream fetch again (new figures, same position).
        conn.execute("SELECT pg_notify(%s, %s)", (POSITIONS_CHANNEL, f"{name}:{head}:{SWAPPED}"))
        conn.commit()
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {live}_old CASCADE")
    log.info("rebuild swapped in", read_model=name, position=head)


def _position(conn: psycopg.Connection[tuple[object, ...]], name: str) -> int:
    row = conn.execute(f"SELECT notification_id FROM {schema_of(name)}.{name}_tracking "
                       "WHERE application_name = %s", (APPLICATION_NAME,)).fetchone()
    return int(row[0]) if row and row[0] is not None else 0  # type: ignore[call-overload]
