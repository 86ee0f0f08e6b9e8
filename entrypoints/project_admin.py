"""`cis project status` and `cis project rebuild NAME`."""

from __future__ import annotations

import sys
import threading
import time

import psycopg
import structlog
from tqdm import tqdm

from adapters.settings import Settings
from application.services import APPLICATION_NAME
from entrypoints.bootstrap import build_application, build_projector, create_read_model
from projections.base import schema_of
from projections.registry import READ_MODELS, read_model

__all__ = ["rebuild", "status"]

log = structlog.get_logger()


def status(settings: Settings) -> None:
    """Each read model's position, the log head and the lag, as a table."""
    assert settings.database_url
    with psycopg.connect(settings.database_url) as conn:
        head = conn.execute("SELECT coalesce(max(notification_id), 0) FROM cis_events"
                            ).fetchone()[0]  # type: ignore[index]
        print(f"{'read model':<14} {'position':>10} {'head':>10} {'lag':>8}")
        for model in READ_MODELS:
            position = _position(conn, model.name)
            print(f"{model.name:<14} {position:>10} {head:>10} {head - position:>8}")


def rebuild(settings: Settings, name: str) -> None:
    """Project from position 0 into fresh tables, then swap them in atomically.

    Readers keep reading the old tables until the swap; the swap renames schemas in one
    transaction while holding the old tracking row, so the live projector's next batch
    finds its position moved and follows the new tables from where the rebuild ended.
    """
    assert settings.database_url
    model = read_model(name)
    live, fresh = schema_of(name), schema_of(name, rebuild=True)
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {fresh} CASCADE")  # a rebuild that died
    create_read_model(settings, model, rebuild=True)
    app = build_application(settings, pool_size=3)
    projector = build_projector(settings, model, app, rebuild=True)
    try:
        _catch_up(projector, app, name)
        _swap(settings, projector, app, live, fresh, name)
    finally:
        projector.tracking.datastore.close()
        app.close()


def _catch_up(projector: object, app: object, name: str) -> None:
    head = app.recorder.max_notification_id() or 0  # type: ignore[attr-defined]
    started = time.monotonic()
    with tqdm(total=head, desc=f"rebuild {name}", unit="ev", unit_scale=True,
              file=sys.stderr) as bar:
        def advance(position: int, _count: int) -> None:
            bar.update(position - bar.n)

        projector.run(threading.Event(), until=head, on_batch=advance)  # type: ignore[attr-defined]
    elapsed = time.monotonic() - started
    log.info("rebuild caught up", read_model=name, events=head,
             seconds=round(elapsed, 1), events_per_second=round(head / elapsed) if elapsed else None)


def _swap(settings: Settings, projector: object, app: object, live: str, fresh: str,
          name: str) -> None:
    assert settings.database_url
    with psycopg.connect(settings.database_url) as conn:
        # Hold the live position: the live projector cannot commit a batch meanwhile.
        conn.execute(f"SELECT 1 FROM {live}.{name}_tracking FOR UPDATE")
        head = app.recorder.max_notification_id() or 0  # type: ignore[attr-defined]
        projector.run(threading.Event(), until=head)  # type: ignore[attr-defined]
        conn.execute(f"ALTER SCHEMA {live} RENAME TO {live}_old")
        conn.execute(f"ALTER SCHEMA {fresh} RENAME TO {live}")
        conn.commit()
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {live}_old CASCADE")
    log.info("rebuild swapped in", read_model=name, position=head)


def _position(conn: psycopg.Connection[tuple[object, ...]], name: str) -> int:
    row = conn.execute(f"SELECT notification_id FROM {schema_of(name)}.{name}_tracking "
                       "WHERE application_name = %s", (APPLICATION_NAME,)).fetchone()
    return int(row[0]) if row and row[0] is not None else 0  # type: ignore[call-overload]
