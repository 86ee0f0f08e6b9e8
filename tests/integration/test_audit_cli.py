"""`cis audit state` as an auditor runs it: the same JSON as the API, and a recorded look."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from adapters.settings import Settings
from application.services import SNAPSHOT_INTERVAL, CustomerIntelligence
from domain.customer_facts import Channel, TouchpointKind
from tests.benches import run_bench
from tests.factories import META, registration


def _cis(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", *args],
                          env={**os.environ, **settings.as_env()}, text=True,
                          capture_output=True, timeout=300, check=False)


def test_state_prints_the_version_asked_for_and_records_the_look(
        settings: Settings, app: CustomerIntelligence) -> None:
    customer_id = app.register_customer(**registration()).id
    app.record_touchpoint(customer_id, kind=TouchpointKind.CALL, channel=Channel.PHONE,
                          note=None, meta=META)
    second = app.history("customers", customer_id, reveal=False).items[1]

    by_version = _cis(settings, "audit", "state", "customers", str(customer_id),
                      "--version", "1", "--by", "erika")
    by_time = _cis(settings, "audit", "state", "customers", str(customer_id), "--as-of",
                   second.occurred_at.isoformat(), "--role", "dpo", "--reason", "DSG 3")

    assert by_version.returncode == 0, by_version.stderr[-2000:]
    state = json.loads(by_version.stdout)
    assert state["version"] == 1 and state["state"]["name"] == "[masked]"
    assert state["state"]["touchpoints"] == 0
    assert by_time.returncode == 0, by_time.stderr[-2000:]
    shown = json.loads(by_time.stdout)
    assert shown["version"] == 2 and shown["position"] == second.position
    assert shown["state"]["name"] == "Anna Muster"
    looks = [(a.actor, a.role, a.reason) for a in app.accesses(customer_id)[0]]
    assert looks == [("erika", "auditor", None), (looks[1][0], "dpo", "DSG 3")]


def test_refusals_say_why(settings: Settings, app: CustomerIntelligence) -> None:
    customer_id = app.register_customer(**registration()).id
    first = app.history("customers", customer_id, reveal=False).items[0].occurred_at

    no_reason = _cis(settings, "audit", "state", "customers", str(customer_id), "--version",
                     "1", "--role", "dpo")
    too_early = _cis(settings, "audit", "state", "customers", str(customer_id), "--as-of",
                     (first - timedelta(seconds=1)).isoformat())
    both = _cis(settings, "audit", "state", "customers", str(customer_id), "--version", "1",
                "--as-of", first.isoformat())

    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr
    assert too_early.returncode == 1 and "did not exist yet" in too_early.stderr
    assert both.returncode == 2 and "not allowed with" in both.stderr


def test_bench_audit_state_prints_both_timings_per_version(settings: Settings,
                                                          tmp_path: Path) -> None:
    bench = run_bench(settings, tmp_path, "audit-state", "--events", "300")

    # Half way, then half an interval on: as far from a snapshot as a version can be.
    middle = 300 // 2 + SNAPSHOT_INTERVAL // 2
    labels = ["version 2", f"version {middle}", "version 299", "version 300",
              "as_of (version 299)"]
    rows = bench.rows()
    assert list(rows) == [f"{label}, {how}" for label in labels
                          for how in ("without snapshots", "with snapshots")]
    for label in labels:
        assert rows[f"{label}, with snapshots"]["baseline"] == f"{label}, without snapshots"
