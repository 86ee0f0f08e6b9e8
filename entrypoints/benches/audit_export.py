"""`cis bench audit-export`: the signed export's rate against reading the log raw.

Both read the same log in pages of the same size, in the same run: the raw read only
fetches the pages (the floor any export pays); the export also parses each stored
event, chains and writes its line, and signs the manifest.
"""

from __future__ import annotations

import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.audit.log_export import PAGE_SIZE, ExportQuery, export_lines, log_recorder
from adapters.audit.signed_file import parse_private_key
from adapters.postgres.recorder import PagedApplicationRecorder
from adapters.settings import ResolvedSettings
from entrypoints.benches.catch_up import write_demo_shaped
from entrypoints.benches.database import fresh_database
from entrypoints.benches.report import BenchOptions, Report
from entrypoints.bootstrap import build_application
from entrypoints.migrate import migrate

__all__ = ["run"]


def run(settings: ResolvedSettings, options: BenchOptions) -> Report:
    events = options.events or 100_000
    with fresh_database(settings) as own:
        migrate(own)
        app = build_application(own, pool_size=2)
        try:
            write_demo_shaped(app, events)
        finally:
            app.close()
        recorder = log_recorder(own.database_url)
        try:
            head = recorder.max_notification_id() or 0
            raw = _raw_read(recorder, head)
            exported, size = _export_rate(recorder, parse_private_key(own.audit_signing_key))
        finally:
            recorder.datastore.close()
    report = Report("audit-export", {"events": head})
    section = report.section(f"audit export over {head:,} events")
    floor = section.add(f"raw ordered read (pages of {PAGE_SIZE})", raw, "events/s")
    section.add("signed export", exported, "events/s", baseline=floor,
                note=f"{size / head:,.0f} bytes an event")
    return report


def _raw_read(recorder: PagedApplicationRecorder, head: int) -> float:
    started = time.perf_counter()
    position = 0
    while position < head:
        page = recorder.select_notifications(start=position, limit=PAGE_SIZE, stop=head,
                                             inclusive_of_start=False)
        position = page[-1].id
    return head / (time.perf_counter() - started)


def _export_rate(recorder: PagedApplicationRecorder, key: Ed25519PrivateKey) -> tuple[float, int]:
    size = lines = 0
    started = time.perf_counter()
    for line in export_lines(recorder, ExportQuery(), key):
        size += len(line)
        lines += 1
    return (lines - 1) / (time.perf_counter() - started), size
