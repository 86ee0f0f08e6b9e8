"""The retention policy's settings: defaults, the policy they make, clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.settings import Settings
from domain.retention import RetentionPolicy
from entrypoints.dsg_wiring import retention_policy


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"CIS_DATA_DIR": str(tmp_path), "CIS_JWT_SECRET": "s", "CIS_MASTER_KEY": "k", **extra}


def test_the_defaults_are_the_documented_policy(tmp_path: Path) -> None:
    settings = Settings.from_env(_env(tmp_path))
    assert retention_policy(settings) == RetentionPolicy(
        prospecting_months=24, customer_care_months=36, business_year_end=(12, 31))
    assert settings.retention_daily is True
    assert settings.idempotency_key_hours == 24.0


def test_configured_and_passed_to_children(tmp_path: Path) -> None:
    settings = Settings.from_env(_env(
        tmp_path, CIS_RETENTION_PROSPECTING_MONTHS="12", CIS_RETENTION_CUSTOMER_CARE_MONTHS="60",
        CIS_BUSINESS_YEAR_END="06-30", CIS_RETENTION_DAILY="false",
        CIS_IDEMPOTENCY_KEY_HOURS="72"))
    assert retention_policy(settings) == RetentionPolicy(12, 60, business_year_end=(6, 30))
    assert settings.retention_daily is False
    assert settings.idempotency_key_hours == 72.0
    assert Settings.from_env(settings.as_env()) == settings


@pytest.mark.parametrize(("name", "value"), [
    ("CIS_RETENTION_PROSPECTING_MONTHS", "0"), ("CIS_RETENTION_PROSPECTING_MONTHS", "two years"),
    ("CIS_RETENTION_CUSTOMER_CARE_MONTHS", "-3"), ("CIS_BUSINESS_YEAR_END", "02-29"),
    ("CIS_BUSINESS_YEAR_END", "31.12."), ("CIS_BUSINESS_YEAR_END", "13-01"),
    ("CIS_RETENTION_DAILY", "sometimes"), ("CIS_IDEMPOTENCY_KEY_HOURS", "0"),
    ("CIS_IDEMPOTENCY_KEY_HOURS", "a day"),
])
def test_meaningless_values_are_refused_by_name(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        Settings.from_env(_env(tmp_path, **{name: value}))
