"""Composition root of a projector process: its read models, each in its own thread.

Each read model is projected by one process at a time: a Postgres advisory lock per
model elects it, so more projector processes are hot standbys, not double writers.
Threads of one process share one core (the GIL): `cis up` starts a process per read
model, which catches all of them up about twice as fast on two cores.
"""

from __future__ import annotations

import signal
import threading
import zlib
from collections.abc import Sequence

import psycopg
import structlog

from adapters.settings import Settings
from entrypoints.bootstrap import build_application, build_projector
from projections.base import ReadModel
from projections.registry import READ_MODELS
from projections.runner import PositionMoved

__all__ = ["main"]

log = structlog.get_logger()


def main(settings: Settings, models: Sequence[ReadModel] = READ_MODELS) -> None:
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    app = build_application(settings, pool_size=2 + 2 * len(models))
    failures: list[BaseException] = []
    threads = [threading.Thread(target=_guarded, args=(settings, app, m, stopping, failures),
                                name=f"project-{m.name}") for m in models]
    for thread in threads:
        thread.start()
    log.info("projectors started", read_models=[m.name for m in models])
    while not stopping.wait(0.5):
        if failures:
            stopping.set()
    for thread in threads:
        thread.join()
    app.close()
    if failures:
        raise SystemExit(f"projector failed: {type(failures[0]).__name__}: {failures[0]}")
    log.info("projectors stopped")


def _guarded(settings: Settings, app: object, model: ReadModel, stopping: threading.Event,
             failures: list[BaseException]) -> None:
    try:
        _run_while_elected(settings, app, model, stopping)
    except BaseException as error:
        log.error("read model failed", read_model=model.name, error=type(error).__name__,
                  exc_info=error)
        failures.append(error)


def _run_while_elected(settings: Settings, app: object, model: ReadModel,
                       stopping: threading.Event) -> None:
    assert settings.database_url
    with psycopg.connect(settings.database_url, autocommit=True) as lock_conn:
        key = zlib.crc32(f"cis-projector:{model.name}".encode())
        while not stopping.is_set():
            if lock_conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:  # type: ignore[index]
                break
            stopping.wait(2.0)  # another process projects this model; stand by
        while not stopping.is_set():
            projector = build_projector(settings, model, app)  # type: ignore[arg-type]
            try:
                projector.run(stopping)
            except PositionMoved:
                log.info("read model was rebuilt; following the new tables", read_model=model.name)
            finally:
                projector.tracking.datastore.close()
