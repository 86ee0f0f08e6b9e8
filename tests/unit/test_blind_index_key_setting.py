"""CIS_BLIND_INDEX_KEY: taken from the environment, else a dev key kept in the data dir;
every process (projector, query API) must use the same one."""

from __future__ import annotations

from pathlib import Path

from adapters.settings import Settings
from application.blind_index import BlindIndex
from domain.values import PersonName


def test_a_dev_key_is_generated_once_and_kept_in_the_secrets(tmp_path: Path) -> None:
    first = Settings.from_env({"CIS_DATA_DIR": str(tmp_path)})
    again = Settings.from_env({"CIS_DATA_DIR": str(tmp_path)})

    kept = tmp_path / "secrets" / "blind_index_key"
    assert kept.read_text() == first.blind_index_key == again.blind_index_key
    assert kept.stat().st_mode & 0o777 == 0o600
    BlindIndex.from_hex(first.blind_index_key)  # a usable key


def test_the_environment_wins_and_child_processes_see_the_same_key(tmp_path: Path) -> None:
    key = bytes(range(32)).hex()

    settings = Settings.from_env({"CIS_DATA_DIR": str(tmp_path), "CIS_BLIND_INDEX_KEY": key})
    child = Settings.from_env(settings.as_env())

    assert settings.blind_index_key == child.blind_index_key == key
    assert not (tmp_path / "secrets" / "blind_index_key").exists()
    name = PersonName.parse("Anna Muster")
    assert (BlindIndex.from_hex(key).terms_of(name)
            == BlindIndex.from_hex(child.blind_index_key).terms_of(name))
