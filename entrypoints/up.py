"""`cis up`: the whole system in one command, every part in its own process."""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

import httpx
import structlog

from adapters.embedded.process import ServerProcess, free_port
from adapters.embedded.smtp import start_smtp_sink
from adapters.embedded.stack import embedded_stack
from adapters.settings import ResolvedSettings, Settings
from entrypoints.http.auth import Role, issue_token
from entrypoints.migrate import migrate
from entrypoints.supervision import Supervised, stop_all, supervise

__all__ = ["run_up"]

log = structlog.get_logger()

# Started in this order (readers of the log before the APIs), stopped all at once: each
# finishes its batch within the bound (adapters.shutdown).
# The read models share one projector process (a thread each, one read of the log):
# following the log live, that costs the whole system less CPU per command than a
# process each (`cis bench fan-out` measures both), at the price of a slower catch-up
# after a long stop (threads share one core; `cis bench catch-up`).
WORKERS: tuple[tuple[str, ...], ...] = (
    ("project", "run"),
    ("relay",),
    ("consume", "scoring"),
    ("consume", "notifications"),
    ("api", "command"),
    ("api", "query"),
)
# Retention once a day (the first run a minute after start); CIS_RETENTION_DAILY=false
# leaves it out.
DAILY_RETENTION = ("dsg", "retention", "--daily")
# Lead scores brought up to date every night: time alone changes some of their features.
DAILY_SCORE_REFRESH = ("score", "refresh", "--daily", "--by", "cis-up")
# Workers serving /metrics on CIS_METRICS_PORT (the APIs serve it on their own port).
SERVE_METRICS = ("project", "relay", "consume")


def run_up(settings: Settings, *, demo: bool = False) -> int:
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    with embedded_stack(settings) as servers, smtp_sink(servers) as resolved:
        migrate(resolved)
        if demo:
            _load_demo_once(resolved)
        workers = (*WORKERS, DAILY_SCORE_REFRESH,
                   *((DAILY_RETENTION,) if resolved.retention_daily else ()))
        # A /metrics port of its own for each worker, kept across its restarts.
        ports = {args: free_port(resolved.host) for args in workers if args[0] in SERVE_METRICS}
        children = [Supervised(" ".join(args), _spawner(args, resolved, ports.get(args)))
                    for args in workers]
        for child in children:
            child.start()
        # Supervised from the start, each child on its own budget: one that keeps
        # failing is parked, never the rest (not even while the APIs come up).
        supervisor = threading.Thread(
            target=supervise, args=(children, stopping), name="supervise",
            kwargs={"status_file": resolved.data_dir / "run" / "processes.json"})
        supervisor.start()
        try:
            _wait_healthy(resolved, stopping)
            metrics = _metrics_urls(resolved, ports)
            _print_welcome(resolved, metrics)
            # Last: whoever waits for endpoints.json then finds the welcome (the token) out.
            _write_endpoints(resolved, metrics)
            while not stopping.wait(0.5):
                pass  # the main thread keeps taking Ctrl-C
            return 0
        finally:
            stopping.set()
            supervisor.join()
            stop_all(children)
            log.info("all processes stopped")


@contextmanager
def smtp_sink(settings: ResolvedSettings) -> Iterator[ResolvedSettings]:
    """Without CIS_SMTP_URL: a local SMTP sink keeping each message in <data dir>/mail/."""
    if settings.smtp_url is not None:
        yield settings
        return
    server, url = start_smtp_sink(settings.data_dir, settings.host)
    log.info("embedded server started", server="smtp")
    try:
        yield replace(settings, smtp_url=url)
    finally:
        server.stop()
        log.info("embedded server stopped", server="smtp")


def _load_demo_once(settings: ResolvedSettings) -> None:
    from entrypoints.bootstrap import build_application
    from entrypoints.demo import load_demo

    cis = build_application(settings, pool_size=2)
    try:
        if cis.recorder.max_notification_id() is None:
            load_demo(cis)
        else:
            log.info("event log not empty; demo data not loaded")
    finally:
        cis.close()


def _spawner(args: tuple[str, ...], settings: ResolvedSettings,
             metrics_port: int | None = None) -> Callable[[], ServerProcess]:
    import os

    env = {**os.environ, **settings.as_env()}
    env.pop("CIS_METRICS_PORT", None)  # one port a process: never the same for all
    if metrics_port is not None:
        env["CIS_METRICS_PORT"] = str(metrics_port)
    argv = [sys.executable, "-m", "entrypoints.cli", *args]
    return lambda: ServerProcess(" ".join(args), argv, None, env=env)


def _wait_healthy(settings: ResolvedSettings, stopping: threading.Event,
                  timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    for port in (settings.command_port, settings.query_port):
        url = f"http://{settings.host}:{port}/health"
        while not stopping.is_set():
            try:
                if httpx.get(url, timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout}s")
            time.sleep(0.1)


def _metrics_urls(settings: ResolvedSettings,
                  ports: dict[tuple[str, ...], int]) -> dict[str, str]:
    """Where Prometheus scrapes each process, by process name."""
    base = f"http://{settings.host}"
    urls = {"api command": f"{base}:{settings.command_port}/metrics",
            "api query": f"{base}:{settings.query_port}/metrics"}
    urls.update({" ".join(args): f"{base}:{port}/metrics" for args, port in ports.items()})
    return urls


def _write_prometheus_targets(settings: ResolvedSettings, metrics: dict[str, str]) -> None:
    """The same, for Prometheus' `file_sd_configs`: <data dir>/run/prometheus-targets.json."""
    targets = [{"targets": [url.removeprefix("http://").removesuffix("/metrics")],
                "labels": {"process": name}} for name, url in metrics.items()]
    path = settings.data_dir / "run" / "prometheus-targets.json"
    path.write_text(json.dumps(targets, indent=2))


def _write_endpoints(settings: ResolvedSettings, metrics: dict[str, str]) -> None:
    """Where everything listens, for tools and tests: <data dir>/run/endpoints.json."""
    endpoints = {
        "command_api": f"http://{settings.host}:{settings.command_port}",
        "query_api": f"http://{settings.host}:{settings.query_port}",
        "database_url": settings.database_url,
        "nats_url": settings.nats_url,
        "redis_url": settings.redis_url,
        "smtp_url": settings.smtp_url,
        "metrics": metrics,
    }
    path = settings.data_dir / "run" / "endpoints.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_prometheus_targets(settings, metrics)
    path.write_text(json.dumps(endpoints, indent=2))


def _print_welcome(settings: ResolvedSettings, metrics: dict[str, str]) -> None:
    token = issue_token(settings.jwt_secret, subject="dev", role=Role.SALES_MANAGER,
                        ttl=timedelta(days=1))
    base = f"http://{settings.host}"
    print(
        "\nCIS is up.\n"
        f"  command API  {base}:{settings.command_port}/api/v1   (OpenAPI: /schema)\n"
        f"  query API    {base}:{settings.query_port}/api/v1   (OpenAPI: /schema)\n"
        f"  postgres     {settings.database_url}\n"
        f"  nats         {settings.nats_url}\n"
        f"  redis        {settings.redis_url}\n"
        f"  smtp         {settings.smtp_url}   (`cis mail list`)\n"
        f"  data         {settings.data_dir}\n"
        f"  metrics      (Prometheus; targets in {settings.data_dir / 'run'}"
        "/prometheus-targets.json)\n"
        + "".join(f"    {name:<24} {url}\n" for name, url in metrics.items()) +
        f"  dev token    (sales_manager, 24 h)\n{token}\n"
        "Ctrl-C stops everything.\n",
        flush=True,
    )
