"""`cis bench fan-out` as an engineer runs it: the whole system's CPU by process, the
sustained rate and the latencies printed and written, nothing left behind."""

from __future__ import annotations

from pathlib import Path

from adapters.settings import Settings
from entrypoints.benches.system import PROJECTOR_LAYOUTS
from projections.registry import READ_MODELS
from tests.benches import bench_databases, run_bench


def test_fan_out_reports_cpu_by_process_rate_and_latency_and_drops_its_database(
        settings: Settings, tmp_path: Path) -> None:
    assert settings.database_url
    before = bench_databases(settings.database_url)

    bench = run_bench(settings, tmp_path, "fan-out", "--events", "40")

    rows = bench.rows()
    for layout in PROJECTOR_LAYOUTS:  # threads against processes, in the same run
        assert f"whole system, {layout}" in rows
    # Every process of the system is counted, the servers included.
    for process in ("postgres", "nats-server", "api command", "relay", "consume scoring"):
        assert process in rows, bench.process.stdout
    assert rows["sustained command rate"]["unit"] == "commands/s"
    for part in ["every read model", *(m.name for m in READ_MODELS)]:
        assert f"event to read model: {part} p99" in rows
    scoring = rows["event to consumer (scoring) p99"]
    assert scoring["target"] == "≤ 100" and isinstance(scoring["met"], bool)
    [chart] = [s for s in bench.report["series"] if s["chart"] == "cpu-per-command"]
    assert chart["kind"] == "bar" and {"postgres", "relay"} <= {p[0] for p in chart["points"]}
    assert bench_databases(settings.database_url) == before
