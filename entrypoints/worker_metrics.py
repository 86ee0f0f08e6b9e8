"""Which figures each worker's /metrics shows (`CIS_METRICS_PORT`), wired in one place.

* projector (`cis project run`): the lag of each read model it runs;
* relay: its lag behind the log;
* consumers: their JetStream backlog and the dead letters; scoring also the model
  scoring now (version and hold-out AUC).

Every worker also shows the process-wide series (`adapters.metrics.series`): the
projector its journey stage transitions, the notification consumer what it sent.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from wsgiref.simple_server import WSGIServer

import structlog

from adapters.metrics.figures import ConsumerFigures, Part, ReadModelLags, RelayLag, ScoringModel
from adapters.metrics.server import serve_metrics
from adapters.settings import ResolvedSettings
from application.scoring import ScoringLog
from application.services import CustomerIntelligence
from entrypoints.bootstrap import build_application
from projections.base import ReadModel, schema_of

__all__ = ["ActiveModel", "consumer", "projector", "relay", "serve"]

log = structlog.get_logger()


def projector(settings: ResolvedSettings, models: Sequence[ReadModel]) -> WSGIServer | None:
    names = [(m.name, schema_of(m.name)) for m in models]
    return serve(settings, "projector", [ReadModelLags(settings.database_url, names)])


def relay(settings: ResolvedSettings) -> WSGIServer | None:
    return serve(settings, "relay", [RelayLag(settings.database_url)])


def consumer(settings: ResolvedSettings, name: str) -> WSGIServer | None:
    parts: list[Part] = [ConsumerFigures(settings.nats_url, name)]
    if name == "scoring":
        parts.append(ScoringModel(ActiveModel(settings)))
    return serve(settings, f"consume {name}", parts)


def serve(settings: ResolvedSettings, worker: str, parts: Sequence[Part]) -> WSGIServer | None:
    """Start the worker's /metrics when CIS_METRICS_PORT is set (None when it is not)."""
    if settings.metrics_port is None:
        return None
    try:
        server = serve_metrics(settings.host, settings.metrics_port, parts)
    except OSError as error:
        raise SystemExit(f"cis: cannot serve /metrics on {settings.host}:"
                         f"{settings.metrics_port} (CIS_METRICS_PORT): {error.strerror}") from None
    log.info("metrics served", worker=worker,
             url=f"http://{settings.host}:{server.server_port}/metrics")
    return server


class ActiveModel:
    """The lead-scoring model active now, read from the log at each scrape (its few
    events); the application is built at the first scrape, each wait bounded."""

    def __init__(self, settings: ResolvedSettings) -> None:
        self._settings = settings
        self._app: CustomerIntelligence | None = None  # held: it closes its pool when freed
        self._log: ScoringLog | None = None
        self._lock = threading.Lock()

    def __call__(self) -> tuple[str, float | None]:
        with self._lock:
            if self._log is None:
                self._app = build_application(self._settings, pool_size=1, query_timeout=2.0)
                self._log = ScoringLog(self._app)
            model, fitted = self._log.active_model()
        auc = fitted.metrics.get("auc_holdout") if fitted is not None else None
        return model.version, float(auc) if auc is not None else None
