"""Hand a message to the SMTP server (aiosmtplib) and say how it went.

Connection failures, timeouts and 4xx answers are transient (`SmtpUnavailable`: try
again later); a 5xx answer is permanent (`SmtpRefused`). Neither carries the server's
text, which may quote the recipient's address: only the code.
"""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from adapters.smtp.connection import SmtpServer

__all__ = ["SmtpRefused", "SmtpSender", "SmtpUnavailable"]


class SmtpUnavailable(Exception):
    """The server could not be reached or answered 4xx: try again later."""


class SmtpRefused(Exception):
    """The server refused the message for good (5xx)."""


class SmtpSender:
    def __init__(self, server: SmtpServer, *, timeout: float = 15.0) -> None:
        self._server = server
        self._timeout = timeout

    async def send(self, message: EmailMessage) -> None:
        """Return once the server accepted the message."""
        s = self._server
        try:
            await aiosmtplib.send(message, hostname=s.host, port=s.port, use_tls=s.implicit_tls,
                                  start_tls=s.starttls, username=s.user, password=s.password,
                                  timeout=self._timeout)
        except aiosmtplib.SMTPRecipientsRefused as refused:
            codes = sorted({error.code for error in refused.recipients})
            _raise_for(codes[-1] if codes else 550)
        except aiosmtplib.SMTPResponseException as answer:
            _raise_for(answer.code)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise SmtpUnavailable(type(error).__name__) from None


def _raise_for(code: int) -> None:
    if 500 <= code < 600:
        raise SmtpRefused(f"SMTP {code}") from None
    raise SmtpUnavailable(f"SMTP {code}") from None
