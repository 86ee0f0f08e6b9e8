"""A Postgres of the test's own, to stop or pause without harming other tests."""

from __future__ import annotations

import dataclasses
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psutil
import pytest

from adapters.embedded.postgres import start_postgres
from adapters.embedded.process import ServerProcess
from adapters.settings import Settings
from entrypoints.migrate import migrate


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Fault tests measure what users see under load and stalls (timeouts, 503s): they
    run on their own, after the rest (`make test`), not beside another test process."""
    for item in items:
        if "tests/faults/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.serial)


@pytest.fixture
def own_postgres(settings: Settings, tmp_path: Path) -> Iterator[tuple[Settings, ServerProcess]]:
    server, url = start_postgres(tmp_path)
    own = dataclasses.replace(settings, database_url=url)
    migrate(own)
    yield own, server
    resume(server)  # never leave it paused
    server.stop()


@contextmanager
def paused(server: ServerProcess) -> Iterator[None]:
    """Postgres stalled, as a frozen host looks: connections stay open, nothing answers."""
    pause(server)
    try:
        yield
    finally:
        resume(server)


def pause(server: ServerProcess) -> None:
    # Every backend is a session of its own (Postgres calls setsid), so not one signal
    # to a process group: the postmaster first, so it forks no more, then its children.
    _signal_cluster(server, signal.SIGSTOP)


def resume(server: ServerProcess) -> None:
    _signal_cluster(server, signal.SIGCONT)


def _signal_cluster(server: ServerProcess, sig: int) -> None:
    with suppress(psutil.NoSuchProcess):
        postmaster = psutil.Process(server.process.pid)
        postmaster.send_signal(sig)
        for child in postmaster.children(recursive=True):
            with suppress(psutil.NoSuchProcess):
                child.send_signal(sig)
