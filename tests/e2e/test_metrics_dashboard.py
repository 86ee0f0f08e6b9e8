"""The Grafana dashboard shows only what our processes expose: every metric its PromQL
names is scraped from a running `cis up` (both APIs and every worker)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from projections.registry import READ_MODELS
from tests.e2e.test_cis_up import Stack
from tests.integration.test_zefix_registry import new_uid
from tests.metrics import exposed_names, sample
from tests.zefix_server import ZefixServer, company, zefix_server

pytestmark = pytest.mark.e2e

DASHBOARD = Path(__file__).parents[2] / "ops" / "grafana" / "dashboards" / "cis.json"
# Series Prometheus makes itself for every target it scrapes.
PROMETHEUS_OWN = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}
_NOT_METRICS = {"sum", "max", "min", "avg", "count", "rate", "irate", "increase", "delta",
                "histogram_quantile", "topk", "bottomk", "abs", "clamp_min", "and", "or",
                "unless", "bool", "offset"}
CUSTOMER = {"name": "Gion Caduff", "email": "gion@example.ch", "postal_code": "7000",
            "canton": "GR", "language": "rm"}


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (not its functions, labels or ranges)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]", "", expr)
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", expr):
        if expr[match.end():].lstrip().startswith("("):
            continue  # a function
        names.add(match.group())
    return names - _NOT_METRICS


def _expressions(dashboard: dict[str, Any]) -> list[str]:
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    return [t["expr"] for p in panels for t in p["targets"]]


@pytest.fixture
def zefix() -> Iterator[ZefixServer]:
    uid = new_uid()
    compact = str(uid).replace("-", "").replace(".", "")
    with zefix_server({compact: company(str(uid), "Dashboard AG")}) as server:
        server.uid = uid  # type: ignore[attr-defined]
        yield server


@pytest.fixture
def stack(tmp_path: Path, zefix: ZefixServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    monkeypatch.setenv("CIS_ZEFIX_URL", zefix.base_url)
    running = Stack(tmp_path)
    yield running
    if running.process.poll() is None:
        running.stop()


def _scrape_until(url: str, ready: Any, timeout: float = 45.0) -> str:
    """The exposition once `ready(text)` holds (workers start after the APIs answer)."""
    deadline, text = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        try:
            text = httpx.get(url, timeout=10).text
        except httpx.TransportError:
            text = ""
        if text and ready(text):
            return text
        time.sleep(0.3)
    pytest.fail(f"{url} did not show its figures in time:\n{text[-2000:]}")


def _own_figures(process: str) -> Any:
    """What each process's /metrics must show for itself."""
    words = process.split()
    if words[0] == "project":  # every read model it runs (all, when none is named)
        models = words[2:] or [model.name for model in READ_MODELS]
        return lambda t: all(sample(t, "cis_read_model_lag_events", read_model=m) is not None
                             for m in models)
    if words[0] == "relay":
        return lambda t: sample(t, "cis_relay_lag_events") is not None
    if words[0] == "consume":
        return lambda t: sample(t, "cis_consumer_pending_messages", consumer=words[1]) is not None
    return lambda t: sample(t, "cis_api_requests_total", app_name=words[1]) is not None


def test_every_metric_on_the_dashboard_is_exposed_by_a_process(
    stack: Stack, zefix: ZefixServer
) -> None:
    command, query = stack.endpoints["command_api"], stack.endpoints["query_api"]
    created = httpx.post(f"{command}/api/v1/customers", json=CUSTOMER, headers=stack.auth)
    assert created.status_code == 201, created.text
    looked_up = httpx.get(f"{command}/api/v1/registry/companies/{zefix.uid}",  # type: ignore[attr-defined]
                          headers=stack.auth)
    assert looked_up.status_code == 200, looked_up.text
    read = httpx.get(f"{query}/api/v1/customers/{created.json()['id']}", headers=stack.auth,
                     params={"min_position": created.json()["position"]})
    assert read.status_code == 200, read.text

    # `cis up` says where each process is scraped, and every one of them answers.
    metrics: dict[str, str] = stack.endpoints["metrics"]
    printed = (stack.data_dir / "up.log").read_text()
    workers = {"relay", "consume scoring", "consume notifications"}
    assert workers | {"api command", "api query"} <= set(metrics)
    assert any(name.split()[:2] == ["project", "run"] for name in metrics)
    assert all(url in printed for url in metrics.values())
    targets = json.loads((stack.data_dir / "run" / "prometheus-targets.json").read_text())
    assert {t["labels"]["process"] for t in targets} == set(metrics)
    exposed: set[str] = set()
    for process, url in metrics.items():
        exposed |= exposed_names(_scrape_until(url, _own_figures(process)))

    dashboard = json.loads(DASHBOARD.read_text())
    used = set().union(*(metric_names(e) for e in _expressions(dashboard)))
    assert used - PROMETHEUS_OWN - exposed == set()
    # The dashboard covers every series of the issue.
    assert {"cis_api_requests_total", "cis_events_appended_total",
            "customer_journey_stage_transitions_total", "swiss_api_response_time_seconds_bucket",
            "cis_read_model_lag_events", "cis_relay_lag_events", "cis_consumer_pending_messages",
            "cis_dlq_messages", "cis_notifications_total", "cis_scoring_model_auc",
            "cis_scoring_model_info"} <= used
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert {p["datasource"]["uid"] for p in panels} == {"Prometheus"}


def test_metric_names_are_read_from_promql() -> None:
    expr = ('histogram_quantile(0.95, sum by (status, le) '
            '(rate(swiss_api_response_time_seconds_bucket{api_type="zefix"}[5m]))) '
            '/ on (job) max(cis_relay_lag_events)')
    assert metric_names(expr) == {"swiss_api_response_time_seconds_bucket",
                                  "cis_relay_lag_events"}
