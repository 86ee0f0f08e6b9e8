"""The charts and the summary table of `docs/BENCHMARKS.md`, from the benches' JSON.

`cis bench all` ends here: every `<bench>.json` in the output folder is read back, the
series of one chart name are drawn into `<chart>.png` (matplotlib, no screen needed),
and `SUMMARY.md` lists every row that has a baseline or a target: figure, baseline,
ratio, target and whether it is met. Made from the files, so a single bench run again
later (`cis bench NAME --out docs/bench`) updates its part when this runs again.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = ["draw_charts", "write_summary"]


def draw_charts(out_dir: Path) -> list[Path]:
    import matplotlib as mpl

    mpl.use("Agg")  # files only: no display on servers or in CI
    import matplotlib.pyplot as plt

    charts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for report in _reports(out_dir):
        for series in report.get("series", []):
            charts[series["chart"]].append(series)
    written = []
    for name, series_list in sorted(charts.items()):
        figure, axes = plt.subplots(figsize=(7, 4), dpi=110)
        if series_list[0]["kind"] == "bar":
            _bars(axes, series_list)
        else:
            for series in series_list:
                xs, ys = zip(*series["points"], strict=True)
                axes.plot(xs, ys, marker="o", label=series["label"])
            axes.legend()
        axes.set_xlabel(series_list[0]["x_label"])
        axes.set_ylabel(series_list[0]["y_label"])
        axes.set_title(name)
        axes.grid(alpha=0.3)
        figure.tight_layout()
        path = out_dir / f"{name}.png"
        figure.savefig(path)
        plt.close(figure)
        written.append(path)
    return written


def _bars(axes: Any, series_list: list[dict[str, Any]]) -> None:
    width = 0.8 / len(series_list)
    labels = [str(x) for x, _ in series_list[0]["points"]]
    for i, series in enumerate(series_list):
        values = {str(x): y for x, y in series["points"]}
        axes.bar([j + i * width for j in range(len(labels))],
                 [values.get(label, 0.0) for label in labels], width, label=series["label"])
    axes.set_xticks([j + width * (len(series_list) - 1) / 2 for j in range(len(labels))],
                    labels, rotation=30, ha="right")
    if len(series_list) > 1:
        axes.legend()


def write_summary(out_dir: Path, order: list[str]) -> Path:
    """Every row with a baseline or a target, bench by bench (in `order`, then the
    rest), as a Markdown table."""
    lines = ["# Benchmark summary", "",
             "Made by `cis bench all` from the JSON beside it. Ratio: our figure over its "
             "baseline from the same run.", ""]
    reports = sorted(_reports(out_dir), key=lambda r: (
        order.index(r["bench"]) if r["bench"] in order else len(order), r["bench"]))
    for report in reports:
        measured = datetime.fromisoformat(report["measured_at"]).strftime("%Y-%m-%d %H:%M")
        machine = report["machine"]
        lines += [f"## {report['bench']}", "",
                  f"{measured} UTC, {machine['cpus']} CPUs, Python {machine['python']}, "
                  f"parameters {json.dumps(report['parameters'])}", "",
                  "| section | path | figure | baseline | ratio | target | met |",
                  "|---|---|---:|---|---:|---|---|"]
        for section in report["sections"]:
            for row in section["rows"]:
                if row["baseline"] is None and row["target"] is None:
                    continue
                lines.append(_summary_row(section["title"], row))
        lines.append("")
    path = out_dir / "SUMMARY.md"
    path.write_text("\n".join(lines))
    return path


def _summary_row(title: str, row: dict[str, Any]) -> str:
    ratio = "" if row["ratio"] is None else f"×{row['ratio']:.2f}"  # noqa: RUF001
    met = {True: "yes", False: "**no**", None: ""}[row["met"]]
    baseline = "" if row["baseline"] is None else f"{row['baseline']} ({_n(row['baseline_value'])})"
    return (f"| {title} | {row['path']} | {_n(row['value'])} {row['unit']} | {baseline} "
            f"| {ratio} | {row['target'] or ''} | {met} |")


def _n(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def _reports(out_dir: Path) -> list[dict[str, Any]]:
    reports = []
    for path in sorted(out_dir.glob("*.json")):
        data = json.loads(path.read_text())
        if isinstance(data, dict) and "sections" in data:
            reports.append(data)
    return reports
