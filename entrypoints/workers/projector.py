"""Composition root of the projector process: runs every projection until stopped."""

from __future__ import annotations

import signal
import threading
from contextlib import ExitStack

import structlog
from eventsourcing.projection import ProjectionRunner

from adapters.postgres.config import eventsourcing_env
from adapters.settings import Settings
from application.services import CustomerIntelligence
from projections.registry import PROJECTIONS

__all__ = ["main"]

log = structlog.get_logger()


def main(settings: Settings) -> None:
    assert settings.database_url
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    env = eventsourcing_env(settings.database_url, master_key=settings.master_key,
                            pool_size=2, max_overflow=2)
    with ExitStack() as stack:
        runners = [
            stack.enter_context(
                ProjectionRunner(
                    application_class=CustomerIntelligence,
                    projection_class=projection,
                    view_class=view,
                    env=env,
                )
            )
            for projection, view in PROJECTIONS
        ]
        log.info("projectors started", projections=[p.name for p, _ in PROJECTIONS])
        while not stopping.is_set():
            for runner in runners:
                # Re-raises a projection's error, so a broken projector stops loudly.
                runner.run_forever(timeout=0.2)
    log.info("projectors stopped")
