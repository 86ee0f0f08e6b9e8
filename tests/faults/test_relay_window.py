"""The relay's window of pending acks under faults: NATS frozen while a few hundred
messages are in flight, and the relay killed mid-window. Every event reaches JetStream
exactly once, in log order, and the saved position never passes an event JetStream had
not stored.

Each test has a NATS and an event store of its own, so freezing or killing harms no
other test; the relay runs as `cis relay` does, in a process of its own.
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

import msgspec
import nats
import pytest

from adapters.embedded.nats import start_nats
from adapters.embedded.process import ServerProcess
from adapters.nats.relay import RELAY
from adapters.nats.streams import EVENTS_STREAM
from adapters.settings import Settings
from application.services import CustomerIntelligence
from entrypoints.benches.catch_up import write_demo_shaped
from entrypoints.bootstrap import build_application, build_tracking_recorder
from tests.databases import own_store

EVENTS = 20_000  # a few seconds of catching up: enough to freeze NATS in the middle
PAUSE_SECONDS = 12  # longer than the relay's publish timeout (5 s): it retries


@pytest.fixture
def own_nats(settings: Settings, tmp_path: Path
             ) -> Iterator[tuple[Settings, ServerProcess, CustomerIntelligence]]:
    server, url = start_nats(tmp_path)
    own = own_store(dataclasses.replace(settings, nats_url=url))  # streams on our NATS
    app = build_application(own, pool_size=2)
    write_demo_shaped(app, EVENTS)
    yield own, server, app
    app.close()
    os.kill(server.process.pid, signal.SIGCONT)  # never leave it frozen
    server.stop()


def _relay(own: Settings) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "relay"],
                            env={**os.environ, **own.as_env()}, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _saved_position(own: Settings) -> int:
    tracking = build_tracking_recorder(own, RELAY)
    try:
        return tracking.max_tracking_id("cis") or 0
    finally:
        tracking.datastore.close()


async def _stored_count(url: str) -> int:
    nc = await nats.connect(url)
    try:
        return (await nc.jetstream().stream_info(EVENTS_STREAM)).state.messages
    finally:
        await nc.close()


async def _stored(url: str) -> list[tuple[int, float]]:
    """Every message of the events stream in stream order: (log position, when stored)."""
    nc = await nats.connect(url)
    found = []
    try:
        sub = await nc.jetstream().subscribe("cis.events.>", ordered_consumer=True)
        while True:
            try:
                message = await sub.next_msg(timeout=2)
            except nats.errors.TimeoutError:
                return found
            found.append((msgspec.json.decode(message.data)["position"],
                          message.metadata.timestamp.timestamp()))
    finally:
        await nc.close()


def _wait_until(check: object, what: str, timeout: float,
                relay: subprocess.Popen[str] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert relay is None or relay.poll() is None, "the relay must not exit"
        assert time.monotonic() < deadline, f"{what} not within {timeout:g} s"
        time.sleep(0.05)


def _stopped(relay: subprocess.Popen[str]) -> str:
    relay.send_signal(signal.SIGTERM)
    log = relay.communicate(timeout=60)[1]
    assert relay.returncode == 0, log[-3000:]
    assert "Traceback" not in log, log[-5000:]
    return log


def test_nats_frozen_mid_window_then_resumed_every_event_arrives_once_in_log_order(
    own_nats: tuple[Settings, ServerProcess, CustomerIntelligence]
) -> None:
    own, server, app = own_nats
    assert own.nats_url
    head = app.recorder.max_notification_id()
    relay = _relay(own)
    try:
        _wait_until(lambda: asyncio.run(_stored_count(own.nats_url)) >= EVENTS // 10,
                    "a tenth published", 60, relay)
        os.kill(server.process.pid, signal.SIGSTOP)  # messages in flight, unacknowledged
        time.sleep(PAUSE_SECONDS)
        os.kill(server.process.pid, signal.SIGCONT)

        _wait_until(lambda: _saved_position(own) == head, "the head saved", 120, relay)
        stored = asyncio.run(_stored(own.nats_url))
    finally:
        log = _stopped(relay)
    assert [position for position, _ in stored] == list(range(1, head + 1))
    assert "relay could not publish; retrying" in log and "relay publishes again" in log


def test_a_relay_stopped_while_nats_is_frozen_saves_only_what_jetstream_stored(
    own_nats: tuple[Settings, ServerProcess, CustomerIntelligence]
) -> None:
    """Stopped (a deploy, say) with hundreds of publishes unanswered: the position it
    saves is one JetStream had stored before it froze; the next relay sends the rest."""
    own, server, app = own_nats
    assert own.nats_url
    head = app.recorder.max_notification_id()
    relay = _relay(own)
    _wait_until(lambda: asyncio.run(_stored_count(own.nats_url)) >= EVENTS // 10,
                "a tenth published", 60, relay)
    os.kill(server.process.pid, signal.SIGSTOP)
    time.sleep(1)  # the window fills: sent, not acknowledged
    _stopped(relay)
    saved = _saved_position(own)
    resumed = time.time()
    os.kill(server.process.pid, signal.SIGCONT)

    again = _relay(own)
    try:
        _wait_until(lambda: _saved_position(own) == head, "the head saved", 120, again)
        stored = asyncio.run(_stored(own.nats_url))
    finally:
        _stopped(again)
    assert [position for position, _ in stored] == list(range(1, head + 1))
    assert 0 < saved < head
    stored_later = [position for position, at in stored if at >= resumed]
    assert stored_later and min(stored_later) > saved


def test_a_relay_killed_mid_window_loses_nothing_and_doubles_nothing(
    own_nats: tuple[Settings, ServerProcess, CustomerIntelligence]
) -> None:
    own, _server, app = own_nats
    assert own.nats_url
    head = app.recorder.max_notification_id()
    relay = _relay(own)
    _wait_until(lambda: asyncio.run(_stored_count(own.nats_url)) >= EVENTS // 4,
                "a quarter published", 60, relay)
    relay.kill()  # SIGKILL: hundreds of publishes in flight, their acks never read
    relay.wait(timeout=10)
    killed_at = _saved_position(own)
    assert killed_at < head

    again = _relay(own)
    try:
        _wait_until(lambda: _saved_position(own) == head, "the head saved", 120, again)
        stored = asyncio.run(_stored(own.nats_url))
    finally:
        _stopped(again)
    assert [position for position, _ in stored] == list(range(1, head + 1))
