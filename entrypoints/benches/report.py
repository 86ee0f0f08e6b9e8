"""What a benchmark found: figures next to their baselines from the same run, with targets.

Every bench builds one `Report`: sections of rows, each row a figure of our path and,
where there is one, the physical baseline measured in the same run and the ratio
between them (the machine is shared and noisy: the ratio is the figure to read). A
target is a bound on that ratio (`Target(">=", 0.75)`), so the table says whether it
is met. `print_table` writes the table; `write_json` the same figures under
`<out dir>/<bench>.json`, which `docs/BENCHMARKS.md` and its charts are made from.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

__all__ = ["BenchOptions", "Report", "Row", "Section", "Series", "Target"]


@dataclass(frozen=True)
class BenchOptions:
    """What `cis bench` was asked: a size (its meaning is each bench's), and where to write."""

    events: int | None
    out_dir: Path
    quick: bool = False  # `cis bench all`: the sizes that keep the whole run under 10 minutes


@dataclass(frozen=True)
class Target:
    """A bound on a row's ratio to its baseline (or on its value, without a baseline)."""

    op: Literal[">=", "<="]
    bound: float

    def met(self, figure: float) -> bool:
        return figure >= self.bound if self.op == ">=" else figure <= self.bound

    def __str__(self) -> str:
        return f"{'≥' if self.op == '>=' else '≤'} {self.bound:g}"


@dataclass
class Row:
    path: str
    value: float
    unit: str
    baseline: str | None = None  # the path of the baseline row, in the same run
    baseline_value: float | None = None
    target: Target | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline_value in (None, 0):
            return None
        return self.value / self.baseline_value

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        figure = self.ratio if self.ratio is not None else self.value
        return self.target.met(figure)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["target"] = None if self.target is None else str(self.target)
        data["ratio"], data["met"] = self.ratio, self.met
        return data


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)

    def add(self, path: str, value: float, unit: str, *, baseline: Row | None = None,
            target: Target | None = None, note: str = "") -> Row:
        row = Row(path, value, unit, None if baseline is None else baseline.path,
                  None if baseline is None else baseline.value, target, note)
        self.rows.append(row)
        return row


@dataclass
class Series:
    """Points for a chart of `docs/BENCHMARKS.md`: series of one chart name share a plot."""

    chart: str  # the PNG's name, e.g. "latency-commands"
    kind: Literal["line", "bar"]
    label: str  # this series, in the legend
    x_label: str
    y_label: str
    points: list[tuple[float | str, float]]


@dataclass
class Report:
    bench: str
    parameters: dict[str, Any] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)

    def section(self, title: str) -> Section:
        section = Section(title)
        self.sections.append(section)
        return section

    def chart(self, series: Series) -> None:
        self.series.append(series)

    def print_table(self) -> None:
        for section in self.sections:
            print(f"\n{section.title}")
            width = max([len(row.path) for row in section.rows] + [20])
            for row in section.rows:
                print(f"  {row.path:<{width}} {_figure(row.value):>12} {row.unit:<9}"
                      f"{_versus(row)}")

    def write_json(self, out_dir: Path) -> Path:
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"{self.bench}.json"
        path.write_text(json.dumps(self.as_json(), indent=2, ensure_ascii=False) + "\n")
        print(f"\n  written to {path}")
        return path

    def as_json(self) -> dict[str, Any]:
        return {"bench": self.bench, "measured_at": datetime.now(UTC).isoformat(),
                "machine": machine(), "parameters": self.parameters,
                "sections": [{"title": s.title, "rows": [r.as_json() for r in s.rows]}
                             for s in self.sections],
                "series": [asdict(series) for series in self.series]}


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": sys.version.split()[0],
            "platform": platform.platform(), "processor": platform.processor() or None}


def _figure(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def _versus(row: Row) -> str:
    text = "" if row.ratio is None else f" x{row.ratio:.2f} of {row.baseline}"
    if row.target is not None:
        text += f"  (target {row.target}: {'met' if row.met else 'NOT met'})"
    return text
