"""What workers show on /metrics: stage transitions as the journeys projector sees them,
and the lags, backlogs and dead letters read from Postgres and JetStream at each scrape."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4
from wsgiref.simple_server import WSGIServer

import httpx
import msgspec
import nats
import pytest
from prometheus_client import REGISTRY

from adapters.embedded.process import free_port
from adapters.metrics.figures import ConsumerFigures, Part, ReadModelLags, RelayLag, ScoringModel
from adapters.metrics.server import serve_metrics
from adapters.nats.streams import EVENTS_STREAM, consumer_config
from adapters.settings import Settings
from application.scoring import ScoringLog
from application.services import CustomerIntelligence
from domain.customer_facts import Channel, TouchpointKind
from domain.values import Canton, PostalCode
from entrypoints import worker_metrics
from projections.base import schema_of
from projections.registry import READ_MODELS
from tests.factories import META, registration
from tests.metrics import sample
from tests.readmodels import caught_up


def _transitions(before: str, after: str, canton: str) -> float:
    return REGISTRY.get_sample_value("customer_journey_stage_transitions_total", {
        "from_stage": before, "to_stage": after, "canton": canton}) or 0.0


def test_stage_transitions_are_counted_by_canton_once_projected(
    settings: Settings, app: CustomerIntelligence, projectors: None
) -> None:
    caught_up(settings, app, "journeys")  # what others wrote is counted already
    moves = [("none", "lead"), ("lead", "engaged"), ("engaged", "engaged")]
    before = {move: _transitions(*move, "GR") for move in moves}

    customer = app.register_customer(**registration(
        canton=Canton.parse("GR"), postal_code=PostalCode.parse("7000"))).id
    for _ in range(2):  # the second touchpoint leaves the stage where it is
        app.record_touchpoint(customer, kind=TouchpointKind.CALL, channel=Channel.PHONE,
                              note=None, meta=META)
    caught_up(settings, app, "journeys")

    after = {move: _transitions(*move, "GR") for move in moves}
    assert after[("none", "lead")] == before[("none", "lead")] + 1
    assert after[("lead", "engaged")] == before[("lead", "engaged")] + 1
    assert after[("engaged", "engaged")] == before[("engaged", "engaged")] == 0


@pytest.fixture
def scrape() -> Iterator[list[WSGIServer]]:
    """The metrics servers a test started (`_serve`), stopped after it."""
    servers: list[WSGIServer] = []
    yield servers
    for server in servers:
        server.shutdown()
        server.server_close()


def _serve(servers: list[WSGIServer], settings: Settings, parts: list[Part]) -> str:
    """Serve `parts` on a free port, as a worker does, and scrape it once."""
    server = serve_metrics("127.0.0.1", 0, parts)
    servers.append(server)
    response = httpx.get(f"http://127.0.0.1:{server.server_port}/metrics", timeout=10)
    assert response.status_code == 200
    return response.text


def _head(app: CustomerIntelligence) -> int:
    return app.recorder.max_notification_id() or 0


def test_a_worker_shows_each_read_models_lag_and_the_relays(
    settings: Settings, app: CustomerIntelligence, scrape: list[WSGIServer]
) -> None:
    assert settings.database_url
    models = [(m.name, schema_of(m.name)) for m in READ_MODELS]
    text = _serve(scrape, settings, [ReadModelLags(settings.database_url, models),
                                     RelayLag(settings.database_url)])
    head = _head(app)
    for model in READ_MODELS:
        lag = sample(text, "cis_read_model_lag_events", read_model=model.name)
        assert lag is not None and 0 <= lag <= head, model.name
    relay = sample(text, "cis_relay_lag_events")
    assert relay is not None and 0 <= relay <= head
    assert sample(text, "cis_metrics_source_up", source="read_models") == 1
    assert sample(text, "cis_metrics_source_up", source="relay") == 1

    # The lag moves with the log: a write nobody projects here is one more behind.
    app.register_customer(**registration())
    later = _serve(scrape, settings, [RelayLag(settings.database_url)])
    assert sample(later, "cis_relay_lag_events") == relay + (_head(app) - head)


async def _consumer_and_dead_letter(nats_url: str, durable: str) -> int:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await js.add_consumer(EVENTS_STREAM, consumer_config(durable))
        await js.publish(f"cis.dlq.{durable}", msgspec.json.encode({"test": durable}))
        return int((await js.stream_info(EVENTS_STREAM)).state.messages)
    finally:
        await nc.close()


def test_a_consumer_shows_its_backlog_and_the_dead_letters(
    settings: Settings, scrape: list[WSGIServer]
) -> None:
    assert settings.nats_url
    durable = "metrics-" + uuid4().hex[:8]
    on_stream = asyncio.run(_consumer_and_dead_letter(settings.nats_url, durable))

    text = _serve(scrape, settings, [ConsumerFigures(settings.nats_url, durable)])

    # A consumer that fetched nothing yet has the whole stream before it.
    assert sample(text, "cis_consumer_pending_messages", consumer=durable) == on_stream
    assert sample(text, "cis_consumer_unacked_messages", consumer=durable) == 0
    assert sample(text, "cis_dlq_messages", consumer=durable) == 1
    assert sample(text, "cis_metrics_source_up", source="nats") == 1


def test_the_scoring_worker_shows_the_model_scoring_now(
    settings: Settings, app: CustomerIntelligence, scrape: list[WSGIServer]
) -> None:
    resolved = settings.resolved()
    assert resolved is not None
    text = _serve(scrape, settings, [ScoringModel(worker_metrics.ActiveModel(resolved))])
    model, _fitted = ScoringLog(app).active_model()
    assert sample(text, "cis_scoring_model_info", version=model.version) == 1


def test_a_source_that_does_not_answer_leaves_its_figures_out_quickly(
    settings: Settings, scrape: list[WSGIServer]
) -> None:
    nowhere = f"postgresql://cis@127.0.0.1:{free_port()}/cis"
    started = time.monotonic()
    text = _serve(scrape, settings, [RelayLag(nowhere),
                                     ConsumerFigures(f"nats://127.0.0.1:{free_port()}", "x")])
    assert time.monotonic() - started < 10  # bounded: never a hanging scrape
    assert sample(text, "cis_metrics_source_up", source="relay") == 0
    assert sample(text, "cis_metrics_source_up", source="nats") == 0
    assert "# TYPE cis_relay_lag_events gauge" in text  # declared, without a made-up value
    assert sample(text, "cis_relay_lag_events") is None


def test_without_a_metrics_port_a_worker_serves_none(settings: Settings) -> None:
    resolved = settings.resolved()
    assert resolved is not None and resolved.metrics_port is None
    assert worker_metrics.relay(resolved) is None


def test_a_projector_process_answers_on_its_metrics_port(settings: Settings,
                                                        tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, **settings.as_env(), "CIS_METRICS_PORT": str(port)}
    # Its log to a file: a pipe nobody reads fills up, and every log line then blocks.
    log = (tmp_path / "projector.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "project", "run",
                                "journeys"], env=env, stdout=subprocess.DEVNULL,
                               stderr=log)
    try:
        text = _wait_scrape(port, process, tmp_path / "projector.log")
        assert sample(text, "cis_read_model_lag_events", read_model="journeys") is not None
        assert sample(text, "cis_read_model_lag_events", read_model="customers") is None
        assert "# TYPE customer_journey_stage_transitions_total counter" in text
        assert sample(text, "process_cpu_seconds_total") is not None
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _wait_scrape(port: int, process: subprocess.Popen[bytes], log: Path,
                 timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the projector exited: {log.read_text()[-2000:]}")
        try:
            return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("no /metrics on the projector's port")


def test_a_bad_metrics_port_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValueError, match="CIS_METRICS_PORT"):
        Settings.from_env({"CIS_DATA_DIR": "/tmp/cis-metrics-port", "CIS_JWT_SECRET": "x",  # noqa: S108
                           "CIS_MASTER_KEY": "a" * 64, "CIS_AUDIT_SIGNING_KEY": "x",
                           "CIS_BLIND_INDEX_KEY": "b" * 64, "CIS_METRICS_PORT": "99999"})
