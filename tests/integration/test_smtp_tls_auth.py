"""CIS_SMTP_URL against a real SMTP server (aiosmtpd) that insists on TLS and a login,
as a production relay does: STARTTLS on smtp://, TLS from the start on smtps://, the
user and password from the URL. A certificate of the test's own, trusted through
SSL_CERT_FILE (as an operator would point at a private CA)."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from adapters.embedded.process import free_port
from adapters.smtp.connection import parse_smtp_url
from adapters.smtp.sending import SmtpSender, SmtpUnavailable
from adapters.smtp.sink import MailDirectory

USER, PASSWORD = "cis@example.ch", "pä ss:w@rd"
QUOTED = "cis%40example.ch:p%C3%A4%20ss%3Aw%40rd"


def _certificate(where: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = where / "cert.pem", where / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class Logins:
    """aiosmtpd authenticator: the one user, and who logged in over what."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, bool]] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str,
                 auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER
              and auth_data.password.decode() == PASSWORD)
        if ok:
            self.seen.append((USER, session.ssl is not None or server.transport.get_extra_info(
                "ssl_object") is not None))
        return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535


@pytest.fixture
def tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ssl.SSLContext]:
    cert, key = _certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts this server
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    yield context


def _server(tmp_path: Path, logins: Logins, context: ssl.SSLContext, *,
            implicit: bool) -> Controller:
    # Implicit TLS: aiosmtpd does not count it as TLS for `auth_require_tls`, but
    # nothing else is spoken on that port.
    tls_options: dict[str, Any] = (
        {"ssl_context": context, "auth_require_tls": False} if implicit
        else {"tls_context": context, "require_starttls": True, "auth_require_tls": True})
    controller = Controller(MailDirectory(tmp_path / "mail"), hostname="127.0.0.1",
                            port=free_port(), authenticator=logins, auth_required=True,
                            **tls_options)
    controller.start()
    return controller


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"] = "no-reply@cis.example", "anna@example.ch"
    message["Subject"], message["Message-ID"] = "Test", "<tls-auth@cis.example>"
    message.set_content("Guten Tag")
    return message


# aiosmtpd warns of AUTH without its STARTTLS; on smtps the whole session is TLS.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("scheme", ["smtp", "smtps"])
async def test_mail_goes_over_tls_with_the_urls_user_and_password(
    scheme: str, tmp_path: Path, tls: ssl.SSLContext
) -> None:
    logins = Logins()
    server = _server(tmp_path, logins, tls, implicit=scheme == "smtps")
    try:
        query = "?starttls=required" if scheme == "smtp" else ""
        sender = SmtpSender(parse_smtp_url(
            f"{scheme}://{QUOTED}@127.0.0.1:{server.port}{query}"))
        await sender.send(_message())
        await sender.close()
    finally:
        server.stop()
    assert logins.seen == [(USER, True)], "logged in, over TLS"
    assert [p.name.endswith("tls-auth@cis.example.eml")
            for p in (tmp_path / "mail").glob("*.eml")] == [True]


async def test_starttls_is_used_when_offered_even_without_asking(
    tmp_path: Path, tls: ssl.SSLContext
) -> None:
    logins = Logins()
    server = _server(tmp_path, logins, tls, implicit=False)
    try:
        sender = SmtpSender(parse_smtp_url(f"smtp://{QUOTED}@127.0.0.1:{server.port}"))
        await sender.send(_message())
        await sender.close()
    finally:
        server.stop()
    assert logins.seen == [(USER, True)]


async def test_a_wrong_password_is_a_fault_to_fix_not_a_refused_mail(
    tmp_path: Path, tls: ssl.SSLContext
) -> None:
    """Rejected credentials are the operator's to fix: the mail waits (retried with
    back-off) instead of being dead-lettered as if the recipient were refused."""
    server = _server(tmp_path, Logins(), tls, implicit=False)
    try:
        sender = SmtpSender(parse_smtp_url(
            f"smtp://cis%40example.ch:wrong@127.0.0.1:{server.port}?starttls=required"))
        with pytest.raises(SmtpUnavailable, match="535"):
            await sender.send(_message())
        await sender.close()
    finally:
        server.stop()
    assert not list((tmp_path / "mail").glob("*.eml"))
