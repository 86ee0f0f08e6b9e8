"""`cis bench append` as an engineer runs it: our writers next to every raw baseline,
the ratios and the target written as JSON, nothing left behind."""

from __future__ import annotations

from pathlib import Path

from adapters.settings import Settings
from tests.benches import bench_databases, run_bench


def test_append_bench_prints_our_writers_next_to_the_raw_baselines(settings: Settings,
                                                                   tmp_path: Path) -> None:
    assert settings.database_url
    before = bench_databases(settings.database_url)

    bench = run_bench(settings, tmp_path, "append", "--events", "64")

    rows = bench.rows()
    assert set(rows) >= {"raw: one-row INSERT, 1 client", "raw: one-row INSERT, 16 clients",
                         "raw: batched INSERT, 1 client", "raw: COPY, 1 client",
                         "ours: single-event command, 1 writer",
                         "ours: single-event command, 16 writers",
                         "ours: recorder alone (no command), 16 writers",
                         "CPU: ours, single-event command, 16 writers"}
    many = rows["ours: single-event command, 16 writers"]
    assert many["baseline"] == "raw: one-row INSERT, 16 clients" and many["target"] == "≥ 0.75"
    assert many["ratio"] > 0 and isinstance(many["met"], bool)
    assert rows["ours: single-event command, 1 writer"]["baseline"] == \
        "raw: one-row INSERT, 1 client"
    assert bench.report["parameters"]["writers"] == 16
    assert bench_databases(settings.database_url) == before
