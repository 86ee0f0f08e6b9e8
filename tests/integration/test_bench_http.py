"""`cis bench commands` and `cis bench queries` as an engineer runs them: every level
of connections next to its baselines, the charts' points, nothing left behind."""

from __future__ import annotations

from pathlib import Path

from adapters.settings import Settings
from tests.benches import bench_databases, run_bench

LEVELS = (1, 8, 32)


def test_commands_bench_measures_the_api_next_to_in_process_and_bare_asgi(
        settings: Settings, tmp_path: Path) -> None:
    assert settings.database_url
    before = bench_databases(settings.database_url)

    bench = run_bench(settings, tmp_path, "commands", "--events", "4")

    rows = bench.rows()
    for level in LEVELS:
        assert {f"command API, {level} conn", f"bare ASGI, {level} conn",
                f"command API, {level} conn p99"} <= set(rows)
        assert "answers 200: " in rows[f"command API, {level} conn"]["note"]
    at_32 = rows["command API, 32 conn"]
    assert at_32["baseline"] == "in-process, 10 threads, no HTTP" and at_32["target"] == "≥ 0.5"
    assert rows["command API p99, 32 conn"]["baseline"] == "command API p50, 1 conn"
    charts = {series["chart"] for series in bench.report["series"]}
    assert charts == {"latency-commands"}
    assert all(len(series["points"]) == len(LEVELS) for series in bench.report["series"])
    assert bench_databases(settings.database_url) == before


def test_queries_bench_measures_dashboard_and_profile_next_to_bare_asgi(
        settings: Settings, tmp_path: Path) -> None:
    bench = run_bench(settings, tmp_path, "queries", "--events", "4")

    rows = bench.rows()
    at_32 = rows["cached dashboard, 32 conn"]
    assert at_32["baseline"] == "bare ASGI, 32 conn" and at_32["target"] == "≥ 0.5"
    assert rows["profile, 32 conn"]["baseline"] == "bare ASGI, 32 conn"
    for level in LEVELS:
        assert rows[f"cached dashboard, {level} conn"]["note"].startswith("answers 200: ")
    assert {series["chart"] for series in bench.report["series"]} == {"latency-queries"}
    assert bench.report["parameters"]["dashboard_body_bytes"] > 0
