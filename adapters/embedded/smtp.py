"""The embedded SMTP sink (adapters.smtp.sink) as a child process, on a free port."""

from __future__ import annotations

import sys
from pathlib import Path

from adapters.embedded.process import ServerProcess, free_port, wait_for_port

__all__ = ["mail_dir", "start_smtp_sink"]


def mail_dir(data_dir: Path) -> Path:
    """Where the sink keeps the messages it accepted: `<data dir>/mail/`."""
    return data_dir / "mail"


def start_smtp_sink(data_dir: Path, host: str = "127.0.0.1", port: int | None = None,
                    answer_delay: float = 0.0,
                    refuse_domain: str | None = None) -> tuple[ServerProcess, str]:
    port = port or free_port(host)
    refusing = ["--refuse-domain", refuse_domain] if refuse_domain else []
    server = ServerProcess(
        "smtp",
        [sys.executable, "-m", "adapters.smtp.sink", "--dir", str(mail_dir(data_dir)),
         "--host", host, "--port", str(port), "--answer-delay", str(answer_delay),
         *refusing],
        data_dir / "logs" / "smtp.log",
    )
    wait_for_port(host, port, 30.0, server.process)
    return server, f"smtp://{host}:{port}"
