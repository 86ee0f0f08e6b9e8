"""`cis bench catch-up` as an engineer runs it: numbers printed, nothing left behind."""

from __future__ import annotations

from pathlib import Path

from adapters.settings import Settings
from projections.registry import READ_MODELS
from tests.benches import bench_databases, cis, run_bench


def test_catch_up_prints_a_rate_for_every_path_and_drops_its_database(
        settings: Settings, tmp_path: Path) -> None:
    assert settings.database_url
    before = bench_databases(settings.database_url)

    bench = run_bench(settings, tmp_path, "catch-up", "--events", "1000")

    rows = bench.rows()
    expected = {"decode only (ceiling)", "library ProjectionRunner",
                *(f"batch projector: {m.name}" for m in READ_MODELS),
                "one process, a thread each", "a process each",
                *(f"{m.name}, {n}" for m in READ_MODELS for n in ("1 process", "2 processes"))}
    assert set(rows) == expected, bench.process.stdout
    for model in READ_MODELS:
        ours = rows[f"batch projector: {model.name}"]
        assert ours["baseline"] == "decode only (ceiling)" and ours["ratio"] > 0
        assert ours["target"] == "≥ 0.5" and isinstance(ours["met"], bool)
    assert "catch-up over 1,000 events, each read model alone" in bench.titles()
    assert bench_databases(settings.database_url) == before


def test_a_nonsensical_event_count_is_refused(settings: Settings) -> None:
    refused = cis(settings, "bench", "catch-up", "--events", "0")

    assert refused.returncode == 2
    assert "a whole number above 0, not '0'" in refused.stderr


def test_an_unknown_bench_is_refused_with_the_list(settings: Settings) -> None:
    refused = cis(settings, "bench", "everything")

    assert refused.returncode == 2
    assert "invalid choice: 'everything'" in refused.stderr and "fan-out" in refused.stderr
