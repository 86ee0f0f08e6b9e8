"""The CPU a call costs across the processes it runs in: this one (per-process clock)
and the Postgres backends of the bench's database (`/proc/<pid>/schedstat`: the time
each has run, in ns; its `stat` counts 10 ms ticks, too coarse for a 1 ms call).

Wall time on a shared 2-core machine measures the neighbours as much as the call;
CPU does not. When Postgres is not on this machine its backends cannot be read, and
only this process is counted (`counts_server` says so).
"""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

__all__ = ["CallCPU"]

_LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}


class CallCPU:
    def __init__(self, database_url: str) -> None:
        self._url = database_url
        host = str(conninfo_to_dict(database_url).get("host", ""))
        self.counts_server = host in _LOCAL_HOSTS or host.startswith("/")
        self._stats: list[Path] = []

    def find_backends(self) -> None:
        """Every client backend on the bench's database (once its pools are open)."""
        if not self.counts_server:
            return
        with psycopg.connect(self._url, autocommit=True) as conn:
            rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = "
                                "current_database() AND pid <> pg_backend_pid()").fetchall()
        self._stats = [Path(f"/proc/{pid}/schedstat") for (pid,) in rows]

    def now_ms(self) -> float:
        """CPU so far: this process and the backends found, in ms."""
        return time.process_time() * 1000 + sum(_ran_ns(stat) for stat in self._stats) / 1e6


def _ran_ns(schedstat: Path) -> int:
    try:
        return int(schedstat.read_text().split()[0])
    except OSError:  # that backend has gone: it costs nothing more
        return 0
