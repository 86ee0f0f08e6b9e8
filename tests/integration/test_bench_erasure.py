"""`cis bench erasure` as an engineer runs it: both sizes and the baseline printed,
the numbers written as JSON, nothing left behind."""

from __future__ import annotations

from pathlib import Path

from adapters.settings import Settings
from tests.benches import bench_databases, run_bench


def test_erasure_bench_prints_both_sizes_and_the_baseline(settings: Settings,
                                                          tmp_path: Path) -> None:
    assert settings.database_url
    before = bench_databases(settings.database_url)

    bench = run_bench(settings, tmp_path, "erasure", "--events", "150")

    rows = bench.rows()
    assert set(rows) == {"raw: destroy one key row", "erasure, 10 events", "erasure, 150 events"}
    large = rows["erasure, 150 events"]
    assert large["baseline"] == "erasure, 10 events" and large["target"] == "≤ 2"
    assert bench.report["parameters"]["events"] == 150
    assert bench_databases(settings.database_url) == before
