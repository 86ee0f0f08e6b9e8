"""A poison event stalls only the read model that cannot project it, visibly, and an
operator gets it past; the others, and the process, keep going.

Each test gets a database of its own, so no other projector in the session interferes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import psycopg
import pytest
from litestar.testing import AsyncTestClient
from psycopg import Cursor

from adapters.settings import Settings
from application.services import CustomerIntelligence
from domain.customer import Customer
from domain.ids import CustomerID
from entrypoints.bootstrap import build_application, build_projector, create_read_model
from entrypoints.project_admin import rebuild
from entrypoints.query_api.app import create_query_app
from projections.base import Positioned
from projections.customers import CustomersReadModel
from projections.runner import PoisonEvent
from tests.databases import own_store
from tests.factories import registration
from tests.poison import write_event_with_damaged_seal
from tests.readmodels import customer_rows, tracked_position, wait_for

BATCH = 5


@pytest.fixture
def own(settings: Settings) -> Iterator[tuple[Settings, CustomerIntelligence]]:
    own = own_store(settings, projector_batch=BATCH)
    app = build_application(own, pool_size=2)
    yield own, app
    app.close()


def _register(app: CustomerIntelligence, count: int) -> list[CustomerID]:
    customers = [Customer.register(customer_id=CustomerID(uuid.uuid4()), **registration())
                 for _ in range(count)]
    app.save(*customers)
    return [CustomerID(c.id) for c in customers]


class _Refusing(CustomersReadModel):
    """The customers read model, but Postgres refuses a row for one marked customer
    (a NUL byte in a text column, as a value from before validation would be)."""

    name: ClassVar[str] = "refusing"
    marked: ClassVar[set[uuid.UUID]] = set()

    def apply(self, curs: Cursor[Any], schema: str, events: Sequence[Positioned]) -> None:
        if any(event.originator_id in self.marked for event, _ in events):
            curs.execute("SELECT %s::text", ("evil\x00sp",))
        super().apply(curs, schema, events)


def test_a_batch_that_cannot_be_applied_commits_everything_before_the_poison_event(
    own: tuple[Settings, CustomerIntelligence]
) -> None:
    settings, app = own
    assert settings.database_url
    _register(app, 7)
    _Refusing.marked = set(_register(app, 1))  # position 8, inside the second batch
    _register(app, 4)
    model = _Refusing()
    create_read_model(settings, model)
    projector = build_projector(settings, model, app)
    try:
        with pytest.raises(PoisonEvent) as stopped:
            projector.run(threading.Event(), until=app.recorder.max_notification_id())
        assert stopped.value.position == 8
        assert stopped.value.event_type == "domain.customer:Customer.Registered"
        assert stopped.value.error_class == "DataError"
        assert "evil" not in str(stopped.value)  # no value of the event in what it says
        assert projector.position() == 7
        with psycopg.connect(settings.database_url) as conn:
            assert conn.execute("SELECT count(*) FROM rm_refusing.customers"
                                ).fetchone()[0] == 7  # type: ignore[index]
    finally:
        projector.tracking.datastore.close()


def _cis(own: Settings, *args: str, **popen: Any) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "entrypoints.cli", *args],
                            env={**os.environ, **own.as_env()}, text=True, **popen)


def _stall(url: str, name: str) -> dict[str, Any] | None:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT position, event_type, error, attempts, "
                           "extract(epoch FROM last_attempt_at - since) "
                           "FROM cis_read_model_stalls WHERE read_model = %s", (name,)).fetchone()
    if row is None:
        return None
    return dict(zip(("position", "event_type", "error", "attempts", "seconds"), row,
                    strict=True))


async def test_a_poison_event_stalls_only_its_read_model_visibly_until_skipped(
    own: tuple[Settings, CustomerIntelligence], bearer: Any
) -> None:
    settings, app = own
    url = settings.database_url
    assert url
    first = _register(app, 3)
    poison = write_event_with_damaged_seal(url, app, first[0])
    _register(app, 2)

    # One projector process for all three read models, as `cis project run` starts it.
    projector = _cis(settings, "project", "run", stdout=subprocess.DEVNULL,
                     stderr=subprocess.PIPE)
    try:
        # The read models that leave personal data sealed get past it; customers, which
        # opens it, stops right before it and tries again with back-off.
        head = app.recorder.max_notification_id()
        wait_for(lambda: tracked_position(url, "journeys") == head)
        wait_for(lambda: tracked_position(url, "dashboards") == head)
        wait_for(lambda: (_stall(url, "customers") or {}).get("attempts", 0) >= 3)
        assert tracked_position(url, "customers") == poison - 1
        stalled = _stall(url, "customers")
        assert stalled is not None
        assert stalled["position"] == poison
        assert stalled["event_type"] == "domain.customer:Customer.TouchpointRecorded"
        assert stalled["error"] == "InvalidTag"
        assert stalled["seconds"] >= 1 + 2  # waited 1 s, then 2 s, between the attempts
        assert projector.poll() is None, "the projector process must not exit"

        # Writes go on, and the other read models keep up with them.
        _register(app, 2)
        head = app.recorder.max_notification_id()
        wait_for(lambda: tracked_position(url, "journeys") == head)
        wait_for(lambda: tracked_position(url, "dashboards") == head)

        # /ready names the stalled read model and the event; /metrics counts it.
        async with AsyncTestClient(app=create_query_app(settings)) as queries:
            ready = await queries.get("/ready")
            metrics = (await queries.get("/metrics")).text
        assert ready.status_code == 200
        assert ready.json()["status"] == "degraded"
        [named] = ready.json()["stalled"]
        assert (named["read_model"], named["position"], named["error"]) == (
            "customers", poison, "InvalidTag")
        assert named["event_type"] == "domain.customer:Customer.TouchpointRecorded"
        assert "Poison note" not in ready.text and "Anna" not in ready.text
        assert 'cis_read_model_stalled{read_model="customers"} 1.0' in metrics
        assert 'cis_read_model_stalled{read_model="journeys"} 0.0' in metrics
        failures = [line for line in metrics.splitlines()
                    if line.startswith('cis_read_model_failures_total{read_model="customers"}')]
        assert failures and float(failures[0].split()[-1]) >= 3

        # `cis project status` shows it too.
        status = _cis(settings, "project", "status", stdout=subprocess.PIPE)
        shown = status.communicate(timeout=60)[0]
        assert f"STALLED at {poison} (domain.customer:Customer.TouchpointRecorded): " \
               "InvalidTag" in shown

        # The operator gets it past: the read model leaves that one event out.
        skipped = _cis(settings, "project", "skip", "customers", "--position", str(poison),
                       "--reason", "note damaged at rest", "--by", "ops-oliver",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = skipped.communicate(timeout=60)
        assert skipped.returncode == 0, err
        assert f"customers skips the event at position {poison} (it stays in the log)" in out
        wait_for(lambda: tracked_position(url, "customers") == head)
        assert _stall(url, "customers") is None
        assert projector.poll() is None
    finally:
        projector.send_signal(signal.SIGTERM)
        _, log = projector.communicate(timeout=60)
    assert projector.returncode == 0

    # One log line per attempt names the read model, the event and the error class,
    # never a value of the event.
    lines = [line for line in log.splitlines() if '"read model stalled"' in line]
    assert lines and all(f'"position": {poison}' in line and '"InvalidTag"' in line
                         and '"customers"' in line for line in lines)
    assert "Poison note" not in log and "Anna" not in log and "Traceback" not in log

    # The event stays in the log; the skip is on record with who, when and why.
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM cis_events WHERE notification_id = %s",
                            (poison,)).fetchone()[0] == 1  # type: ignore[index]
        assert conn.execute("SELECT skipped_by, reason, skipped_at IS NOT NULL "
                            "FROM cis_read_model_skips WHERE read_model = 'customers' "
                            "AND position = %s", (poison,)).fetchone() == (
            "ops-oliver", "note damaged at rest", True)
    status = _cis(settings, "project", "status", stdout=subprocess.PIPE)
    assert "STALLED" not in status.communicate(timeout=60)[0]

    # A rebuild passes over the skipped event too, and equals what the live one holds.
    live = customer_rows(url)
    rebuild(settings, "customers")
    assert customer_rows(url) == live
    assert len(live) == 7
