"""Child server processes that die with their parent and stop cleanly."""

from __future__ import annotations

import ctypes
import os
import pwd
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import structlog

__all__ = ["ServerProcess", "as_user", "free_port", "wait_for_port"]

log = structlog.get_logger()
_PR_SET_PDEATHSIG = 1


def free_port(host: str = "127.0.0.1") -> int:
    """A loopback port nobody listens on now; never one of the standard ports."""
    while True:
        with socket.socket() as sock:
            sock.bind((host, 0))
            port = int(sock.getsockname()[1])
        if port not in (4222, 5432, 6379):
            return port


def wait_for_port(host: str, port: int, timeout: float, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode} before listening")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"server did not listen on {host}:{port} within {timeout}s")


def as_user(user: str | None) -> dict[str, Any]:
    """Popen arguments to run as `user` with that user's own group and no others: with
    root's group kept, group bits of root-owned directories would lock them out."""
    if user is None:
        return {}
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _die_with_parent(sig: int) -> Callable[[], None]:
    def set_parent_death_signal() -> None:
        # So an embedded server never outlives `cis up`, even when it is SIGKILLed.
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, sig)
        os.setpgrp()  # Ctrl-C in the terminal goes to us; we stop children in order.

    return set_parent_death_signal


class ServerProcess:
    """A server or worker run as our child, with its output in a log file or ours."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path | None,
        *,
        env: dict[str, str] | None = None,
        stop_signal: int = signal.SIGTERM,
        user: str | None = None,
    ) -> None:
        self.name = name
        self.stop_signal = stop_signal
        self._log = None
        if log_path is not None:  # else the child shares our stdout and stderr
            log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = log_path.open("ab")
        self.process = subprocess.Popen(
            list(argv),
            stdout=self._log,
            stderr=subprocess.STDOUT if self._log else None,
            stdin=subprocess.DEVNULL,
            env=env,
            **as_user(user),
            preexec_fn=_die_with_parent(stop_signal),
        )

    def stop(self, timeout: float = 15.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("process did not stop in time; killing it", process=self.name)
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
