"""The read replica's settings: read from the environment and passed to child processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.settings import Settings


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"CIS_DATA_DIR": str(tmp_path), "CIS_JWT_SECRET": "s", "CIS_MASTER_KEY": "k", **extra}


def test_without_them_the_query_api_reads_the_primary_and_never_falls_back(
    tmp_path: Path
) -> None:
    settings = Settings.from_env(_env(tmp_path))
    assert (settings.read_database_url, settings.read_fallback_to_primary) == (None, False)


def test_a_child_process_gets_the_same_replica_and_fallback(tmp_path: Path) -> None:
    settings = Settings.from_env(_env(
        tmp_path, CIS_READ_DATABASE_URL="postgresql://reader@replica:5432/cis",
        CIS_READ_FALLBACK_TO_PRIMARY="true"))
    assert settings.read_database_url == "postgresql://reader@replica:5432/cis"
    assert settings.read_fallback_to_primary is True
    assert Settings.from_env(settings.as_env()) == settings


def test_a_fallback_that_is_neither_true_nor_false_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="CIS_READ_FALLBACK_TO_PRIMARY"):
        Settings.from_env(_env(tmp_path, CIS_READ_FALLBACK_TO_PRIMARY="sometimes"))
