"""A Postgres of the test's own, to stop or pause without harming other tests."""

from __future__ import annotations

import dataclasses
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from adapters.embedded.postgres import start_postgres
from adapters.embedded.process import ServerProcess
from adapters.settings import Settings
from entrypoints.migrate import migrate


@pytest.fixture
def own_postgres(settings: Settings, tmp_path: Path) -> Iterator[tuple[Settings, ServerProcess]]:
    server, url = start_postgres(tmp_path)
    own = dataclasses.replace(settings, database_url=url)
    migrate(own)
    yield own, server
    if server.process.poll() is None:  # the test may have stopped it already
        os.killpg(server.process.pid, signal.SIGCONT)  # never leave it paused
    server.stop()


@contextmanager
def paused(server: ServerProcess) -> Iterator[None]:
    """Postgres stalled (postmaster and every backend stopped), as a swapping or frozen
    host looks: connections stay open, nothing answers."""
    os.killpg(server.process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(server.process.pid, signal.SIGCONT)
