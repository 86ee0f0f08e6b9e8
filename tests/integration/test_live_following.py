"""Following the log live: one read of the log shared by a process's read models, and
bursts of events committed together, each read model at the right rows and positions."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from adapters.settings import Settings
from application.services import CustomerIntelligence
from domain.customer_facts import Channel, TouchpointKind
from entrypoints.bootstrap import build_application
from entrypoints.workers.projector import project
from projections.following import Behind, LogFeed
from projections.registry import READ_MODELS
from projections.runner import POSITIONS_CHANNEL
from tests.databases import own_store
from tests.factories import META, registration
from tests.readmodels import tracked_position, wait_for


@pytest.fixture
def own(settings: Settings) -> Settings:
    return own_store(settings)


@pytest.fixture
def own_app(own: Settings) -> Iterator[CustomerIntelligence]:
    app = build_application(own, pool_size=6)  # type: ignore[arg-type]
    yield app
    app.close()


def _touch(app: CustomerIntelligence, customer: object) -> int:
    return app.record_touchpoint(customer, kind=TouchpointKind.CALL,  # type: ignore[arg-type]
                                 channel=Channel.PHONE, note=None, meta=META).position


def _ids(follower: object, count: int) -> list[int]:
    ids: list[int] = []
    deadline = time.monotonic() + 15
    while len(ids) < count and time.monotonic() < deadline:
        ids.extend(n.id for n in follower.gather(1000))  # type: ignore[attr-defined]
    return ids


def test_followers_at_different_positions_each_get_every_later_event_once_in_order(
        own_app: CustomerIntelligence) -> None:
    customer = own_app.register_customer(**registration())
    written = [customer.position, *(_touch(own_app, customer.id) for _ in range(5))]
    feed = LogFeed(own_app.recorder)

    with feed.follow(0, limit=1000) as first:
        assert _ids(first, 6) == written
        with feed.follow(written[2], limit=1000) as second:  # joins behind the feed
            assert _ids(second, 3) == written[3:]
            later = [_touch(own_app, customer.id) for _ in range(4)]
            assert _ids(first, 4) == later
            assert _ids(second, 4) == later
        assert first.gather(1000, wait=0.3) == []  # nothing else, nothing twice


def test_a_follower_that_reads_nothing_is_told_to_catch_up_instead(
        own_app: CustomerIntelligence) -> None:
    customer = own_app.register_customer(**registration())
    for _ in range(9):
        _touch(own_app, customer.id)
    feed = LogFeed(own_app.recorder)

    with feed.follow(0, limit=5) as behind, pytest.raises(Behind):
        behind.gather(1000, wait=10)


def test_a_burst_from_many_writers_lands_in_every_read_model_of_one_process(
        own: Settings, own_app: CustomerIntelligence) -> None:
    assert own.database_url
    customers = [own_app.register_customer(**registration()).id for _ in range(8)]
    stopping = threading.Event()
    notified: list[str] = []
    projector = threading.Thread(target=project, args=(own, READ_MODELS, stopping))
    with psycopg.connect(own.database_url, autocommit=True) as listener:
        listener.execute(f"LISTEN {POSITIONS_CHANNEL}")
        projector.start()
        try:
            wait_for(lambda: all(tracked_position(own.database_url, m.name) > 0  # type: ignore[arg-type]
                                 for m in READ_MODELS), timeout=30)
            with ThreadPoolExecutor(8) as writers:  # a burst while they follow
                list(writers.map(lambda c: [_touch(own_app, c) for _ in range(20)], customers))
            head = own_app.recorder.max_notification_id() or 0
            wait_for(lambda: all(tracked_position(own.database_url, m.name) == head  # type: ignore[arg-type]
                                 for m in READ_MODELS), timeout=60)
            notified += [n.payload for n in listener.notifies(timeout=0.5)]
        finally:
            stopping.set()
            projector.join(timeout=30)

    with psycopg.connect(own.database_url) as conn:
        versions = conn.execute("SELECT sum(version) FROM rm_customers.customers").fetchone()
        steps = conn.execute("SELECT count(*) FROM rm_journeys.timeline").fetchone()
    assert versions == (8 + 160,)  # every registration and touchpoint, none twice
    assert steps == (8 + 160,)
    for model in READ_MODELS:  # NOTIFYed after each commit, in order, up to the head
        positions = [int(p.rpartition(":")[2]) for p in notified
                     if p.startswith(f"{model.name}:")]
        assert positions == sorted(positions) and positions[-1] == head
