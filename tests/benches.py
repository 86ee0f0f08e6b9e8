"""`cis bench NAME` as an engineer runs it: the process, its printed table, its JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from adapters.settings import Settings


@dataclass
class BenchRun:
    process: subprocess.CompletedProcess[str]
    report: dict[str, Any]

    def rows(self) -> dict[str, dict[str, Any]]:
        """Every row of every section, by its path."""
        return {row["path"]: row for section in self.report["sections"]
                for row in section["rows"]}

    def titles(self) -> list[str]:
        return [section["title"] for section in self.report["sections"]]


def cis(settings: Settings, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", *args],
                          env={**os.environ, **settings.as_env()}, text=True,
                          capture_output=True, timeout=timeout, check=False)


def run_bench(settings: Settings, out: Path, name: str, *args: str,
              timeout: float = 600) -> BenchRun:
    """Runs the bench; asserts it succeeded, printed every row and wrote its JSON."""
    process = cis(settings, "bench", name, "--out", str(out), *args, timeout=timeout)
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-3000:]
    report = json.loads((out / f"{name}.json").read_text())
    assert report["bench"] == name and report["machine"]["cpus"] >= 1
    run = BenchRun(process, report)
    for path, row in run.rows().items():
        assert f"  {path} " in process.stdout, f"{path!r} not printed:\n{process.stdout}"
        assert row["value"] > 0, row
    return run


def bench_databases(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT datname FROM pg_database "
                            "WHERE datname LIKE 'cis_bench_%'").fetchall()
    return {row[0] for row in rows}
