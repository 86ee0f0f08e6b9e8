"""`cis up` as a user runs it: every process, real HTTP, real JetStream, restart."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import httpx
import msgspec
import nats
import psutil
import pytest

from adapters.embedded.process import free_port
from entrypoints.http.auth import Role, issue_token
from tests.databases import fresh_database

pytestmark = pytest.mark.e2e

CUSTOMER = {"name": "Chiara Bernasconi", "email": "chiara@example.ch",
            "postal_code": "6900", "canton": "TI", "language": "it"}


class Stack:
    """A running `cis up`, with what it printed and where it listens."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.command_port, self.query_port = free_port(), free_port()
        env = {**os.environ, "CIS_DATA_DIR": str(data_dir),
               "CIS_COMMAND_PORT": str(self.command_port),
               "CIS_QUERY_PORT": str(self.query_port)}
        self.log = (data_dir / "up.log").open("ab")
        self.process = subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "up"],
                                        env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.endpoints = self._wait_endpoints()
        self.token = self._printed_token()

    def _wait_endpoints(self, timeout: float = 90) -> dict[str, str]:
        path = self.data_dir / "run" / "endpoints.json"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"cis up exited: {(self.data_dir / 'up.log').read_text()[-3000:]}")
            if path.exists() and path.stat().st_mtime >= self.started_at():
                return dict(json.loads(path.read_text()))
            time.sleep(0.2)
        pytest.fail("cis up did not come up in time")

    def started_at(self) -> float:
        return psutil.Process(self.process.pid).create_time()

    def _printed_token(self) -> str:
        lines = (self.data_dir / "up.log").read_text().splitlines()
        return lines[max(i for i, line in enumerate(lines) if "dev token" in line) + 1].strip()

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def descendants(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children(recursive=True)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)  # as Ctrl-C would
        self.process.wait(timeout=60)
        self.log.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    # With a given Postgres, `cis up` gets a database of its own, as the suite does.
    given = os.environ.get("CIS_DATABASE_URL")
    if given:
        os.environ["CIS_DATABASE_URL"] = fresh_database(given)
    yield tmp_path
    if given:
        os.environ["CIS_DATABASE_URL"] = given


@pytest.fixture
def stack(data_dir: Path) -> Iterator[Stack]:
    running = Stack(data_dir)
    yield running
    if running.process.poll() is None:
        running.stop()


def _eventually(check: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


async def _published(nats_url: str, customer_id: str) -> list[tuple[str, dict[str, str], bytes]]:
    nc = await nats.connect(nats_url)
    found = []
    try:
        sub = await nc.jetstream().subscribe("cis.events.>", ordered_consumer=True)
        while True:
            try:
                message = await sub.next_msg(timeout=2)
            except nats.errors.TimeoutError:
                return found
            if msgspec.json.decode(message.data).get("customer_id") == customer_id:
                found.append((message.subject, dict(message.headers or {}), message.data))
    finally:
        await nc.close()


def test_register_read_publish_score_restart(stack: Stack, data_dir: Path) -> None:
    command = stack.endpoints["command_api"]
    query = stack.endpoints["query_api"]

    # A salesperson's first customer, over HTTP with the printed dev token.
    created = httpx.post(f"{command}/api/v1/customers", json=CUSTOMER, headers=stack.auth)
    assert created.status_code == 201, created.text
    written = created.json()

    # Read your own write through the query API.
    profile = httpx.get(f"{query}/api/v1/customers/{written['id']}",
                        params={"min_position": written["position"]}, headers=stack.auth)
    assert profile.status_code == 200, profile.text
    assert profile.json()["name"] == "Chiara Bernasconi"

    # The integration event is on JetStream, keyed by event id, without personal data.
    messages = asyncio.run(_wait_published(stack, written["id"]))
    assert len(messages) == 1, "the integration event should be on JetStream exactly once"
    subject, headers, data = messages[0]
    assert subject == "cis.events.customer.customer_registered"
    assert headers["Nats-Msg-Id"]
    for personal in (b"Chiara", b"Bernasconi", b"chiara@example.ch"):
        assert personal not in data

    # With profiling consent, the scoring consumer stores a first score.
    consent = httpx.post(f"{command}/api/v1/customers/{written['id']}/consents",
                         json={"purpose": "profiling", "granted": True}, headers=stack.auth)
    assert consent.status_code == 200, consent.text
    score = _eventually(lambda: httpx.get(f"{query}/api/v1/scores/{written['id']}",
                                          headers=stack.auth).status_code == 200)
    assert score

    # A test drive booked over HTTP: a confirmation in the customer's language lands in
    # the embedded SMTP sink (<data dir>/mail/), and `cis mail list` shows it.
    admin = {"Authorization": "Bearer " + issue_token(
        (data_dir / "secrets" / "jwt_secret").read_text().strip(), subject="root",
        role=Role.ADMIN, ttl=timedelta(minutes=5))}
    assert httpx.put(f"{command}/api/v1/catalog/models/EV-ONE", headers=admin,
                     json={"name": "Volta Uno", "list_price": 4_990_000}).status_code == 201
    booked = httpx.post(f"{command}/api/v1/customers/{written['id']}/test-drives",
                        headers=stack.auth, json={"model": "EV-ONE",
                                                  "scheduled_at": "2027-01-05T10:00:00+01:00"})
    assert booked.status_code == 201, booked.text
    # How soon is measured, not asserted here: `python -m tests.e2e.mail_latency`.
    mail = _eventually(lambda: [p for p in (data_dir / "mail").glob("*.eml")
                                if b"chiara@example.ch" in p.read_bytes()])
    assert len(mail) == 1
    message = message_from_bytes(mail[0].read_bytes(), policy=policy.default)
    assert message["Subject"] == "La Sua prova su strada del modello Volta Uno è confermata"
    listed = subprocess.run([sys.executable, "-m", "entrypoints.cli", "mail", "list"],
                            env={**os.environ, "CIS_DATA_DIR": str(data_dir)},
                            capture_output=True, text=True, check=True).stdout
    assert "test_drive_confirmation  it" in listed and message["Message-ID"] in listed
    assert "chiara" not in listed.lower()

    # One projector process for every read model (one read of the log: the cheaper
    # fan-out, see `cis bench fan-out`).
    children = stack.descendants()
    projecting = [p.cmdline()[-2:] for p in children if "project" in p.cmdline()]
    assert projecting == [["project", "run"]]
    # The DSG retention policy, applied once a day (CIS_RETENTION_DAILY, on by default).
    retaining = [p.cmdline()[-3:] for p in children if "retention" in p.cmdline()]
    assert retaining == [["dsg", "retention", "--daily"]]

    # Stop as Ctrl-C does: nothing of ours keeps running.
    # 6 processes of ours, plus the 3 embedded servers when no URLs are given.
    embedded = 0 if os.environ.get("CIS_DATABASE_URL") else 3
    assert len(children) >= 6 + embedded
    stack.stop()
    assert stack.process.returncode == 0
    assert not [p for p in children if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]

    # Start again on the same data dir: the customer is still there.
    again = Stack(data_dir)
    try:
        kept = httpx.get(f"{again.endpoints['query_api']}/api/v1/customers/{written['id']}",
                         headers=again.auth)
        assert kept.status_code == 200
        assert kept.json()["canton"] == "TI"
    finally:
        again.stop()


async def _wait_published(stack: Stack, customer_id: str) -> list[tuple[str, dict[str, str], bytes]]:
    deadline = time.monotonic() + 15
    while True:
        found = await _published(stack.endpoints["nats_url"], customer_id)
        if found or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.2)
