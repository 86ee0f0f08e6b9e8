"""Where and how to reach the SMTP server: `CIS_SMTP_URL`.

`smtp://[user[:password]@]host[:port]` (port 587 by default) upgrades to TLS with
STARTTLS when the server offers it, and insists on it with `?starttls=required`;
`smtps://…` (port 465) speaks TLS from the start. User and password are
percent-decoded, so any character can be given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["SmtpServer", "parse_smtp_url"]


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool = False
    starttls: bool | None = None  # None: when offered (aiosmtplib's meaning)
    user: str | None = None
    password: str | None = field(default=None, repr=False)


def parse_smtp_url(url: str) -> SmtpServer:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("CIS_SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("CIS_SMTP_URL names no host")
    implicit = parts.scheme == "smtps"
    option = parse_qs(parts.query).get("starttls", ["auto"])[-1]
    if option not in ("auto", "required", "off"):
        raise ValueError("CIS_SMTP_URL: starttls must be auto, required or off")
    starttls = None if option == "auto" else option == "required"
    return SmtpServer(
        host=parts.hostname, port=parts.port or (465 if implicit else 587),
        implicit_tls=implicit, starttls=False if implicit else starttls,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None)
