"""Stalled read models on the query API's /metrics, read from Postgres at each scrape.

The projector processes record stalls and failed attempts in Postgres (they serve no
HTTP); the query API exports them:

* `cis_read_model_stalled{read_model}`: 1 while the read model is stuck, else 0;
* `cis_read_model_failures_total{read_model}`: failed attempts, ever (a counter).
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from projections.registry import READ_MODELS
from projections.stall import read_failures, read_stalls

__all__ = ["ReadModelStallMetrics"]


class _Failures(Collector):
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily("cis_read_model_failures",
                                     "Failed attempts to project, per read model",
                                     labels=["read_model"])
        for name in [m.name for m in READ_MODELS]:
            family.add_metric([name], self.counts.get(name, 0))
        yield family


class ReadModelStallMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self._stalled = Gauge("cis_read_model_stalled",
                              "1 while the read model cannot get past an event",
                              ["read_model"], registry=registry)
        self._failures = _Failures()
        registry.register(self._failures)

    async def refresh(self, database_url: str) -> None:
        stalled = {s.read_model for s in await read_stalls(database_url)}
        for model in READ_MODELS:
            self._stalled.labels(read_model=model.name).set(1 if model.name in stalled else 0)
        self._failures.counts = await read_failures(database_url)
