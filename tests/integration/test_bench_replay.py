"""`cis bench replay` as an engineer runs it: every size of each aggregate with its
same-run baselines, the targets against the shortest history, the chart's points, and
nothing left behind."""

from __future__ import annotations

from pathlib import Path

from adapters.settings import Settings
from application.services import SNAPSHOT_INTERVAL
from tests.benches import bench_databases, run_bench

PATHS = ("raw SELECT (snapshot + events after it)", "decode only", "load, without snapshots",
         "load, the library's replay", "load", "load + command")


def test_replay_bench_loads_every_size_next_to_its_baselines(settings: Settings,
                                                            tmp_path: Path) -> None:
    assert settings.database_url
    before = bench_databases(settings.database_url)

    bench = run_bench(settings, tmp_path, "replay", "--events", "120")

    rows = bench.rows()
    # 10 and 100 below the size asked for, and the worst case above it: one event
    # short of the next snapshot.
    worst = 120 - 120 % SNAPSHOT_INTERVAL + SNAPSHOT_INTERVAL - 1
    sizes = (10, 100, 120, worst)
    assert bench.report["parameters"]["sizes"] == list(sizes)
    for kind in ("customer", "sale", "trail"):
        for events in sizes:
            select = f"{kind}, {events:,} events: {PATHS[0]}"
            for path in PATHS[1:]:
                assert rows[f"{kind}, {events:,} events: {path}"]["baseline"] == select
        for events in (120, worst):
            target = rows[f"{kind} load + command, {events} vs 10 events"]
            assert target["baseline"] == f"{kind}, 10 events: load + command"
            assert target["target"] == "≤ 2"
            # The library's replay is beside ours for comparison, not held to our target.
            library = rows[f"{kind} load, the library's replay, {events} vs 10 events"]
            assert library["target"] is None and library["baseline"]
    series = {s["label"]: s for s in bench.report["series"]}
    assert {s["chart"] for s in series.values()} == {"load-by-history"}
    assert [x for x, _ in series["customer: load"]["points"]] == list(sizes)
    for kind in ("customer", "sale", "trail"):
        interval = rows[f"{kind}, 120 events: load + command, mean of {SNAPSHOT_INTERVAL} "
                        "in a row (one takes a snapshot) (CPU)"]
        assert interval["baseline"] == f"{kind}, 120 events: load + command (CPU)"
    assert bench_databases(settings.database_url) == before
