"""`cis bench relay` as an engineer runs it: every figure printed, nothing left behind."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nats

from adapters.settings import Settings
from tests.benches import bench_databases, run_bench


async def _stream_names(url: str) -> set[str]:
    nc = await nats.connect(url)
    try:
        return {info.config.name for info in await nc.jetstream().streams_info()
                if info.config.name}
    finally:
        await nc.close()


def test_relay_bench_prints_its_rate_next_to_raw_publish_and_cleans_up(
        settings: Settings, tmp_path: Path) -> None:
    assert settings.database_url and settings.nats_url
    databases, streams = bench_databases(settings.database_url), asyncio.run(
        _stream_names(settings.nats_url))

    bench = run_bench(settings, tmp_path, "relay", "--events", "400")

    rows = bench.rows()
    relay = rows["relay: log to head, acked, position saved"]
    assert relay["baseline"] == "raw publish_async, acks awaited" and relay["ratio"] > 0
    assert relay["target"] == "≥ 0.5" and isinstance(relay["met"], bool)
    assert rows["relay"]["baseline"] == "raw publish_async"  # CPU per event
    for consumer in ("push consumer", "pull consumer, fetch(64) as CIS consumers"):
        for cut in ("p50", "p99"):
            latency = rows[f"{consumer}: {cut}"]
            assert latency["unit"] == "ms" and latency["target"] == "≤ 100"
    written = bench.report["parameters"]["events"]  # whole demo customers: 400 or more
    assert written >= 400 and bench.report["parameters"]["messages"] == written
    assert (f"publishing {written:,} events from the log into JetStream, best of 3 "
            "interleaved rounds") in bench.titles()
    assert bench_databases(settings.database_url) == databases
    assert asyncio.run(_stream_names(settings.nats_url)) == streams
