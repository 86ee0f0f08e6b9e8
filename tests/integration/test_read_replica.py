"""The query API on a real Postgres streaming replica (`CIS_READ_DATABASE_URL`).

A primary and its hot standby from the embedded binaries (tests/replica.py), the read
models projected on the primary, commands through the command API on the primary, and
reads through a query API whose read models come from the replica.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from adapters.settings import Settings
from entrypoints.bootstrap import build_application, build_projector
from entrypoints.command_api.app import create_command_app
from entrypoints.http.auth import Role
from entrypoints.migrate import migrate
from entrypoints.query_api.app import create_query_app
from projections.registry import READ_MODELS
from tests.readmodels import tracked_position, wait_for
from tests.replica import StreamingReplica, streaming_replica

Client = AsyncTestClient  # type: ignore[type-arg]
ROUNDS = 60  # writes, each read back at once from the replica


@pytest.fixture(scope="module")
def replica(settings: Settings, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[StreamingReplica, Settings]]:
    """The replica, and the session's settings moved onto its primary, migrated and
    projected there (NATS and Redis are the session's)."""
    with streaming_replica(tmp_path_factory.mktemp("replica")) as standby:
        primary = dataclasses.replace(settings, database_url=standby.primary_url)
        migrate(primary)
        app = build_application(primary, pool_size=2 + 2 * len(READ_MODELS))
        stopping = threading.Event()
        threads = [threading.Thread(target=build_projector(primary, model, app).run,
                                    args=(stopping,), daemon=True) for model in READ_MODELS]
        for thread in threads:
            thread.start()
        standby.wait_replayed()
        try:
            yield standby, primary
        finally:
            stopping.set()
            for thread in threads:
                thread.join(timeout=10)
            app.close()


def _on_replica(primary: Settings, standby: StreamingReplica, **changes: Any) -> Settings:
    return dataclasses.replace(primary, read_database_url=standby.url, **changes)


@pytest.fixture
async def commands(replica: tuple[StreamingReplica, Settings]) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=create_command_app(replica[1])) as client:
        yield client


@pytest.fixture
async def reads(replica: tuple[StreamingReplica, Settings]) -> AsyncIterator[Client]:
    standby, primary = replica
    async with AsyncTestClient(app=create_query_app(_on_replica(primary, standby))) as client:
        yield client


@pytest.fixture
def manager(bearer: Any) -> dict[str, str]:
    return dict(bearer(Role.SALES_MANAGER, "replica-manager"))


async def _registered(commands: Client, headers: dict[str, str]) -> tuple[str, int]:
    tag = uuid.uuid4().hex[:8]
    answer = await commands.post("/api/v1/customers", headers=headers, json={
        "name": "Elia Replica", "email": f"elia.{tag}@example.ch", "postal_code": "8001",
        "canton": "ZH", "salesperson": "replica-seller"})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"], answer.json()["position"]


async def _new_email(commands: Client, headers: dict[str, str], customer: str) -> tuple[str, int]:
    email = f"elia.{uuid.uuid4().hex[:8]}@example.ch"
    answer = await commands.post(f"/api/v1/customers/{customer}/contact", headers=headers,
                                 json={"email": email})
    assert answer.status_code == 200, answer.text
    return email, answer.json()["position"]


async def test_a_read_with_min_position_right_after_a_write_is_never_stale(
    commands: Client, reads: Client, manager: dict[str, str]
) -> None:
    customer, _ = await _registered(commands, manager)
    for _ in range(ROUNDS):
        email, position = await _new_email(commands, manager, customer)
        profile = await reads.get(f"/api/v1/customers/{customer}", headers=manager,
                                  params={"min_position": position})
        assert profile.status_code == 200, profile.text
        assert profile.json()["email"] == email
        journey = await reads.get(f"/api/v1/customers/{customer}/journey", headers=manager,
                                  params={"min_position": position})
        assert journey.status_code == 200, journey.text


