"""Composition root of a projector process: its read models, each in its own thread.

Each read model is projected by one process at a time: a Postgres advisory lock per
model elects it, so more projector processes are hot standbys, not double writers.
The read models of a process follow the log through one `LogFeed` (one LISTEN, one
read of each new page for all of them). `cis up` runs them all in one process: live,
that costs less CPU per command than a process each (`cis bench fan-out`); a process
each catches up about twice as fast on two cores after a long stop, since threads of
one process share one core (`cis project run NAME` runs one).

A read model that fails never takes the process (or the other read models) down: it
stops at the event it cannot project (its position just before it), records the stall
in Postgres for `/ready`, `/metrics` and `cis project status`, logs one line naming
the event, and tries again with exponential back-off (1 s .. 60 s) until it passes, a
fixed version of the code is deployed, or an operator skips the event.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Sequence

import psycopg
import structlog

from adapters.backoff import Backoff
from adapters.settings import ResolvedSettings
from adapters.shutdown import on_stop_signal
from application.services import CustomerIntelligence
from entrypoints.bootstrap import build_application, build_projector
from projections import stall
from projections.base import ReadModel
from projections.following import LogFeed
from projections.registry import READ_MODELS
from projections.runner import INFRASTRUCTURE_ERRORS, PoisonEvent, PositionMoved

__all__ = ["main", "project"]

log = structlog.get_logger()


def main(settings: ResolvedSettings, models: Sequence[ReadModel] = READ_MODELS) -> None:
    stopping = threading.Event()
    on_stop_signal(stopping.set)  # each read model ends its batch, commits and stops
    project(settings, models, stopping)


def project(settings: ResolvedSettings, models: Sequence[ReadModel], stopping: threading.Event,
            *, backoff: Backoff | None = None) -> None:
    """Project `models` until `stopping` is set, each in a thread of its own."""
    app = build_application(settings, pool_size=2 + 2 * len(models))
    feed = LogFeed(app.recorder)  # one live read of the log for all of them
    template = backoff or Backoff(first=1.0, cap=60.0)
    threads = [threading.Thread(
        target=_run_while_elected, name=f"project-{m.name}",
        args=(settings, app, feed, m, stopping, Backoff(template.first, template.cap)))
        for m in models]
    for thread in threads:
        thread.start()
    log.info("projectors started", read_models=[m.name for m in models])
    for thread in threads:
        thread.join()
    app.close()
    log.info("projectors stopped")


def _run_while_elected(settings: ResolvedSettings, app: CustomerIntelligence, feed: LogFeed,
                       model: ReadModel, stopping: threading.Event, backoff: Backoff) -> None:
    while not stopping.is_set():
        try:
            with psycopg.connect(settings.database_url, autocommit=True) as lock_conn:
                if _elected(lock_conn, model, stopping):
                    _project_with_retries(settings, app, feed, model, stopping, backoff)
        except INFRASTRUCTURE_ERRORS as error:
            # Postgres went away (or the lock connection did): wait, then start over.
            delay = backoff.next_delay()
            log.error("read model cannot reach Postgres; retrying", read_model=model.name,
                      error=type(error).__name__, retry_in_seconds=delay)
            stopping.wait(delay)


def _elected(lock_conn: psycopg.Connection[tuple[object, ...]], model: ReadModel,
             stopping: threading.Event) -> bool:
    key = zlib.crc32(f"cis-projector:{model.name}".encode())
    while not stopping.is_set():
        if lock_conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:  # type: ignore[index]
            return True
        stopping.wait(2.0)  # another process projects this model; stand by
    return False


def _project_with_retries(settings: ResolvedSettings, app: CustomerIntelligence,
                          feed: LogFeed, model: ReadModel, stopping: threading.Event,
                          backoff: Backoff) -> None:
    while not stopping.is_set():
        projector = build_projector(settings, model, app, feed=feed)
        try:
            projector.run(stopping, on_batch=lambda _position, _count: backoff.reset())
        except PositionMoved:
            log.info("read model's position was moved (a rebuild swapped in, or an event "
                     "skipped); going on from there", read_model=model.name)
        except PoisonEvent as poison:
            _stalled(settings, model, poison.position, poison.event_type, poison.error_class,
                     backoff, stopping)
        except INFRASTRUCTURE_ERRORS:
            raise  # the caller waits and reconnects, lock and all
        except Exception as error:  # noqa: BLE001 - a failure not tied to one event
            _stalled(settings, model, None, None, type(error).__name__, backoff, stopping)
        finally:
            projector.tracking.datastore.close()


def _stalled(settings: ResolvedSettings, model: ReadModel, position: int | None,
             event_type: str | None, error: str, backoff: Backoff,
             stopping: threading.Event) -> None:
    """Record and log the stall (never a value of the event), then wait before retrying."""
    delay = backoff.next_delay()
    attempts: int | None = None
    try:
        with psycopg.connect(settings.database_url, autocommit=True, connect_timeout=5) as conn:
            attempts = stall.record_failure(conn, model.name, position, event_type, error).attempts
    except psycopg.Error as unrecorded:
        log.warning("could not record the stall", read_model=model.name,
                    error=type(unrecorded).__name__)
    log.error("read model stalled", read_model=model.name, position=position,
              event_type=event_type, error=error, attempts=attempts, retry_in_seconds=delay)
    stopping.wait(delay)
