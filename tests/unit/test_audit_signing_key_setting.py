"""CIS_AUDIT_SIGNING_KEY: taken from the environment, else a dev key kept in the data dir."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from adapters.audit.signed_file import parse_private_key
from adapters.settings import Settings


def test_a_dev_key_is_generated_once_and_kept_in_the_secrets(tmp_path: Path) -> None:
    first = Settings.from_env({"CIS_DATA_DIR": str(tmp_path)})
    again = Settings.from_env({"CIS_DATA_DIR": str(tmp_path)})

    kept = tmp_path / "secrets" / "audit_signing_key"
    assert kept.read_text() == first.audit_signing_key == again.audit_signing_key
    assert kept.stat().st_mode & 0o777 == 0o600
    assert len(base64.b64decode(first.audit_signing_key)) == 32
    parse_private_key(first.audit_signing_key)  # a usable Ed25519 key


def test_the_environment_wins_and_child_processes_see_the_same_key(tmp_path: Path) -> None:
    key = base64.b64encode(bytes(range(32))).decode()

    settings = Settings.from_env({"CIS_DATA_DIR": str(tmp_path), "CIS_AUDIT_SIGNING_KEY": key})

    assert settings.audit_signing_key == key
    assert not (tmp_path / "secrets" / "audit_signing_key").exists()
    assert Settings.from_env(settings.as_env()).audit_signing_key == key


def test_a_key_that_is_not_32_bytes_of_base64_is_refused() -> None:
    with pytest.raises(ValueError, match="CIS_AUDIT_SIGNING_KEY must be base64 of 32 bytes"):
        parse_private_key(base64.b64encode(b"short").decode())
