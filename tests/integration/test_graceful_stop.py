"""SIGTERM mid-work: each process finishes the batch in hand, commits or acks it, closes,
and exits 0 within the stop bound (adapters.shutdown.STOP_SECONDS); nothing is lost.

`HANG` is what the test allows before calling it a hang: the bound plus the
interpreter's start and exit on a shared machine (not a timing check)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.embedded.process import free_port
from adapters.settings import Settings
from adapters.shutdown import STOP_SECONDS
from application.services import CustomerIntelligence
from domain.customer import Customer
from domain.ids import CustomerID
from entrypoints.bootstrap import build_application
from entrypoints.http.auth import Role
from entrypoints.project_admin import rebuild
from tests.databases import own_store
from tests.factories import registration
from tests.readmodels import customer_rows, tracked_position, wait_for

HANG = STOP_SECONDS + 10
CUSTOMERS = 3000


def cis(settings: Settings, args: list[str], log: Path, **env: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "entrypoints.cli", *args],
                                env={**os.environ, **settings.as_env(), **env},
                                stdout=out, stderr=out)


def stopped(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM, then the exit code (a hang fails the test)."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=HANG)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"did not exit within {HANG} s of SIGTERM")


@pytest.fixture
def own_db(settings: Settings) -> Iterator[tuple[Settings, CustomerIntelligence]]:
    own = own_store(settings)
    app = build_application(own, pool_size=2)
    for _ in range(CUSTOMERS // 1000):  # 1,000 registrations per transaction
        app.save(*(Customer.register(customer_id=CustomerID(uuid.uuid4()), **registration())
                   for _ in range(1000)))
    yield own, app
    app.close()


def test_a_projector_stops_between_batches_and_goes_on_from_there(
    own_db: tuple[Settings, CustomerIntelligence], tmp_path: Path
) -> None:
    own, app = own_db
    assert own.database_url
    head = app.recorder.max_notification_id()
    log = tmp_path / "projector.log"

    # SIGTERM while it catches up in batches of 200.
    first = cis(own, ["project", "run", "customers"], log, CIS_PROJECTOR_BATCH="200")
    wait_for(lambda: tracked_position(own.database_url, "customers") > 0)  # type: ignore[arg-type]
    assert stopped(first) == 0
    at = tracked_position(own.database_url, "customers")
    assert 0 < at < head, "the stop should land mid-way"
    # The last batch is in whole, with its position: one row per registration up to it.
    assert len(customer_rows(own.database_url)) == at

    second = cis(own, ["project", "run", "customers"], log)
    try:
        wait_for(lambda: tracked_position(own.database_url, "customers") == head)  # type: ignore[arg-type]
    finally:
        assert stopped(second) == 0
    survived = customer_rows(own.database_url)
    rebuild(own, "customers")
    assert survived == customer_rows(own.database_url)


def test_a_standby_projector_takes_over_from_a_killed_one_and_equals_a_rebuild(
    own_db: tuple[Settings, CustomerIntelligence], tmp_path: Path
) -> None:
    own, app = own_db
    assert own.database_url
    head = app.recorder.max_notification_id()
    log = tmp_path / "projectors.log"

    active = cis(own, ["project", "run", "customers"], log, CIS_PROJECTOR_BATCH="200")
    wait_for(lambda: tracked_position(own.database_url, "customers") > 0)  # type: ignore[arg-type]
    standby = cis(own, ["project", "run", "customers"], log, CIS_PROJECTOR_BATCH="200")
    try:
        # A crash, not a stop: its lock goes with its connection.
        active.send_signal(signal.SIGKILL)
        active.wait()
        killed_at = tracked_position(own.database_url, "customers")
        wait_for(lambda: tracked_position(own.database_url, "customers") == head)  # type: ignore[arg-type]
    finally:
        assert stopped(standby) == 0
    assert killed_at < head, "the standby did the rest"
    survived = customer_rows(own.database_url)
    rebuild(own, "customers")
    assert survived == customer_rows(own.database_url)


def test_a_standby_relay_takes_over_from_a_stopped_one_and_every_event_is_published(
    own_db: tuple[Settings, CustomerIntelligence], tmp_path: Path
) -> None:
    own, app = own_db
    assert own.database_url
    log = tmp_path / "relay.log"

    active = cis(own, ["relay"], log)
    wait_for(lambda: _relayed(own) > 0)
    standby = cis(own, ["relay"], log)
    wait_for(lambda: "standing by" in log.read_text(), timeout=30)
    try:
        # SIGTERM while the active relay publishes a new batch.
        before = app.recorder.max_notification_id() or 0
        _register(app, 1000)
        wait_for(lambda: _relayed(own) > before)
        assert stopped(active) == 0
        # Written after the active relay is gone: only the standby can publish these.
        _register(app, 1000)
        head = app.recorder.max_notification_id()
        wait_for(lambda: _relayed(own) == head)
    finally:
        assert stopped(standby) == 0
    assert len(re.findall(r'"event": "[^"]*elected', log.read_text())) == 2, "each once"
    published = asyncio.run(_registrations_on_jetstream(own, app))
    assert sorted(published.values()) == [1] * (CUSTOMERS + 2000), "each event once"


def _register(app: CustomerIntelligence, count: int) -> None:
    app.save(*(Customer.register(customer_id=CustomerID(uuid.uuid4()), **registration())
               for _ in range(count)))


def test_an_api_stops_within_the_bound_with_a_dashboard_stream_open(
    settings: Settings, tmp_path: Path, bearer: Any
) -> None:
    port = free_port()
    api = cis(settings, ["api", "query"], tmp_path / "api.log", CIS_QUERY_PORT=str(port))
    base = f"http://127.0.0.1:{port}"
    _wait_answering(f"{base}/health", api)
    with httpx.Client(timeout=HANG) as client, client.stream(
        "GET", f"{base}/api/v1/dashboards/stream", headers=bearer(Role.SALES_MANAGER, "m")
    ) as stream:
        assert stream.status_code == 200
        lines = stream.iter_lines()
        assert next(lines).startswith(": listening")
        # The stream never ends by itself: the stop must end it, not wait for it.
        assert stopped(api) == 0
        with pytest.raises(httpx.HTTPError):
            for _ in lines:
                pass
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/health")


def _wait_answering(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the API exited while starting"
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    pytest.fail(f"{url} did not answer")


def _relayed(settings: Settings) -> int:
    import psycopg

    assert settings.database_url
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute("SELECT max(notification_id) FROM relay_tracking "
                           "WHERE application_name = 'cis'").fetchone()
    return int(row[0]) if row and row[0] else 0


async def _registrations_on_jetstream(settings: Settings,
                                      app: CustomerIntelligence) -> dict[str, int]:
    """How many times each of this store's registrations is on CIS_EVENTS."""
    import msgspec
    import nats

    ours = {str(n.originator_id): 0 for n in app.recorder.select_notifications(
        start=1, limit=100_000)}
    assert settings.nats_url
    nc = await nats.connect(settings.nats_url)
    try:
        sub = await nc.jetstream().subscribe("cis.events.customer.customer_registered",
                                             ordered_consumer=True)
        try:
            while True:
                message = await sub.next_msg(timeout=2)
                customer = msgspec.json.decode(message.data)["customer_id"]
                if customer in ours:
                    ours[customer] += 1
        except nats.errors.TimeoutError:
            pass
        finally:
            await sub.unsubscribe()
    finally:
        await nc.close()
    return ours
