"""Fixtures of the integration tests beyond the session's servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.embedded.smtp import mail_dir, start_smtp_sink


@pytest.fixture(scope="session")
def smtp_sink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """Our embedded SMTP sink (aiosmtpd, real SMTP): its URL and its mail directory."""
    where = tmp_path_factory.mktemp("smtp")
    server, url = start_smtp_sink(where)
    yield url, mail_dir(where)
    server.stop()
