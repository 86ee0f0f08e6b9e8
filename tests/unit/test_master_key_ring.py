"""CIS_MASTER_KEY and CIS_PREVIOUS_MASTER_KEYS: the ring of master keys."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from adapters.crypto import MasterKeyRing, master_key_id, parse_key_ring
from adapters.settings import Settings
from application.keys import KeyUnavailable

OLD, NEW = os.urandom(32), os.urandom(32)
SUBJECT = os.urandom(16)


def test_previous_keys_are_read_and_passed_on_to_child_processes(tmp_path: Path) -> None:
    env = {"CIS_DATA_DIR": str(tmp_path), "CIS_MASTER_KEY": NEW.hex(),
           "CIS_PREVIOUS_MASTER_KEYS": f" {OLD.hex().upper()} ,, {os.urandom(32).hex()}"}

    settings = Settings.from_env(env)

    assert settings.previous_master_keys[0] == OLD.hex()
    assert len(settings.previous_master_keys) == 2
    assert Settings.from_env(settings.as_env()).previous_master_keys == settings.previous_master_keys
    assert Settings.from_env({"CIS_DATA_DIR": str(tmp_path)}).previous_master_keys == ()
    assert "CIS_PREVIOUS_MASTER_KEYS" not in Settings.from_env(
        {"CIS_DATA_DIR": str(tmp_path)}).as_env()


@pytest.mark.parametrize("text", ["abc", OLD.hex() + ",nothex" + "0" * 58, OLD.hex()[:-2],
                                  OLD.hex() + ";" + NEW.hex()],
                         # Ids that name the case, not the random keys: every test process
                         # (pytest-xdist's workers) must collect the same tests.
                         ids=["too short", "not hex", "one byte short", "semicolon"])
def test_a_bad_previous_key_is_refused_naming_the_variable_not_the_key(
    tmp_path: Path, text: str
) -> None:
    with pytest.raises(ValueError, match=r"CIS_PREVIOUS_MASTER_KEYS: key [12] of [12] must be 64 "
                                         "hexadecimal characters") as refused:
        Settings.from_env({"CIS_DATA_DIR": str(tmp_path), "CIS_PREVIOUS_MASTER_KEYS": text})
    assert OLD.hex()[:16] not in str(refused.value)


def test_a_bad_active_key_is_refused_naming_its_variable() -> None:
    with pytest.raises(ValueError, match=r"^CIS_MASTER_KEY must be 64 hexadecimal"):
        parse_key_ring("12", [OLD.hex()])


def test_a_key_id_names_the_key_without_being_it() -> None:
    assert master_key_id(OLD) == master_key_id(OLD) != master_key_id(NEW)
    assert len(master_key_id(OLD)) == 16
    assert master_key_id(OLD) not in OLD.hex()


def test_the_active_key_wraps_and_every_key_of_the_ring_unwraps() -> None:
    before = MasterKeyRing.of(OLD)
    during = MasterKeyRing.of(NEW, [OLD])
    data_key = os.urandom(32)
    old_id, under_old = before.wrap(data_key, SUBJECT)
    new_id, under_new = during.wrap(data_key, SUBJECT)

    assert (old_id, new_id) == (master_key_id(OLD), master_key_id(NEW))
    assert during.unwrap(old_id, under_old, SUBJECT) == data_key
    assert during.unwrap(new_id, under_new, SUBJECT) == data_key
    # Rows from before key ids name none: the ring finds the key that opens them.
    assert during.unwrap(None, under_old, SUBJECT) == data_key


def test_a_key_not_in_the_ring_is_a_clear_error_not_an_erasure() -> None:
    _, under_new = MasterKeyRing.of(NEW).wrap(os.urandom(32), SUBJECT)
    old_only = MasterKeyRing.of(OLD)

    with pytest.raises(KeyUnavailable, match=f"master key {master_key_id(NEW)}, which is not "
                                             "configured: set it as CIS_MASTER_KEY or add it "
                                             "to CIS_PREVIOUS_MASTER_KEYS"):
        old_only.unwrap(master_key_id(NEW), under_new, SUBJECT)
    with pytest.raises(KeyUnavailable, match="opens with none of the master keys"):
        old_only.unwrap(None, under_new, SUBJECT)
    # The id is a label, the tag decides: the old key under the new key's id opens nothing.
    with pytest.raises(KeyUnavailable, match="does not open with master key"):
        MasterKeyRing(master_key_id(NEW), {master_key_id(NEW): MasterKeyRing.of(OLD)._keys[
            master_key_id(OLD)]}).unwrap(master_key_id(NEW), under_new, SUBJECT)


def test_a_wrapped_key_does_not_open_for_another_subject() -> None:
    ring = MasterKeyRing.of(NEW)
    key_id, wrapped = ring.wrap(os.urandom(32), SUBJECT)
    with pytest.raises(KeyUnavailable):
        ring.unwrap(key_id, wrapped, os.urandom(16))