async def test_min_position_waits_for_the_replica_to_replay(
    replica: tuple[StreamingReplica, Settings], commands: Client, reads: Client,
    manager: dict[str, str]
) -> None:
    standby, _ = replica
    customer, position = await _registered(commands, manager)
    before = await reads.get(f"/api/v1/customers/{customer}", headers=manager,
                             params={"min_position": position})
    assert before.status_code == 200, before.text
    standby.pause_replay()
    resume = threading.Timer(1.0, standby.resume_replay)
    try:
        email, position = await _new_email(commands, manager, customer)
        await asyncio.to_thread(_projected_on_primary, standby, position)
        # Without min_position the replica answers what it has replayed: the old e-mail.
        stale = await reads.get(f"/api/v1/customers/{customer}", headers=manager)
        assert stale.json()["email"] == before.json()["email"] != email
        # With it, the read waits while the replay is paused (resumed a second later).
        resume.start()
        fresh = await reads.get(f"/api/v1/customers/{customer}", headers=manager,
                                params={"min_position": position})
    finally:
        resume.join()
        standby.resume_replay()
    assert fresh.status_code == 200, fresh.text
    assert fresh.json()["email"] == email


async def test_with_the_replica_stopped_reads_answer_503_and_writes_go_on(
    replica: tuple[StreamingReplica, Settings], commands: Client, reads: Client,
    manager: dict[str, str], bearer: Any
) -> None:
    standby, _ = replica
    customer, position = await _registered(commands, manager)
    assert (await reads.get(f"/api/v1/customers/{customer}", headers=manager,
                            params={"min_position": position})).status_code == 200
    auditor = bearer(Role.AUDITOR, "replica-auditor")
    assert (await reads.get("/ready")).json()["checks"]["read_replica"] == "ok"
    with standby.stopped():
        ready = await reads.get("/ready")  # what a load balancer and an operator see
        assert ready.status_code == 503 and ready.headers["Retry-After"], ready.text
        assert ready.json()["status"] == "unavailable"
        assert ready.json()["checks"]["read_replica"].startswith("unavailable")
        for path in (f"/api/v1/customers/{customer}", "/api/v1/dashboards/cantons",
                     f"/api/v1/customers/{customer}/journey"):
            answer = await reads.get(path, headers=manager)
            assert answer.status_code == 503, answer.text
            assert int(answer.headers["Retry-After"]) >= 1
            assert "read replica" in answer.json()["detail"]
        # Commands, audit reads and the access trail they write live on the primary.
        _, written = await _new_email(commands, manager, customer)
        assert written > position
        history = await reads.get(f"/api/v1/audit/customers/{customer}/events", headers=auditor)
        assert history.status_code == 200, history.text
        trail = await reads.get("/api/v1/audit/access", headers=auditor,
                                params={"subject": customer})
        assert trail.status_code == 200, trail.text
        assert [(e["actor"], e["action"]) for e in trail.json()["items"]] == [
            ("replica-auditor", "history")]


async def test_with_fallback_configured_the_primary_serves_while_the_replica_is_away(
    replica: tuple[StreamingReplica, Settings], commands: Client, manager: dict[str, str]
) -> None:
    standby, primary = replica
    falling_back = _on_replica(primary, standby, read_fallback_to_primary=True)
    customer, _ = await _registered(commands, manager)
    async with AsyncTestClient(app=create_query_app(falling_back)) as reads:
        with standby.stopped():
            ready = await reads.get("/ready")
            assert ready.status_code == 200, ready.text
            assert ready.json()["status"] == "degraded"
            assert ready.json()["checks"]["read_replica"].endswith("served by the primary")
            for _ in range(3):
                email, position = await _new_email(commands, manager, customer)
                profile = await reads.get(f"/api/v1/customers/{customer}", headers=manager,
                                          params={"min_position": position})
                assert profile.status_code == 200, profile.text
                assert profile.json()["email"] == email
        # The replica back: reads go to it again (seen by what it has not replayed yet).
        standby.pause_replay()
        try:
            email, position = await _new_email(commands, manager, customer)
            await asyncio.to_thread(_projected_on_primary, standby, position)
            await _until(lambda: _email_of(reads, manager, customer), lambda e: e != email)
        finally:
            standby.resume_replay()


def _projected_on_primary(standby: StreamingReplica, position: int) -> None:
    """The primary's read model has the write: only the replica can still lack it."""
    wait_for(lambda: tracked_position(standby.primary_url, "customers") >= position, timeout=15)


async def _email_of(reads: Client, headers: dict[str, str], customer: str) -> str:
    answer = await reads.get(f"/api/v1/customers/{customer}", headers=headers)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["email"])


async def _until(read: Any, check: Any, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check(await read()):
        assert loop.time() < deadline, "the query API did not go back to the replica"
        await asyncio.sleep(0.2)
