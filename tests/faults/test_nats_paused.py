"""NATS paused under a running relay and scoring consumer: both reconnect inside their
processes and carry on with what was written during and after the pause, without exiting.

The test starts a NATS of its own (and an event store of its own), so pausing it
harms no other test. SIGSTOP freezes the server with its sockets open, as a stalled
host or a long GC pause would: the relay's publishes time out rather than fail fast.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import msgspec
import nats
import psycopg
import pytest

from adapters.embedded.nats import start_nats
from adapters.embedded.process import ServerProcess
from adapters.settings import Settings
from application.services import CustomerIntelligence
from domain.customer_facts import ConsentPurpose
from entrypoints.bootstrap import build_application
from tests.databases import own_store
from tests.factories import META, registration

PAUSE_SECONDS = 15  # as in the report: paused 15 s, the relay died about 10 s later


@pytest.fixture
def own_nats(settings: Settings, tmp_path: Path
             ) -> Iterator[tuple[Settings, ServerProcess, CustomerIntelligence]]:
    server, url = start_nats(tmp_path)
    own = own_store(dataclasses.replace(settings, nats_url=url))  # streams on our NATS
    app = build_application(own, pool_size=2)
    yield own, server, app
    app.close()
    os.kill(server.process.pid, signal.SIGCONT)  # never leave it frozen
    server.stop()


async def _published(url: str) -> set[UUID]:
    nc = await nats.connect(url)
    found: set[UUID] = set()
    try:
        sub = await nc.jetstream().subscribe("cis.events.>", ordered_consumer=True)
        while True:
            try:
                message = await sub.next_msg(timeout=1)
            except nats.errors.TimeoutError:
                return found
            found.add(UUID(msgspec.json.decode(message.data)["customer_id"]))
    finally:
        await nc.close()


def _wait_published(url: str, wanted: set[UUID], relay: subprocess.Popen[str],
                    timeout: float) -> set[UUID]:
    deadline = time.monotonic() + timeout
    while True:
        found = asyncio.run(_published(url))
        if wanted <= found or time.monotonic() > deadline or relay.poll() is not None:
            return found
        time.sleep(0.5)


def _cis(own: Settings, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "entrypoints.cli", *args],
                            env={**os.environ, **own.as_env()}, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _scored(url: str) -> set[UUID]:
    with psycopg.connect(url) as conn:
        return {row[0] for row in conn.execute("SELECT customer_id FROM read.lead_scores")}


def _consenting_customer(app: CustomerIntelligence) -> UUID:
    """A registration and the profiling consent scoring needs."""
    customer = app.register_customer(**registration()).id
    app.grant_consent(customer, purpose=ConsentPurpose.PROFILING, meta=META)
    return customer


def test_relay_and_consumer_reconnect_after_nats_was_paused_and_carry_on(
    own_nats: tuple[Settings, ServerProcess, CustomerIntelligence]
) -> None:
    own, server, app = own_nats
    assert own.nats_url and own.database_url
    relay = _cis(own, "relay")
    scoring = _cis(own, "consume", "scoring")
    try:
        before = _consenting_customer(app)
        assert before in _wait_published(own.nats_url, {before}, relay, timeout=30)

        # NATS freezes; writes go on meanwhile (the command side does not need NATS).
        os.kill(server.process.pid, signal.SIGSTOP)
        during = _consenting_customer(app)
        time.sleep(PAUSE_SECONDS)
        os.kill(server.process.pid, signal.SIGCONT)
        after = _consenting_customer(app)

        found = _wait_published(own.nats_url, {before, during, after}, relay, timeout=60)
        assert relay.poll() is None, "the relay must not exit"
        assert {during, after} <= found
        # The consumer scores them all, the one written after the pause too.
        deadline = time.monotonic() + 60
        while not {before, during, after} <= _scored(own.database_url):
            assert time.monotonic() < deadline, "the consumer did not score them in 60 s"
            time.sleep(0.5)
        assert scoring.poll() is None, "the scoring consumer must not exit"
    finally:
        logs = []
        for worker in (relay, scoring):
            worker.send_signal(signal.SIGTERM)
            logs.append(worker.communicate(timeout=60)[1])
    assert relay.returncode == 0, logs[0][-3000:]
    assert scoring.returncode == 0, logs[1][-3000:]
    assert all("Traceback" not in log for log in logs)
