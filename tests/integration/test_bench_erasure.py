"""`cis bench erasure` as an engineer runs it: both sizes and the baseline printed,
the numbers written as JSON, nothing left behind."""

from __future__ import annotations

import json
import re

from adapters.settings import Settings
from tests.integration.test_bench import _bench_databases, _cis


def test_erasure_bench_prints_both_sizes_and_the_baseline(settings: Settings) -> None:
    assert settings.database_url
    before = _bench_databases(settings.database_url)

    bench = _cis(settings, "bench", "erasure", "--events", "150")

    assert bench.returncode == 0, bench.stderr[-3000:]
    erasure = re.search(r"^  erasure, answer included\s+([\d.]+)\s+([\d.]+)\s+[\d.]+x$",
                        bench.stdout, re.MULTILINE)
    raw = re.search(r"^  raw: destroy one key row\s+([\d.]+)$", bench.stdout, re.MULTILINE)
    assert erasure and raw, bench.stdout
    assert "10 events" in bench.stdout and "150 events" in bench.stdout
    written = json.loads((settings.data_dir / "bench" / "erasure.json").read_text())
    assert written["events"] == 150 and written["erasure_large_ms"] > 0
    assert written["raw_key_destroy_ms"] > 0
    assert _bench_databases(settings.database_url) == before
