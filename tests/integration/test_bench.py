"""`cis bench catch-up` as an engineer runs it: numbers printed, nothing left behind."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import psycopg

from adapters.settings import Settings
from projections.registry import READ_MODELS


def _bench_databases(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT datname FROM pg_database "
                            "WHERE datname LIKE 'cis_bench_%'").fetchall()
    return {row[0] for row in rows}


def _cis(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", *args],
                          env={**os.environ, **settings.as_env()}, text=True,
                          capture_output=True, timeout=600, check=False)


def test_catch_up_prints_a_rate_for_every_path_and_drops_its_database(
        settings: Settings) -> None:
    assert settings.database_url
    before = _bench_databases(settings.database_url)

    bench = _cis(settings, "bench", "catch-up", "--events", "1000")

    assert bench.returncode == 0, bench.stderr[-3000:]
    rates = dict(re.findall(r"^  (\S+(?: \S+)*)\s{2,}([\d,]+)\s+x[\d.]+$", bench.stdout,
                           re.MULTILINE))
    expected = {"decode only (ceiling)", "library ProjectionRunner",
                *(f"batch projector: {m.name}" for m in READ_MODELS),
                "all together, one process", "all together, a process each"}
    assert set(rates) == expected, bench.stdout
    rebuilds = re.findall(r"^  (\w+)\s+([\d,]+)\s+([\d,]+)\s+x[\d.]+$", bench.stdout, re.MULTILINE)
    assert sorted(name for name, _, _ in rebuilds) == sorted(m.name for m in READ_MODELS)
    assert all(int(rate.replace(",", "")) > 0 for rate in rates.values())
    assert "catch-up over 1,000 events" in bench.stdout
    assert _bench_databases(settings.database_url) == before


def test_a_nonsensical_event_count_is_refused(settings: Settings) -> None:
    refused = _cis(settings, "bench", "catch-up", "--events", "0")

    assert refused.returncode == 2
    assert "a whole number above 0, not '0'" in refused.stderr
