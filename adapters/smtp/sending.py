"""Hand a message to the SMTP server (aiosmtplib) and say how it went.

Connection failures, timeouts, 4xx answers and a refused login (our credentials, for
the operator to fix) are transient (`SmtpUnavailable`: try again later); any other 5xx
answer is permanent (`SmtpRefused`). Neither carries the server's
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
    """Sends over one connection, kept open while there is more to send (`close` when
    the sweep is done): a connection and EHLO per message would cost more than the
    message itself."""

    def __init__(self, server: SmtpServer, *, timeout: float = 15.0) -> None:
        self._server = server
        self._timeout = timeout
        self._client: aiosmtplib.SMTP | None = None

    async def send(self, message: EmailMessage) -> None:
        """Return once the server accepted the message."""
        try:
            try:
                await (await self._connected()).send_message(message)
            except aiosmtplib.SMTPServerDisconnected:
                # The kept connection was closed by the server meanwhile: once more anew.
                await self.close()
                await (await self._connected()).send_message(message)
        except aiosmtplib.SMTPAuthenticationError as login:
            # Our credentials, not the recipient: the operator fixes CIS_SMTP_URL and
            # the mail goes then, instead of each one being dead-lettered meanwhile.
            await self.close()
            raise SmtpUnavailable(f"SMTP {login.code}: login refused, check the user and "
                                  "password of CIS_SMTP_URL") from None
        except aiosmtplib.SMTPRecipientsRefused as refused:
            await self._reset()
            codes = sorted({error.code for error in refused.recipients})
            _raise_for(codes[-1] if codes else 550)
        except aiosmtplib.SMTPResponseException as answer:
            await self._reset()
            _raise_for(answer.code)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            await self.close()
            raise SmtpUnavailable(type(error).__name__) from None

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                client.close()

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is None or not self._client.is_connected:
            s = self._server
            client = aiosmtplib.SMTP(hostname=s.host, port=s.port, use_tls=s.implicit_tls,
                                     start_tls=s.starttls, username=s.user, password=s.password,
                                     timeout=self._timeout)
            await client.connect()
            self._client = client
        return self._client

    async def _reset(self) -> None:
        """After a refusal the connection stays usable once the transaction is reset."""
        if self._client is not None and self._client.is_connected:
            try:
                await self._client.rset()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                await self.close()


def _raise_for(code: int) -> None:
    if 500 <= code < 600:
        raise SmtpRefused(f"SMTP {code}") from None
    raise SmtpUnavailable(f"SMTP {code}") from None
