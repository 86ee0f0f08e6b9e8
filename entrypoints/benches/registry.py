"""The benches `cis bench NAME` runs, and what `cis bench all` runs in under 10 minutes.

Each bench is a module of this package with `run(settings, options) -> Report`; it
measures our path and its physical baseline side by side in one run, prints the table
and writes the JSON (`entrypoints/benches/report.py`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from adapters.settings import ResolvedSettings
from entrypoints.benches.report import BenchOptions, Report

__all__ = ["ALL", "BENCHES", "run_all", "run_bench"]


@dataclass(frozen=True)
class Bench:
    module: str
    help: str


BENCHES: dict[str, Bench] = {
    "append": Bench("append", "single-event commands from 1 and 16 writer processes next to "
                              "raw one-row INSERTs, batched INSERTs and COPY"),
    "commands": Bench("commands", "the command API at 1..32 connections next to the same "
                                  "commands in-process and a bare ASGI app on the same server"),
    "queries": Bench("queries", "the query API (cached dashboard, profile) at 1..32 "
                                "connections next to a bare ASGI app on the same server"),
    "catch-up": Bench("catch_up", "read-model catch-up next to decode-only and the library "
                                  "runner"),
    "fan-out": Bench("fan_out", "whole-system CPU per command across every process, the "
                                "sustained command rate, event-to-read-model and "
                                "event-to-consumer latency"),
    "relay": Bench("relay", "the relay's publish rate next to a raw async publish of "
                            "same-size messages"),
    "replay": Bench("replay", "aggregate load and command at 10 and 10,000 events"),
    "erasure": Bench("erasure", "DSG erasure at 10 and 10,000 events next to the raw key "
                                "destroy"),
    "audit-state": Bench("audit_state", "audit state at a version, from snapshots and "
                                        "without"),
    "audit-export": Bench("audit_export", "the signed audit export next to the raw read"),
}
# `cis bench all` (and `make bench`): the pipeline's benches, in the order data flows.
ALL = ["append", "commands", "queries", "catch-up", "fan-out", "relay", "replay", "erasure"]


def run_bench(name: str, settings: ResolvedSettings, options: BenchOptions) -> Report:
    module = importlib.import_module(f"entrypoints.benches.{BENCHES[name].module}")
    run = cast(Callable[[ResolvedSettings, BenchOptions], Report], module.run)
    report = run(settings, options)
    report.print_table()
    report.write_json(options.out_dir)
    return report


def run_all(settings: ResolvedSettings, options: BenchOptions) -> int:
    """Every bench of `ALL`; one that fails is reported and the others still run."""
    failed = []
    for name in ALL:
        print(f"\n=== cis bench {name} ===", flush=True)
        try:
            run_bench(name, settings, options)
        except Exception as error:  # noqa: BLE001 - named below, the other benches go on
            print(f"cis bench {name} failed: {type(error).__name__}: {error}", flush=True)
            failed.append(name)
    from entrypoints.benches.charts import draw_charts, write_summary

    for path in [*draw_charts(options.out_dir), write_summary(options.out_dir, ALL)]:
        print(f"  written: {path}")
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0
