"""`cis bench queries`: the query API under load, next to a bare ASGI app, in one run.

On a fresh database with `cis demo`'s data, every read model caught up, measures at 1,
8 and 32 keep-alive connections (entrypoints/benches/http_load.py, in processes of its
own) against the query API as `cis api query` serves it:

* `GET /dashboards/cantons`, cached (the Redis cache keyed by read-model position; the
  first request fills it): target at 32 connections >= 0.5x the bare ASGI app;
* `GET /customers/{id}`, a profile (a read-model row, sealed fields opened), each
  connection cycling through customers of its own;
* a bare ASGI app on the same uvicorn answering a body of the dashboard's size.
"""

from __future__ import annotations

import http.client

from adapters.settings import ResolvedSettings
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
from entrypoints.benches.http_servers import HOST, serve
from entrypoints.benches.report import BenchOptions, Report, Target
from entrypoints.http.auth import Role

__all__ = ["run"]

CANTONS = "/api/v1/dashboards/cantons"


def run(settings: ResolvedSettings, options: BenchOptions) -> Report:
    customers, seconds = bench_size(options)
    report = Report("queries", parameters={
        "customers": customers, "seconds_per_level": seconds,
        "rate_limit_per_minute": "raised out of reach, still counted (api_runs.py)"})
    with demo_database(settings, customers) as (own, ids):
        def dashboards(connections: int) -> list[list[HttpRequest]]:
            return [[HttpRequest("GET", CANTONS, (_reader(own, n),))]
                    for n in range(connections)]

        def profiles(connections: int) -> list[list[HttpRequest]]:
            return [[HttpRequest("GET", f"/api/v1/customers/{cid}", (_reader(own, n),))
                     for cid in share(ids, n, connections)] for n in range(connections)]

        log_dir = options.out_dir / "queries-logs"
        with serve("query", own, log_dir / "query-server.log") as port:
            body_size = _body_size(port, dashboards(1)[0][0])
            dashboard = load_levels(port, "cached dashboard", dashboards, seconds=seconds)
            profile = load_levels(port, "profile", profiles, seconds=seconds)
        bare = measure_levels("bare", own, log_dir, "bare ASGI", dashboards, seconds=seconds,
                              body_size=body_size)

    report.parameters["dashboard_body_bytes"] = body_size
    section = report.section("query API (throughput)")
    bare_rows = bare.add_rows(section)
    dashboard.add_rows(section, baseline=bare_rows, target_at_32=Target(">=", 0.5))
    profile.add_rows(section, baseline=bare_rows)
    for run_, cut in ((dashboard, 0.5), (dashboard, 0.99), (profile, 0.5), (profile, 0.99),
                        (bare, 0.5), (bare, 0.99)):
        report.chart(latency_series("latency-queries", run_, cut))
    return report


def _reader(settings: ResolvedSettings, number: int) -> tuple[str, str]:
    return bearer(settings, f"bench-reader-{number}", Role.SALES_MANAGER)


def _body_size(port: int, request: HttpRequest) -> int:
    """The dashboard's body (and a warm cache): the bare app answers as many bytes."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(request.method, request.path, headers=dict(request.headers))
        answer = conn.getresponse()
        body = answer.read()
        if answer.status != 200:
            raise RuntimeError(f"{request.path} answered {answer.status}: {body[:300]!r}")
        return len(body)
    finally:
        conn.close()
