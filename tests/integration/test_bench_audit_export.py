"""`cis bench audit-export`: both rates printed from one run, nothing left behind."""

from __future__ import annotations

import re

from adapters.settings import Settings
from tests.integration.test_bench import _bench_databases, _cis


def test_audit_export_prints_its_rate_next_to_the_raw_read_and_drops_its_database(
        settings: Settings) -> None:
    assert settings.database_url
    before = _bench_databases(settings.database_url)

    bench = _cis(settings, "bench", "audit-export", "--events", "1000")

    assert bench.returncode == 0, bench.stderr[-3000:]
    assert "audit export over 1,000 events" in bench.stdout
    rates = dict(re.findall(r"^  (\S+(?: \S+)*)\s{2,}([\d,]+)\s+x[\d.]+$", bench.stdout,
                           re.MULTILINE))
    assert set(rates) == {"raw ordered read (pages of 1000)", "signed export"}, bench.stdout
    assert all(int(rate.replace(",", "")) > 0 for rate in rates.values())
    assert _bench_databases(settings.database_url) == before
