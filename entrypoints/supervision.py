"""How `cis up` keeps its children running: each on its own, never all for one.

A child that exits is restarted after an exponential back-off (1 s, 2 s, 4 s … at most
60 s), counted against a budget of its own: at most `budget` restarts within `window`
seconds. One that uses up its budget is parked: left down, logged loudly (again each
`remind_every` seconds) and listed as "parked" in `<data dir>/run/processes.json`,
while every other process keeps running. Ctrl-C stops them all as before.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

import structlog

from adapters.backoff import Backoff
from adapters.shutdown import SUPERVISOR_GRACE_SECONDS

__all__ = ["Child", "RestartPolicy", "State", "Supervised", "stop_all", "supervise"]

log = structlog.get_logger()


class Child(Protocol):
    """What the supervisor needs of a running process (a ServerProcess has it)."""

    name: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None: ...


@dataclass(frozen=True)
class RestartPolicy:
    budget: int = 5  # restarts …
    window: float = 600.0  # … within this many seconds, then the process is parked
    first_delay: float = 1.0
    max_delay: float = 60.0
    remind_every: float = 60.0


class State(StrEnum):
    RUNNING = "running"
    WAITING = "waiting to restart"
    PARKED = "parked"


@dataclass
class Supervised:
    """One child and its own restart history."""

    name: str
    spawn: Callable[[], Child]
    policy: RestartPolicy = field(default_factory=RestartPolicy)
    clock: Callable[[], float] = time.monotonic
    child: Child | None = None
    state: State = State.RUNNING
    restarts: deque[float] = field(default_factory=deque)  # when, within the window
    delays: list[float] = field(default_factory=list)  # every back-off chosen, in order
    last_code: int | None = None
    _restart_at: float = 0.0
    _reminded_at: float = 0.0

    def start(self) -> None:
        self.child = self.spawn()
        self.state = State.RUNNING

    def check(self) -> None:
        """Look once: notice an exit, restart when its back-off is over, remind if parked."""
        now = self.clock()
        if self.state is State.PARKED:
            if now - self._reminded_at >= self.policy.remind_every:
                self._reminded_at = now
                log.error("process is parked (down) after too many restarts; the others "
                          "keep running; fix it and restart cis up", process=self.name,
                          code=self.last_code)
            return
        if self.state is State.WAITING:
            if now >= self._restart_at:
                self.restarts.append(now)
                log.warning("restarting process", process=self.name,
                            restarts_in_window=len(self.restarts))
                self.start()
            return
        if self.child is None:  # running or stopping: it was started
            raise AssertionError(f"{self.name} has no child in state {self.state}")
        code = self.child.process.poll()
        if code is None:
            return
        self.last_code = code
        while self.restarts and now - self.restarts[0] > self.policy.window:
            self.restarts.popleft()
        if len(self.restarts) >= self.policy.budget:
            self.state, self._reminded_at = State.PARKED, now
            log.error("process keeps exiting; parked (left down), the others keep running",
                      process=self.name, code=code, restarts=len(self.restarts),
                      window_seconds=self.policy.window)
            return
        # The more restarts in the window, the longer the wait: 1 s, 2 s, 4 s …
        backoff = Backoff(self.policy.first_delay, self.policy.max_delay,
                          failures=len(self.restarts))
        delay = backoff.next_delay()
        self.delays.append(delay)
        self.state, self._restart_at = State.WAITING, now + delay
        log.error("process exited; restarting after back-off", process=self.name, code=code,
                  retry_in_seconds=delay, restarts_in_window=len(self.restarts),
                  budget=self.policy.budget)

    def stop(self) -> None:
        if self.child is not None:
            self.child.stop()


def supervise(children: Sequence[Supervised], stopping: threading.Event, *,
              status_file: Path | None = None, interval: float = 0.5) -> None:
    """Until `stopping` is set: restart what exits, park what keeps exiting."""
    written: dict[str, str] = {}
    while not stopping.wait(interval):
        for supervised in children:
            supervised.check()
        states = {s.name: s.state.value for s in children}
        if status_file is not None and states != written:
            status_file.parent.mkdir(parents=True, exist_ok=True)
            status_file.write_text(json.dumps(states, indent=2))
            written = states


def stop_all(children: Sequence[Supervised], grace: float = SUPERVISOR_GRACE_SECONDS) -> None:
    """SIGTERM every running child at once, so stopping takes one process's bound, not
    the sum of them; a child still running after `grace` seconds is killed (its batch,
    never committed, is redone by the next start)."""
    running = [s.child for s in children
               if s.child is not None and s.child.process.poll() is None]
    for child in running:
        child.process.terminate()
    deadline = time.monotonic() + grace
    for child in running:
        try:
            child.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("process did not stop in time; killing it", process=child.name,
                        grace_seconds=grace)
            child.process.kill()
    for supervised in children:
        supervised.stop()  # reaps, and closes what the child held (its log file)
