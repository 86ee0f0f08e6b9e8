"""The charts and summary `cis bench all` makes from the benches' JSON."""

from __future__ import annotations

from pathlib import Path

from entrypoints.benches.charts import draw_charts, write_summary
from entrypoints.benches.report import Report, Series, Target

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _reports(out: Path) -> None:
    commands = Report("commands", {"seconds": 5})
    section = commands.section("command API at 32 connections")
    in_process = section.add("in-process", 800.0, "commands/s")
    section.add("HTTP, 32 connections", 300.0, "req/s", baseline=in_process,
                target=Target(">=", 0.5))
    section.add("p50 at 1 connection", 9.0, "ms")  # no baseline, no target: not summarised
    commands.chart(Series("latency-commands", "line", "p99", "connections", "ms",
                          [(1, 12.0), (8, 40.0), (32, 120.0)]))
    commands.write_json(out)
    fan_out = Report("fan-out")
    fan_out.section("CPU per command").add("whole system", 8.0, "ms", target=Target("<=", 9.3))
    fan_out.chart(Series("cpu-per-command", "bar", "after", "process", "ms",
                         [("command API", 3.0), ("projectors", 2.5), ("postgres", 2.5)]))
    fan_out.write_json(out)


def test_each_chart_is_a_png_and_the_summary_says_which_targets_are_met(tmp_path: Path) -> None:
    _reports(tmp_path)

    charts = draw_charts(tmp_path)
    summary = write_summary(tmp_path, ["fan-out", "commands"]).read_text()

    assert sorted(p.name for p in charts) == ["cpu-per-command.png", "latency-commands.png"]
    assert all(p.read_bytes().startswith(PNG_SIGNATURE) and p.stat().st_size > 5_000
               for p in charts)
    assert summary.index("## fan-out") < summary.index("## commands")  # the order asked
    assert ("| command API at 32 connections | HTTP, 32 connections | 300 req/s "
            "| in-process (800) | ×0.38 | ≥ 0.5 | **no** |") in summary
    assert "| whole system | 8.00 ms |  |  | ≤ 9.3 | yes |" in summary
    assert "p50 at 1 connection" not in summary
