"""CIS_SMTP_URL: smtp:// with STARTTLS, smtps://, user and password."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.settings import Settings
from adapters.smtp.connection import SmtpServer, parse_smtp_url


def test_smtp_upgrades_when_offered_and_smtps_speaks_tls_at_once() -> None:
    assert parse_smtp_url("smtp://mail.example.ch") == SmtpServer("mail.example.ch", 587)
    assert parse_smtp_url("smtps://mail.example.ch") == SmtpServer(
        "mail.example.ch", 465, implicit_tls=True, starttls=False)
    assert parse_smtp_url("smtp://h:2525?starttls=required").starttls is True
    assert parse_smtp_url("smtp://h:2525?starttls=off").starttls is False


def test_user_and_password_are_percent_decoded_and_never_shown() -> None:
    server = parse_smtp_url("smtp://cis%40example.ch:p%C3%A4ss%3Aw%40rd@h:587")
    assert (server.user, server.password) == ("cis@example.ch", "päss:w@rd")
    assert "päss" not in repr(server)


@pytest.mark.parametrize("url", ["http://h", "smtp://", "smtp://h?starttls=maybe"])
def test_a_wrong_url_is_refused_with_a_message(url: str) -> None:
    with pytest.raises(ValueError, match="CIS_SMTP_URL"):
        parse_smtp_url(url)


def test_the_smtp_settings_reach_child_processes(tmp_path: Path) -> None:
    settings = Settings.from_env({"CIS_SMTP_URL": "smtps://u:p@h", "CIS_MAIL_FROM": "a@b.ch",
                                  "CIS_DATA_DIR": str(tmp_path)})
    assert Settings.from_env(settings.as_env()) == settings
    assert (settings.smtp_url, settings.mail_from) == ("smtps://u:p@h", "a@b.ch")
