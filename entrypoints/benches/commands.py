"""`cis bench commands`: the command API under load, next to its baselines, in one run.

On a fresh database with `cis demo`'s data, measures `POST /customers/{id}/touchpoints`
at 1, 8 and 32 keep-alive connections (entrypoints/benches/http_load.py, in processes
of its own) against the command API as `cis api command` serves it (auth, rate limit,
idempotency claims), and side by side:

* the same command issued in-process, with no HTTP: `record_touchpoint` from as many
  threads as the API has database connections (it cannot run more at once), the most
  the application and Postgres give; target: the API at 32 connections >= 0.5x of it;
* a bare ASGI app on the same uvicorn answering a same-size body: what HTTP costs here.

And p99 at 32 connections against p50 at 1 (target <= 5x). Each connection writes to
customers of its own (no conflicts between connections) as a caller of its own.
"""

from __future__ import annotations

import threading
import time
from uuid import UUID

import msgspec

from adapters.settings import ResolvedSettings
from application.services import CustomerIntelligence
from domain.customer_facts import Channel, TouchpointKind
from domain.meta import EventMeta
from entrypoints.benches.api_runs import (
    bearer,
    bench_size,
    demo_database,
    latency_series,
    load_levels,
    measure_levels,
    share,
)
from entrypoints.benches.http_load import HttpRequest
from entrypoints.benches.http_servers import serve
from entrypoints.benches.report import BenchOptions, Report, Target
from entrypoints.bootstrap import build_application
from entrypoints.command_api.app import DATABASE_CONNECTIONS as API_DATABASE_CONNECTIONS
from entrypoints.http.auth import Role

__all__ = ["run"]

TOUCHPOINT = msgspec.json.encode({"kind": "call", "channel": "phone", "note": "bench call"})
# The answer's size: {"id": <uuid>, "version": n, "position": n}.
ANSWER_BYTES = len(b'{"id":"00000000-0000-0000-0000-000000000000","version":12,"position":1234}')


def run(settings: ResolvedSettings, options: BenchOptions) -> Report:
    customers, seconds = bench_size(options)
    report = Report("commands", parameters={
        "customers": customers, "seconds_per_level": seconds,
        "in_process_threads": API_DATABASE_CONNECTIONS,
        "rate_limit_per_minute": "raised out of reach, still counted (api_runs.py)"})
    with demo_database(settings, customers) as (own, ids):
        def requests_for(connections: int) -> list[list[HttpRequest]]:
            return [_touchpoints(own, number, share(ids, number, connections))
                    for number in range(connections)]

        log_dir = options.out_dir / "commands-logs"
        with serve("command", own, log_dir / "command-server.log") as port:
            api = load_levels(port, "command API", requests_for, seconds=seconds)
            # Right after the API's 32 connections, on the same histories: the machine
            # is shared, so the two figures of the ratio are taken as close as can be.
            in_process = _in_process(own, ids, seconds)
        print(f"  in-process: {in_process:,.0f} commands/s", flush=True)
        bare = measure_levels("bare", own, log_dir, "bare ASGI", requests_for,
                              seconds=seconds, body_size=ANSWER_BYTES)

    section = report.section("POST /customers/{id}/touchpoints (throughput)")
    alone = section.add(f"in-process, {API_DATABASE_CONNECTIONS} threads, no HTTP",
                        in_process, "cmd/s")
    bare_rows = bare.add_rows(section)
    api.add_rows(section, baseline={32: alone}, target_at_32=Target(">=", 0.5))
    for connections, row in bare_rows.items():
        section.add(f"command API / bare ASGI, {connections} conn",
                    api.results[connections].throughput, "req/s", baseline=row)
    tail = report.section("latency under load")
    single = tail.add("command API p50, 1 conn", api.results[1].percentile_ms(0.5), "ms")
    tail.add("command API p99, 32 conn", api.results[32].percentile_ms(0.99), "ms",
             baseline=single, target=Target("<=", 5.0))
    for run_, cut in ((api, 0.5), (api, 0.99), (bare, 0.5), (bare, 0.99)):
        report.chart(latency_series("latency-commands", run_, cut))
    return report


def _touchpoints(settings: ResolvedSettings, number: int, ids: list[UUID]
                 ) -> list[HttpRequest]:
    headers = (bearer(settings, f"bench-writer-{number}", Role.SALES_MANAGER),
               ("Content-Type", "application/json"))
    return [HttpRequest("POST", f"/api/v1/customers/{cid}/touchpoints", headers, TOUCHPOINT)
            for cid in ids]


def _in_process(settings: ResolvedSettings, ids: list[UUID], seconds: float) -> float:
    """Commands per second from threads calling the use case, as the API's workers do."""
    cis = build_application(settings, pool_size=API_DATABASE_CONNECTIONS)
    meta = EventMeta(actor="bench", correlation_id="bench")
    done = [0] * API_DATABASE_CONNECTIONS
    stop_at = time.perf_counter() + seconds

    def writer(number: int) -> None:
        own = ids[number::API_DATABASE_CONNECTIONS]
        while time.perf_counter() < stop_at:
            _record(cis, own[done[number] % len(own)], meta)
            done[number] += 1

    try:
        _record(cis, ids[0], meta)  # warm: connections open, keys cached
        threads = [threading.Thread(target=writer, args=(n,))
                   for n in range(API_DATABASE_CONNECTIONS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sum(done) / (time.perf_counter() - started)
    finally:
        cis.close()


def _record(cis: CustomerIntelligence, customer: UUID, meta: EventMeta) -> None:
    cis.record_touchpoint(customer, kind=TouchpointKind.CALL, channel=Channel.PHONE,
                          note="bench call", meta=meta)
