"""Projector faults: SIGKILL mid-catch-up, and a rebuild swapped in under readers.

Each test gets a database of its own, so no other projector in the session interferes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from adapters.settings import Settings
from application.services import CustomerIntelligence
from domain.customer import Customer
from domain.ids import CustomerID
from entrypoints.bootstrap import build_application
from entrypoints.project_admin import rebuild
from tests.databases import own_store
from tests.factories import registration
from tests.readmodels import customer_rows, tracked_position, wait_for

CUSTOMERS = 3000


@pytest.fixture
def own_db(settings: Settings) -> Iterator[tuple[Settings, CustomerIntelligence]]:
    own = own_store(settings)
    app = build_application(own, pool_size=2)
    for _ in range(CUSTOMERS // 1000):  # 1,000 registrations per transaction
        app.save(*(Customer.register(customer_id=CustomerID(uuid.uuid4()), **registration())
                   for _ in range(1000)))
    yield own, app
    app.close()


def _projector(own: Settings) -> subprocess.Popen[bytes]:
    # Small batches, so that the kill lands between commits of one catch-up.
    env = {**os.environ, **own.as_env(), "CIS_PROJECTOR_BATCH": "200"}
    return subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "project", "run"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_sigkill_mid_catch_up_loses_and_repeats_nothing(
    own_db: tuple[Settings, CustomerIntelligence]
) -> None:
    own, app = own_db
    assert own.database_url
    head = app.recorder.max_notification_id()

    # Kill the projector process while it is catching up.
    first = _projector(own)
    wait_for(lambda: tracked_position(own.database_url, "customers") > 0)  # type: ignore[arg-type]
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at = tracked_position(own.database_url, "customers")
    assert 0 < killed_at < head, "the kill should land mid-way"

    # A new process goes on from the recorded position, to the end.
    second = _projector(own)
    try:
        wait_for(lambda: tracked_position(own.database_url, "customers") == head)  # type: ignore[arg-type]
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    survived = customer_rows(own.database_url)

    # Exactly what a rebuild from position 0 produces.
    rebuild(own, "customers")
    assert len(survived) == CUSTOMERS
    assert survived == customer_rows(own.database_url)


def test_readers_never_see_an_empty_or_half_built_read_model_during_a_rebuild(
    own_db: tuple[Settings, CustomerIntelligence]
) -> None:
    own, _ = own_db
    assert own.database_url
    rebuild(own, "customers")  # the live tables, complete
    counts: list[int] = []
    stop = threading.Event()

    def read() -> None:
        with psycopg.connect(own.database_url, autocommit=True) as conn:  # type: ignore[arg-type]
            while not stop.is_set():
                counts.append(conn.execute(
                    "SELECT count(*) FROM rm_customers.customers_now").fetchone()[0])  # type: ignore[index]

    reader = threading.Thread(target=read)
    reader.start()
    try:
        rebuild(own, "customers")
    finally:
        stop.set()
        reader.join()
    assert len(counts) > 10
    assert set(counts) == {CUSTOMERS}
