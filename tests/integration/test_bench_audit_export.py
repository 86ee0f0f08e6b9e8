"""`cis bench audit-export`: both rates printed from one run, nothing left behind."""

from __future__ import annotations

from pathlib import Path

from adapters.settings import Settings
from tests.benches import bench_databases, run_bench


def test_audit_export_prints_its_rate_next_to_the_raw_read_and_drops_its_database(
        settings: Settings, tmp_path: Path) -> None:
    assert settings.database_url
    before = bench_databases(settings.database_url)

    bench = run_bench(settings, tmp_path, "audit-export", "--events", "1000")

    assert bench.titles() == ["audit export over 1,000 events"]
    rows = bench.rows()
    assert set(rows) == {"raw ordered read (pages of 1000)", "signed export"}
    assert rows["signed export"]["baseline"] == "raw ordered read (pages of 1000)"
    assert bench_databases(settings.database_url) == before
