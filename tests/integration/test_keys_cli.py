"""`cis keys status`, `rotate` and `erase-restored` as an operator runs them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import date, timedelta
from uuid import UUID

import psycopg

from adapters.crypto import master_key_id
from adapters.settings import Settings
from application.services import CustomerIntelligence
from entrypoints.bootstrap import build_application
from tests.databases import own_store
from tests.factories import META, registration

OLD, NEW = os.urandom(32).hex(), os.urandom(32).hex()


def _cis(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", *args],
                          env={**os.environ, **env}, text=True, capture_output=True,
                          timeout=300, check=False)


def _rows(output: str) -> dict[str, list[str]]:
    """The table `status` prints: key id -> [count, what it is]."""
    return {line.split(maxsplit=2)[0]: line.split(maxsplit=2)[1:]
            for line in output.splitlines()[1:-1]}


def test_an_operator_rotates_and_sees_when_the_old_key_can_go(settings: Settings) -> None:
    own = own_store(settings, master_key=OLD)
    app = build_application(own, pool_size=1)  # type: ignore[arg-type]
    try:
        customers = [app.register_customer(**registration()).id for _ in range(7)]
        app.erase_customer(customers[0], meta=META)
    finally:
        app.close()
    old_id, new_id = master_key_id(bytes.fromhex(OLD)), master_key_id(bytes.fromhex(NEW))
    rolled_out = {**own.as_env(), "CIS_MASTER_KEY": NEW, "CIS_PREVIOUS_MASTER_KEYS": OLD}

    before = _cis(rolled_out, "keys", "status")
    assert before.returncode == 0, before.stderr
    assert _rows(before.stdout) == {new_id: ["0", "active"], old_id: ["6", "previous"],
                                    "erased": ["1", "tombstones (no key)"]}
    assert before.stdout.splitlines()[-1] == "6 data keys not under the active key"

    rotated = _cis(rolled_out, "keys", "rotate", "--batch-size", "4")
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.splitlines()[:4] == [
        f"active master key {new_id}", "  re-wrapped                6",
        "  already current           0", "  erased (skipped)          1"]
    assert "keys/s" in rotated.stdout
    assert "re-wrap" in rotated.stderr and "6/6" in rotated.stderr  # the progress bar

    after = _cis(rolled_out, "keys", "status")
    assert _rows(after.stdout)[new_id] == ["6", "active"]
    assert _rows(after.stdout)[old_id] == ["0", "previous"]
    assert after.stdout.splitlines()[-1] == (
        "0 data keys not under the active key: the previous master keys can be retired")

    retired = _cis({**rolled_out, "CIS_PREVIOUS_MASTER_KEYS": ""}, "keys", "status")
    assert _rows(retired.stdout) == {new_id: ["6", "active"],
                                     "erased": ["1", "tombstones (no key)"]}


def test_the_old_key_without_the_new_one_is_told_what_it_cannot_open(settings: Settings) -> None:
    own = own_store(settings, master_key=NEW)
    app = build_application(own, pool_size=1)  # type: ignore[arg-type]
    try:
        app.register_customer(**registration())
    finally:
        app.close()
    new_id = master_key_id(bytes.fromhex(NEW))
    only_old = {**own.as_env(), "CIS_MASTER_KEY": OLD}

    status = _cis(only_old, "keys", "status")
    assert _rows(status.stdout)[new_id] == ["1", "NOT CONFIGURED"]
    rotated = _cis(only_old, "keys", "rotate")
    assert rotated.returncode == 1
    assert (f"1 data keys are wrapped by master key {new_id}, which is not in the ring: add it "
            "to CIS_PREVIOUS_MASTER_KEYS and run again") in rotated.stderr


def test_a_bad_previous_key_stops_the_command_naming_the_variable(settings: Settings) -> None:
    env = {**settings.as_env(), "CIS_PREVIOUS_MASTER_KEYS": f"{OLD},{OLD[:10]}"}

    refused = _cis(env, "keys", "rotate")

    assert refused.returncode == 2
    assert refused.stderr.strip() == ("cis: CIS_PREVIOUS_MASTER_KEYS: key 2 of 2 must be 64 "
                                      "hexadecimal characters (32 bytes); keys are separated "
                                      "by commas")
    assert OLD[:10] not in refused.stderr


def test_keys_restored_from_a_backup_older_than_an_erasure_are_destroyed_again(
    settings: Settings,
) -> None:
    own = own_store(settings, master_key=NEW)
    assert own.database_url
    app = build_application(own, pool_size=1)  # type: ignore[arg-type]
    try:
        kept, erased = (app.register_customer(**registration()).id for _ in range(2))
        with psycopg.connect(own.database_url) as conn:  # the key table's backup, taken now
            backup = conn.execute("SELECT subject, wrapped, master_key_id FROM cis_data_keys"
                                  ).fetchall()
        app.erase_customer(erased, meta=META)
        with psycopg.connect(own.database_url) as conn:  # lost, and restored from the backup
            conn.execute("DELETE FROM cis_data_keys")
            with conn.cursor().copy("COPY cis_data_keys (subject, wrapped, master_key_id) "
                                    "FROM STDIN") as copy:
                for row in backup:
                    copy.write_row(row)
        restarted = build_application(own, pool_size=1)  # type: ignore[arg-type]
        assert _name_registered(restarted, erased) == "Anna Muster"  # the danger (now cached)

        done = _cis(own.as_env(), "keys", "erase-restored")

        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == ("destroyed 1 data keys of customers the log says were "
                                       "erased, 0 hold keys of holds it says have ended")
        deadline = time.monotonic() + 5  # a running process drops the key it had cached
        while _name_registered(restarted, erased) != "[redacted]":
            assert time.monotonic() < deadline, "a running process kept the restored key"
            time.sleep(0.01)
        assert _name_registered(restarted, kept) == "Anna Muster"
        assert _cis(own.as_env(), "keys", "erase-restored").stdout.startswith("destroyed 0 ")
        restarted.close()
    finally:
        app.close()


def test_a_hold_key_restored_after_its_hold_ended_is_destroyed_again(
    settings: Settings,
) -> None:
    """A key backup from before a legal hold ended still holds the hold key: restored,
    the buyer's name and street would be readable again, past the books' 10 years."""
    own = own_store(settings, master_key=NEW)
    assert own.database_url
    app = build_application(own, pool_size=1)  # type: ignore[arg-type]
    try:
        buyer = app.register_customer(**registration(street="Haltegasse 7")).id
        held_until = date.today() + timedelta(days=30)
        app.erase_with_hold(buyer, meta=META, reason="request", held_until=held_until)
        with psycopg.connect(own.database_url) as conn:  # the key table's backup, taken now
            backup = conn.execute("SELECT * FROM cis_data_keys").fetchall()
        app.end_legal_hold(buyer, today=held_until + timedelta(days=1), meta=META,
                           reason="the hold ran out")
        with psycopg.connect(own.database_url) as conn:  # lost, and restored from the backup
            conn.execute("DELETE FROM cis_data_keys")
            with conn.cursor().copy("COPY cis_data_keys FROM STDIN") as copy:
                for row in backup:
                    copy.write_row(row)
        restarted = build_application(own, pool_size=1)  # type: ignore[arg-type]
        erased = restarted.repository.get(buyer, version=app.get_customer(buyer).version - 1)
        assert str(erased.name.shown()) == "Anna Muster"  # type: ignore[attr-defined]

        done = _cis(own.as_env(), "keys", "erase-restored")

        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == ("destroyed 0 data keys of customers the log says were "
                                       "erased, 1 hold key of holds it says have ended")
        restarted.close()
        after = build_application(own, pool_size=1)  # type: ignore[arg-type]
        erased = after.repository.get(buyer, version=app.get_customer(buyer).version - 1)
        assert erased.name.shown() == "[redacted]"  # type: ignore[attr-defined]
        after.close()
    finally:
        app.close()


def _name_registered(app: CustomerIntelligence, customer: UUID) -> str:
    return str(next(iter(app.events.get(customer))).name.shown())  # type: ignore[attr-defined]


def test_a_database_that_does_not_answer_is_said_so(settings: Settings) -> None:
    with socket.socket() as probe:  # a free loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**settings.as_env(),
           "CIS_DATABASE_URL": f"postgresql://cis@127.0.0.1:{port}/cis?connect_timeout=2"}

    for command in ("rotate", "status", "erase-restored"):
        failed = _cis(env, "keys", command)
        assert failed.returncode == 1, failed.stderr
        assert failed.stderr.strip() == "cis: the database does not answer: OperationalError"
