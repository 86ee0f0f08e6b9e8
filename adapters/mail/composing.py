"""An e-mail from a rendered notification: plain text and HTML, with its Message-ID."""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from adapters.mail.rendering import Rendered

__all__ = ["compose", "domain_of"]


def domain_of(sender: str) -> str:
    """The domain of the sender's address: the right-hand side of every Message-ID."""
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "cis.localhost"


def compose(rendered: Rendered, *, sender: str, to_name: str | None, to_email: str,
            message_id: str, language: str, sent_at: datetime, reply_to: str,
            marketing: bool) -> EmailMessage:
    """`reply_to`: an address that is read; a marketing mail also names it as the way
    to unsubscribe (RFC 2369), as its footer says."""
    message = EmailMessage()
    message["From"] = sender
    message["Reply-To"] = reply_to
    if marketing:
        message["List-Unsubscribe"] = f"<mailto:{reply_to}?subject=unsubscribe>"
    user, _, domain = to_email.rpartition("@")
    message["To"] = Address(display_name=to_name or "", username=user, domain=domain)
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    message["Content-Language"] = language  # after the parts: set_content drops Content-*
    return message
