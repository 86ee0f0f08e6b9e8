"""`cis up`'s supervision with real child processes: a child that keeps exiting is backed
off and parked on its own budget; a healthy one keeps running throughout."""

from __future__ import annotations

import itertools
import json
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.embedded.process import ServerProcess
from entrypoints.supervision import RestartPolicy, State, Supervised, stop_all, supervise
from tests.readmodels import wait_for

POLICY = RestartPolicy(budget=3, window=60.0, first_delay=0.2, max_delay=0.5,
                       remind_every=0.5)


def _python(name: str, code: str, started: list[float]) -> Supervised:
    def spawn() -> ServerProcess:
        started.append(time.monotonic())
        return ServerProcess(name, [sys.executable, "-c", code], None)

    return Supervised(name, spawn, POLICY)


@pytest.fixture
def running() -> Iterator[list[Supervised]]:
    children: list[Supervised] = []
    yield children
    for child in children:
        child.stop()


def _supervised(children: list[Supervised], status: Path) -> tuple[threading.Event,
                                                                     threading.Thread]:
    for child in children:
        child.start()
    stopping = threading.Event()
    thread = threading.Thread(target=supervise, args=(children, stopping),
                              kwargs={"status_file": status, "interval": 0.05})
    thread.start()
    return stopping, thread


def test_a_child_that_keeps_failing_is_backed_off_then_parked_and_the_others_keep_running(
    running: list[Supervised], tmp_path: Path
) -> None:
    healthy_starts: list[float] = []
    failing_starts: list[float] = []
    healthy = _python("healthy", "import time; time.sleep(300)", healthy_starts)
    failing = _python("failing", "raise SystemExit(3)", failing_starts)
    running.extend([healthy, failing])
    status = tmp_path / "processes.json"
    stopping, thread = _supervised(running, status)
    try:
        first_pid = healthy.child.process.pid  # type: ignore[union-attr]
        wait_for(lambda: failing.state is State.PARKED, timeout=30)

        # Started once, restarted as often as its budget allows, each time after a
        # longer back-off; then left down.
        assert len(failing_starts) == 1 + POLICY.budget
        assert failing.delays == [0.2, 0.4, 0.5]  # doubling, capped at max_delay
        gaps = [b - a for a, b in itertools.pairwise(failing_starts)]
        assert all(gap >= delay for gap, delay in zip(gaps, failing.delays, strict=True))
        assert failing.last_code == 3
        time.sleep(1.0)  # parked stays parked
        assert len(failing_starts) == 1 + POLICY.budget

        # The healthy one was never touched: same process, still running.
        assert healthy.state is State.RUNNING
        assert healthy.child.process.pid == first_pid  # type: ignore[union-attr]
        assert healthy.child.process.poll() is None  # type: ignore[union-attr]
        assert len(healthy_starts) == 1
        assert not stopping.is_set()
        wait_for(lambda: json.loads(status.read_text()) == {"healthy": "running",
                                                             "failing": "parked"}, timeout=10)
    finally:
        stopping.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def test_a_child_that_crashes_once_is_restarted_and_runs_on(
    running: list[Supervised], tmp_path: Path
) -> None:
    marker = tmp_path / "crashed-once"
    code = (f"import pathlib, sys, time; m = pathlib.Path({str(marker)!r})\n"
            "if not m.exists(): m.touch(); sys.exit(1)\n"
            "time.sleep(300)")
    starts: list[float] = []
    flaky = _python("flaky", code, starts)
    running.append(flaky)
    stopping, thread = _supervised(running, tmp_path / "processes.json")
    try:
        wait_for(lambda: len(starts) == 2 and flaky.state is State.RUNNING, timeout=30)
        time.sleep(0.5)
        assert flaky.child.process.poll() is None  # type: ignore[union-attr]
        assert flaky.delays == [0.2]
        assert len(starts) == 2
    finally:
        stopping.set()
        thread.join(timeout=10)


def test_stopping_signals_every_child_at_once_and_kills_one_past_the_grace(
    running: list[Supervised], tmp_path: Path
) -> None:
    # Each graceful child takes a second to stop after SIGTERM (a batch to finish);
    # the stubborn one ignores SIGTERM. Each says "ready" once its handler is set.
    graceful = ("import signal, sys, time\n"
                "signal.signal(signal.SIGTERM, lambda *_: (time.sleep(1), sys.exit(0)))\n"
                "print('ready', flush=True)\n"
                "time.sleep(300)")
    stubborn = ("import signal, time\n"
                "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                "print('ready', flush=True)\n"
                "time.sleep(300)")

    def child(name: str, code: str) -> Supervised:
        log = tmp_path / f"{name}.log"
        return Supervised(name, lambda: ServerProcess(name, [sys.executable, "-c", code], log),
                          POLICY)

    children = [child(f"graceful-{n}", graceful) for n in range(3)]
    children.append(child("stubborn", stubborn))
    running.extend(children)
    for supervised in children:
        supervised.start()
    for supervised in children:
        log = tmp_path / f"{supervised.name}.log"
        wait_for(lambda log=log: log.exists() and "ready" in log.read_text(),  # type: ignore[misc]
                 timeout=60)

    stop_all(children, grace=2.5)

    codes = {c.name: c.child.process.returncode for c in children if c.child is not None}
    # Signalled one after another, three children taking 1 s each would not all have
    # exited 0 within a grace of 2.5 s.
    assert codes == {"graceful-0": 0, "graceful-1": 0, "graceful-2": 0, "stubborn": -9}
