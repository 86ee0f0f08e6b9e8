"""CIS_NATS_REPLICAS and CIS_STARTUP_TIMEOUT: read, handed to child processes, and a bad
value refused with the variable named (the CLI turns that into exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.settings import Settings
from adapters.startup import where


def test_defaults_suit_one_machine_and_children_see_what_was_set(tmp_path: Path) -> None:
    default = Settings.from_env({"CIS_DATA_DIR": str(tmp_path)})
    assert (default.nats_replicas, default.startup_timeout, default.production) == (1, 30.0,
                                                                                     False)
    set_ = Settings.from_env({"CIS_DATA_DIR": str(tmp_path), "CIS_NATS_REPLICAS": "3",
                              "CIS_STARTUP_TIMEOUT": "7.5"})
    child = Settings.from_env(set_.as_env())
    assert (child.nats_replicas, child.startup_timeout) == (3, 7.5)


@pytest.mark.parametrize(("name", "value", "says"), [
    ("CIS_NATS_REPLICAS", "0", "CIS_NATS_REPLICAS must be a positive whole number"),
    ("CIS_NATS_REPLICAS", "7", "CIS_NATS_REPLICAS must be 1 to 5"),
    ("CIS_STARTUP_TIMEOUT", "-1", "CIS_STARTUP_TIMEOUT must be a number of seconds above 0"),
    ("CIS_STARTUP_TIMEOUT", "soon", "CIS_STARTUP_TIMEOUT must be a number of seconds above 0"),
])
def test_a_bad_value_is_refused_naming_the_variable(
    tmp_path: Path, name: str, value: str, says: str
) -> None:
    with pytest.raises(ValueError, match=says):
        Settings.from_env({"CIS_DATA_DIR": str(tmp_path), name: value})


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://cis:pw@db.example.ch:6432/cis", "db.example.ch:6432"),
    ("postgresql://cis:pw@db/cis", "db:5432"),
    ("host=/run/postgresql dbname=cis password=pw", "/run/postgresql:5432"),
    ("nats://user:pw@nats:4222", "nats:4222"),
    ("redis://:pw@redis:6379/0", "redis:6379"),
])
def test_a_server_is_named_by_host_and_port_never_its_credentials(url: str, shown: str) -> None:
    assert where(url) == shown
