"""The watchdog ends a process that does not stop in time, even one whose log output
nobody reads: a full stderr pipe must not keep it alive (its own last log line included)."""

from __future__ import annotations

import subprocess
import sys

_STUCK = """
import sys, threading
from adapters.logging import configure_logging
from adapters.shutdown import start_watchdog
import structlog

configure_logging()
log = structlog.get_logger()
def flood():
    while True:  # every log line blocks once the pipe is full
        log.info("working", detail="x" * 1000)
flooding = threading.Thread(target=flood, daemon=True)
flooding.start()
flooding.join(1.0)  # by now the pipe is full: every log line blocks, the watchdog's too
start_watchdog(0.5)
threading.Event().wait()  # stuck: never stops on its own
"""


def test_a_stuck_process_whose_stderr_is_full_still_exits_on_time() -> None:
    child = subprocess.Popen([sys.executable, "-c", _STUCK], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)  # never read: the pipe fills
    try:
        code = child.wait(timeout=20)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        raise AssertionError("the watchdog did not end the process") from None
    assert code == 1
