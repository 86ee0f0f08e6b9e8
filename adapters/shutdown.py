"""How long a process may take to stop, and the watchdog that holds it to that.

On SIGTERM (or Ctrl-C) every process stops taking new work, finishes the batch in hand
(a read model's transaction, a relay batch's publish and position, a consumer's acks),
closes its connections and exits 0. `STOP_SECONDS` bounds that: a process still
running then (stuck in a call that does not return) is ended by its own watchdog with
exit code 1. Nothing is lost that way either: every batch is one transaction and an
unacknowledged message is delivered again. Whatever stops our processes (`cis up`, a
container runtime: compose's `stop_grace_period`) must allow a little more than this.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable

import structlog

__all__ = ["STOP_SECONDS", "SUPERVISOR_GRACE_SECONDS", "on_stop_signal", "start_watchdog"]

log = structlog.get_logger()

STOP_SECONDS = 10.0
# What a supervisor waits after SIGTERM before SIGKILL: the bound plus the interpreter's exit.
SUPERVISOR_GRACE_SECONDS = STOP_SECONDS + 3.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_LAST_WORD_SECONDS = 0.2  # how long an overdue process waits for its log line to go out

_watchdog_started = threading.Event()


def start_watchdog(seconds: float = STOP_SECONDS) -> None:
    """From now on the process has `seconds` to exit on its own (started once)."""
    if _watchdog_started.is_set():
        return
    _watchdog_started.set()

    def overdue() -> None:
        # The last word is said from a thread of its own: with a stderr pipe nobody
        # reads (a full one), writing it would block, and the process live on.
        threading.Thread(target=log.error, daemon=True, args=(
            "did not stop in time; exiting now (unfinished batches are redone)",),
            kwargs={"within_seconds": seconds}).start()
        time.sleep(_LAST_WORD_SECONDS)
        os._exit(1)  # threads stuck in I/O would keep a normal exit waiting

    timer = threading.Timer(seconds, overdue)
    timer.daemon = True
    timer.start()
    log.info("stopping", within_seconds=seconds)  # after the timer: it may block on stderr


def on_stop_signal(stop: Callable[[], None]) -> None:
    """SIGTERM and SIGINT call `stop` and start the watchdog (main thread only)."""

    def handle(_signum: int, _frame: object) -> None:
        start_watchdog()
        stop()

    for sig in STOP_SIGNALS:
        signal.signal(sig, handle)
