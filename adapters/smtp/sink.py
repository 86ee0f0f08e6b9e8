"""A local SMTP server that keeps every message it accepts as a `.eml` file.

The embedded default for development and tests: it speaks real SMTP (aiosmtpd), so
the consumer sends exactly as it would to a real server, and nothing leaves the
machine. Each message is written to `<dir>/<received>-<Message-ID>.eml` (written
aside, then renamed: a reader never sees half a file). Like a real mailbox it keeps
a message sent twice twice: a resend after a crash shows as a second file with the
same Message-ID.

Run: `python -m adapters.smtp.sink --dir DIR --host HOST --port PORT`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

__all__ = ["MailDirectory", "serve"]

_UNSAFE = re.compile(r"[^A-Za-z0-9@._-]")


class MailDirectory:
    """aiosmtpd handler: accept every message and store it as a file."""

    def __init__(self, directory: Path, answer_delay: float = 0.0,
                 refuse_domain: str | None = None) -> None:
        self.directory = directory
        self.answer_delay = answer_delay
        self.refuse_domain = refuse_domain
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_RCPT(self, server: SMTP, session: Session,  # noqa: N802 - aiosmtpd's name
                          envelope: Envelope, address: str, rcpt_options: list[str]) -> str:
        if self.refuse_domain and address.lower().endswith("@" + self.refuse_domain):
            return "550 5.1.1 No such mailbox here"  # a bounce, as a real server says it
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session,  # noqa: N802 - aiosmtpd's name
                          envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message = message_from_bytes(content, policy=policy.default)
        ident = _UNSAFE.sub("_", str(message.get("Message-ID", "")).strip("<> ")) or "no-id"
        received = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f")
        path = self.directory / f"{received}-{ident}.eml"
        draft = path.with_suffix(".part")
        draft.write_bytes(content)
        os.replace(draft, path)
        if self.answer_delay:  # the message is kept, the client still waits for the answer
            await asyncio.sleep(self.answer_delay)
        return "250 Message accepted for delivery"


async def serve(directory: Path, host: str, port: int, answer_delay: float = 0.0,
                refuse_domain: str | None = None) -> None:
    loop = asyncio.get_running_loop()
    handler = MailDirectory(directory, answer_delay, refuse_domain)
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="cis-mail-sink", ident="CIS mail sink"), host, port)
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    async with server:
        await stopping.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--answer-delay", type=float, default=0.0,
                        help="seconds between keeping a message and answering 250 (to test "
                             "a client that dies in between)")
    parser.add_argument("--refuse-domain", help="answer 550 to recipients at this domain")
    args: Any = parser.parse_args(argv)
    asyncio.run(serve(args.dir, args.host, args.port, args.answer_delay, args.refuse_domain))


if __name__ == "__main__":
    main()
