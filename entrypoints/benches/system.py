"""The whole system as `cis up` starts it, for a bench, and the CPU its processes spend.

`running_system` starts every worker of `cis up` (the same argument lists) on the
bench's settings, with a NATS and a Redis server of its own (so no other user's
messages or keys are counted, and none of theirs consumed). `cpu_seconds` reads
utime + stime from /proc for every process of it: the workers and their children,
the NATS and Redis servers, and the Postgres processes serving the bench's database
(its backends, and the server's own auxiliary processes: WAL writer, checkpointer …).
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

from adapters.embedded.nats import start_nats
from adapters.embedded.process import ServerProcess, free_port
from adapters.embedded.redis import start_redis
from adapters.settings import ResolvedSettings
from entrypoints.migrate import migrate
from entrypoints.up import WORKERS, smtp_sink
from projections.registry import READ_MODELS

__all__ = ["PROJECTOR_LAYOUTS", "System", "cpu_seconds", "running_system"]

_TICKS = os.sysconf("SC_CLK_TCK")


# The ways to run the read models' projectors: `cis up` uses one of them (`WORKERS`).
PROJECTOR_LAYOUTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "a process per read model": tuple(("project", "run", m.name) for m in READ_MODELS),
    "one process, a thread per read model": (("project", "run"),),
}


@dataclass
class System:
    settings: ResolvedSettings
    processes: dict[str, ServerProcess]  # by name ("project run customers", "nats", …)
    work_dir: Path

    def use_projectors(self, layout: tuple[tuple[str, ...], ...]) -> None:
        """Stop the projector processes, start those of `layout`."""
        for name in [n for n in self.processes if n.startswith("project ")]:
            self.processes.pop(name).stop()
        for args in layout:
            self.start(args)

    def start(self, args: tuple[str, ...]) -> None:
        name = " ".join(args)
        env = {**os.environ, **self.settings.as_env()}
        self.processes[name] = ServerProcess(
            name, [sys.executable, "-m", "entrypoints.cli", *args],
            self.work_dir / "logs" / f"{name.replace(' ', '-')}.log", env=env)

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far, by process name (Postgres as one)."""
        spent = {name: _tree_seconds(p.process.pid) for name, p in self.processes.items()}
        spent["postgres"] = _postgres_seconds(self.settings.database_url)
        return spent


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (all its threads), in seconds; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime (fields 14, 15)


def _tree_seconds(pid: int) -> float:
    return sum(cpu_seconds(p) for p in _with_descendants(pid))


def _with_descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo.extend(int(child) for child in task.read_text().split())
            except FileNotFoundError:
                continue
    return found


def _postgres_seconds(database_url: str) -> float:
    """The bench database's backends and the server's auxiliary processes (datname NULL).
    A server on another machine has none here: 0."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE (datname = current_database() "
            "OR datname IS NULL) AND pid <> pg_backend_pid()").fetchall()
    return sum(cpu_seconds(int(row[0])) for row in rows)


@contextmanager
def running_system(settings: ResolvedSettings, work_dir: Path) -> Iterator[System]:
    """Every process of `cis up` on `settings`' database, with NATS and Redis of its own."""
    nats, nats_url = start_nats(work_dir, settings.host)
    redis, redis_url = start_redis(work_dir, settings.host)
    processes: dict[str, ServerProcess] = {"nats-server": nats, "redis-server": redis}
    own = dataclasses.replace(
        settings, nats_url=nats_url, redis_url=redis_url, data_dir=work_dir,
        command_port=free_port(settings.host), query_port=free_port(settings.host),
        rate_limit_per_minute=10**9,  # the bench measures the fan-out, not the limit
        retention_daily=False, log_level="warning")
    try:
        with smtp_sink(own) as resolved:
            migrate(resolved)
            system = System(resolved, processes, work_dir)
            for args in WORKERS:
                system.start(args)
            _wait_healthy(resolved, processes)
            yield system
    finally:
        for process in reversed(list(processes.values())):
            process.stop()


def _wait_healthy(settings: ResolvedSettings, processes: dict[str, ServerProcess],
                  timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    for port in (settings.command_port, settings.query_port):
        url = f"http://{settings.host}:{port}/health"
        while True:
            exited = [n for n, p in processes.items() if p.process.poll() is not None]
            if exited:
                raise RuntimeError(f"{', '.join(exited)} exited while starting "
                                   f"(logs under {settings.data_dir / 'logs'})")
            try:
                if httpx.get(url, timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout}s")
            time.sleep(0.1)
