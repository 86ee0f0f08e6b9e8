"""`cis dsg erase` and `cis dsg retention` as the DPO runs them, on a store of their own
(retention acts on every customer of the store) with its projectors running."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from adapters.settings import ResolvedSettings, Settings
from application.services import CustomerIntelligence
from entrypoints.bootstrap import build_application, build_projector
from projections.registry import READ_MODELS
from tests.databases import own_store
from tests.factories import registration
from tests.readmodels import caught_up


def _cis(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", *args],
                          env={**os.environ, **env}, text=True, capture_output=True,
                          timeout=300, check=False)


@pytest.fixture(scope="module")
def store(settings: Settings) -> Iterator[tuple[ResolvedSettings, CustomerIntelligence]]:
    own: Any = own_store(settings)
    app = build_application(own, pool_size=2 + len(READ_MODELS))
    stopping = threading.Event()
    threads = [threading.Thread(target=build_projector(own, model, app).run, args=(stopping,),
                                daemon=True) for model in READ_MODELS]
    for thread in threads:
        thread.start()
    yield own, app
    stopping.set()
    for thread in threads:
        thread.join(timeout=10)
    app.close()


def test_the_dpo_erases_with_one_command_and_gets_the_answer(
        store: tuple[ResolvedSettings, CustomerIntelligence]) -> None:
    own, app = store
    customer = app.register_customer(**registration()).id

    done = _cis(own.as_env(), "dsg", "erase", str(customer), "--reason", "request 12",
                "--by", "dora")

    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout)
    assert (answer["customer_id"], answer["data_key"], answer["hold"]) == (
        str(customer), "destroyed", None)
    assert app.get_customer(customer).erased
    assert [(a.actor, a.reason) for a in app.accesses(customer)[0]] == [("dora", "request 12")]
    again = _cis(own.as_env(), "dsg", "erase", str(customer), "--reason", "again")
    assert again.returncode == 0 and json.loads(again.stdout)["already_erased"] is True
    unknown = _cis(own.as_env(), "dsg", "erase", "6f0c0000-0000-4000-8000-000000000000",
                   "--reason", "x")
    assert unknown.returncode == 1 and "no customer" in unknown.stderr


def test_retention_lists_a_quiet_lead_in_a_dry_run_and_erases_it_when_applied(
        store: tuple[ResolvedSettings, CustomerIntelligence]) -> None:
    own, app = store
    lead = app.register_customer(**registration()).id
    for model in ("journeys", "dashboards"):
        caught_up(own, app, model)
    later = (datetime.now(UTC) + timedelta(days=2 * 366)).date().isoformat()

    listed = _cis(own.as_env(), "dsg", "retention", "--dry-run", "--today", later)

    assert listed.returncode == 0, listed.stderr[-2000:]
    row = next(line for line in listed.stdout.splitlines() if line.startswith(str(lead)))
    assert row.split()[1:3] == ["prospecting", "erase"]
    assert "Anna" not in listed.stdout  # ids, purposes and dates only
    assert not app.get_customer(lead).erased

    applied = _cis(own.as_env(), "dsg", "retention", "--apply", "--today", later)

    assert applied.returncode == 0, applied.stderr[-2000:]
    assert "retention applied:" in applied.stdout and "erase" in applied.stdout
    assert "retention" in applied.stderr  # the progress bar
    assert app.get_customer(lead).erased
    trail = app.accesses(lead)[0]
    assert [(a.actor, a.action) for a in trail] == [("retention", "erasure")]
    # Run again: nothing more is due for it (each erasure was its own transaction).
    caught_up(own, app, "journeys")
    rerun = _cis(own.as_env(), "dsg", "retention", "--dry-run", "--today", later)
    assert str(lead) not in rerun.stdout


def _claims(own: ResolvedSettings, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(own.database_url, autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def test_retention_drops_the_idempotency_claims_older_than_their_hours(
        store: tuple[ResolvedSettings, CustomerIntelligence]) -> None:
    """The stored answers of commands are kept CIS_IDEMPOTENCY_KEY_HOURS (24), then the
    daily run drops them: the table does not grow without bound, and no request's
    fingerprint outlives a day."""
    own, _ = store
    _claims(own, "DELETE FROM idempotency_keys WHERE caller = 'claims-test'")
    for key, age, status, lease in (("old answered", "25 hours", 201, "-1 hour"),
                                    ("old abandoned", "25 hours", None, "-24 hours"),
                                    ("old but running", "25 hours", None, "10 seconds"),
                                    ("fresh", "1 hour", 201, "-1 hour")):
        _claims(own, "INSERT INTO idempotency_keys (caller, key, request_hash, status, body, "
                "claim, lease_until, created_at) VALUES ('claims-test', %s, '\\x00', %s, "
                "'{}', gen_random_uuid(), now() + %s::interval, now() - %s::interval)",
                key, status, lease, age)
    keys = "SELECT key FROM idempotency_keys WHERE caller = 'claims-test' ORDER BY key"

    listed = _cis(own.as_env(), "dsg", "retention", "--dry-run")

    assert listed.returncode == 0, listed.stderr[-2000:]
    assert "2 idempotency claims older than 24 h would be dropped" in listed.stdout
    assert len(_claims(own, keys)) == 4

    applied = _cis(own.as_env(), "dsg", "retention", "--apply")

    assert applied.returncode == 0, applied.stderr[-2000:]
    assert "idempotency claims older than 24 h: 2 dropped" in applied.stdout
    assert _claims(own, keys) == [("fresh",), ("old but running",)]
    shorter = _cis({**own.as_env(), "CIS_IDEMPOTENCY_KEY_HOURS": "0.5"}, "dsg", "retention",
                   "--apply")
    assert "idempotency claims older than 0.5 h: 1 dropped" in shorter.stdout
    assert _claims(own, keys) == [("old but running",)]


def test_the_daily_run_applies_at_once_when_told_and_stops_on_a_signal(
        store: tuple[ResolvedSettings, CustomerIntelligence]) -> None:
    """What `cis up` runs: the first run after a delay (a minute there), then daily."""
    own, app = store
    lead = app.register_customer(**registration()).id
    for model in ("journeys", "dashboards"):
        caught_up(own, app, model)
    later = (datetime.now(UTC) + timedelta(days=2 * 366)).date().isoformat()
    daily = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "dsg", "retention", "--daily",
         "--first-run-after", "0.5", "--today", later],
        env={**os.environ, **own.as_env()}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        deadline = time.monotonic() + 60
        while not app.get_customer(lead).erased and time.monotonic() < deadline:
            assert daily.poll() is None, daily.communicate()[1][-2000:]
            time.sleep(0.2)
        assert app.get_customer(lead).erased
        assert daily.poll() is None  # waiting for the next day
    finally:
        daily.send_signal(signal.SIGTERM)
        out, err = daily.communicate(timeout=30)
    assert daily.returncode == 0, err[-2000:]
    assert "retention applied:" in out
    assert [(a.actor, a.action) for a in app.accesses(lead)[0]] == [("retention", "erasure")]
