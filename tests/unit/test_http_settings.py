"""The HTTP layer's settings: read from the environment, refused when meaningless."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.settings import Settings


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"CIS_DATA_DIR": str(tmp_path), "CIS_JWT_SECRET": "s", "CIS_MASTER_KEY": "k", **extra}


def test_defaults(tmp_path: Path) -> None:
    settings = Settings.from_env(_env(tmp_path))
    assert settings.token_max_ttl_hours == 24
    assert settings.auth_failures_per_minute == 60
    assert settings.max_body_bytes == 1_048_576


def test_read_from_the_environment_and_passed_to_children(tmp_path: Path) -> None:
    settings = Settings.from_env(_env(tmp_path, CIS_TOKEN_MAX_TTL_HOURS="1.5",
                                      CIS_AUTH_FAILURES_PER_MINUTE="7",
                                      CIS_MAX_BODY_BYTES="2048"))
    assert (settings.token_max_ttl_hours, settings.auth_failures_per_minute,
            settings.max_body_bytes) == (1.5, 7, 2048)
    assert Settings.from_env(settings.as_env()) == settings


@pytest.mark.parametrize(("name", "value"), [
    ("CIS_TOKEN_MAX_TTL_HOURS", "0"), ("CIS_TOKEN_MAX_TTL_HOURS", "-1"),
    ("CIS_TOKEN_MAX_TTL_HOURS", "nan"), ("CIS_TOKEN_MAX_TTL_HOURS", "a day"),
    ("CIS_AUTH_FAILURES_PER_MINUTE", "0"), ("CIS_MAX_BODY_BYTES", "1MB"),
])
def test_meaningless_values_are_refused_by_name(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        Settings.from_env(_env(tmp_path, **{name: value}))
