"""`cis up` with a poison event in the log: only the read model that cannot project it
stalls; commands are still accepted, the other read models keep up, `/ready` names the
stalled one, and `cis project skip` gets it past.

What it simulates, honestly: a stored event whose sealed field (a touchpoint's note)
was damaged at rest, one bit of its ciphertext flipped, written into the event store
by SQL as the customer's next event. The read models that leave personal data sealed
(journeys, dashboards) and the relay never open it; the customers read model opens it
and fails with InvalidTag, at that event and only there. It is not the NUL byte of
the report (every read model stores the salesperson, so that one would stall all
three; validation refuses it now), but the same mechanism: an event one reader
cannot handle.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from tests.e2e.test_cis_up import Stack
from tests.poison import append_damaged_copy

pytestmark = pytest.mark.e2e

CUSTOMER = {"name": "Luca Brenni", "email": "luca@example.ch", "postal_code": "6900",
            "canton": "TI", "language": "it"}


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    if os.environ.get("CIS_DATABASE_URL"):
        pytest.skip("writes into the event store of the stack; needs the embedded one")
    running = Stack(tmp_path)
    yield running
    if running.process.poll() is None:
        running.stop()


def _eventually(check: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def _pid_of(stack: Stack, *args: str) -> int | None:
    """The one live process of ours whose command line ends with `args`."""
    found = []
    for process in stack.descendants():
        try:
            if (process.status() != psutil.STATUS_ZOMBIE
                    and process.cmdline()[-len(args):] == list(args)):
                found.append(process.pid)
        except psutil.NoSuchProcess:
            continue  # ended while we looked
    return found[0] if len(found) == 1 else None


def _customers_projector_pid(stack: Stack) -> int | None:
    """The projector process (`cis up` runs every read model in one, a thread each)."""
    return _pid_of(stack, "project", "run")


def test_a_poison_event_stalls_only_its_read_model_and_the_system_stays_up(
    stack: Stack, tmp_path: Path
) -> None:
    command, query = stack.endpoints["command_api"], stack.endpoints["query_api"]
    auth = stack.auth

    # A customer with a touchpoint note, projected everywhere.
    customer = httpx.post(f"{command}/api/v1/customers", json=CUSTOMER, headers=auth).json()
    touched = httpx.post(f"{command}/api/v1/customers/{customer['id']}/touchpoints",
                         json={"kind": "showroom_visit", "channel": "showroom",
                               "note": "wants a tow bar"}, headers=auth)
    assert touched.status_code == 200, touched.text
    assert httpx.get(f"{query}/api/v1/customers/{customer['id']}", headers=auth,
                     params={"min_position": touched.json()["position"]}).status_code == 200
    projector = _customers_projector_pid(stack)

    # The poison event: a copy of that touchpoint with its sealed note damaged.
    poison = append_damaged_copy(stack.endpoints["database_url"], customer["id"],
                                 touched.json()["version"])

    # Commands are still accepted, and journeys and dashboards keep up with them.
    later = httpx.post(f"{command}/api/v1/customers", json=CUSTOMER, headers=auth)
    assert later.status_code == 201, later.text
    at = {"min_position": later.json()["position"]}
    assert later.json()["position"] > poison
    journey = httpx.get(f"{query}/api/v1/customers/{later.json()['id']}/journey",
                        params=at, headers=auth, timeout=10)
    assert journey.status_code == 200, journey.text
    funnel = httpx.get(f"{query}/api/v1/dashboards/funnel", params=at, headers=auth, timeout=10)
    assert funnel.status_code == 200, funnel.text
    # The customers read model says it has not got there yet, rather than lie.
    behind = httpx.get(f"{query}/api/v1/customers/{later.json()['id']}", params=at,
                       headers=auth, timeout=10)
    assert behind.status_code == 503 and behind.headers["retry-after"]

    # /ready names the stalled read model and the event, without personal data.
    def stalled() -> list[dict[str, Any]]:
        return list(httpx.get(f"{query}/ready").json()["stalled"])

    [named] = _eventually(stalled)
    assert (named["read_model"], named["position"], named["error"]) == (
        "customers", poison, "InvalidTag")
    assert named["event_type"] == "domain.customer:Customer.TouchpointRecorded"
    ready = httpx.get(f"{query}/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "degraded"
    assert "tow bar" not in ready.text and "Luca" not in ready.text
    metrics = httpx.get(f"{query}/metrics").text
    assert 'cis_read_model_stalled{read_model="customers"} 1.0' in metrics
    assert 'cis_read_model_stalled{read_model="dashboards"} 0.0' in metrics
    # The same projector process retries: it neither exited nor was restarted.
    assert _eventually(lambda: stalled() and stalled()[0]["attempts"] >= 2)
    assert _customers_projector_pid(stack) == projector

    # The operator's way past it, next to the running stack.
    skipped = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "project", "skip", "customers",
         "--position", str(poison), "--reason", "note damaged at rest"],
        check=False, env={**os.environ, "CIS_DATA_DIR": str(tmp_path)}, capture_output=True,
        text=True,
        timeout=60)
    assert skipped.returncode == 0, skipped.stderr
    caught_up = _eventually(lambda: httpx.get(
        f"{query}/api/v1/customers/{later.json()['id']}", params=at, headers=auth,
        timeout=10).status_code == 200)
    assert caught_up
    assert httpx.get(f"{query}/ready").json() | {"checks": None} == {
        "status": "ready", "checks": None, "stalled": []}
    # Everything that does not depend on the damaged note is still there.
    kept = httpx.get(f"{query}/api/v1/customers/{customer['id']}", headers=auth).json()
    assert kept["canton"] == "TI"

    # A child that dies is restarted on its own; the others are left alone.
    api, relay = _pid_of(stack, "api", "command"), _pid_of(stack, "relay")
    assert api and relay and projector
    os.kill(projector, signal.SIGKILL)
    assert _eventually(lambda: _customers_projector_pid(stack) not in (None, projector))
    assert _pid_of(stack, "api", "command") == api and _pid_of(stack, "relay") == relay
    assert httpx.post(f"{command}/api/v1/customers", json=CUSTOMER,
                      headers=auth).status_code == 201

    stack.stop()
    assert stack.process.returncode == 0
