"""A worker's /metrics: its own HTTP port, served from a thread of the process.

The process-wide series (`adapters.metrics.series`, and prometheus_client's process and
Python collectors) together with the figures this worker computes at each scrape.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from wsgiref.simple_server import WSGIServer

from prometheus_client import REGISTRY, CollectorRegistry, start_http_server
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from adapters.metrics.figures import Figures, Part

__all__ = ["serve_metrics"]


class _ProcessSeries(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def serve_metrics(host: str, port: int, parts: Sequence[Part]) -> WSGIServer:
    """Serve /metrics on `host:port` (0: any free port, see `server_port`) until the
    process ends or `shutdown()`; raises OSError when the port is taken."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ProcessSeries())
    registry.register(Figures(parts))
    server, _thread = start_http_server(port, addr=host, registry=registry)
    return server
