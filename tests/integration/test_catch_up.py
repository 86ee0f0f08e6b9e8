"""The batch projector's two phases: catching up from pages, following the subscription.

Each test gets a database of its own and runs the projector in-process with tiny
batches, so a few dozen events cross every boundary (page, batch, phase).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from eventsourcing.persistence import MapperDeserialisationError
from eventsourcing.utils import TopicError

from adapters.settings import Settings
from application.services import CustomerIntelligence
from domain.customer import Customer
from domain.ids import CustomerID
from entrypoints.bootstrap import build_application, build_projector, create_read_model
from entrypoints.project_admin import rebuild
from projections.registry import read_model
from projections.runner import BatchProjector, PoisonEvent
from tests.databases import own_store
from tests.factories import registration
from tests.readmodels import customer_rows, wait_for, write_undecodable_event

BATCH = 5


@pytest.fixture
def own(settings: Settings) -> Iterator[tuple[Settings, CustomerIntelligence]]:
    own = own_store(settings, projector_batch=BATCH)
    app = build_application(own, pool_size=2)
    yield own, app
    app.close()


def _register(app: CustomerIntelligence, count: int) -> None:
    app.save(*(Customer.register(customer_id=CustomerID(uuid.uuid4()), **registration())
               for _ in range(count)))


def _projector(own: Settings, app: CustomerIntelligence) -> BatchProjector:
    model = read_model("customers")
    create_read_model(own, model)
    return build_projector(own, model, app)


def test_a_follower_that_falls_behind_catches_up_and_equals_a_rebuild(
    own: tuple[Settings, CustomerIntelligence]
) -> None:
    settings, app = own
    assert settings.database_url
    _register(app, 3)
    projector = _projector(settings, app)
    stopping = threading.Event()
    batches: list[int] = []
    runner = threading.Thread(target=projector.run, args=(stopping,),
                              kwargs={"on_batch": lambda _p, n: batches.append(n)})
    runner.start()
    try:
        wait_for(lambda: projector.position() == 3)
        _register(app, 1)  # live: one event, projected on its own
        wait_for(lambda: projector.position() == 4)
        _register(app, 8 * BATCH)  # a burst: more than a batch waits at once
        wait_for(lambda: projector.position() == 4 + 8 * BATCH)
    finally:
        stopping.set()
        runner.join(timeout=10)
        projector.tracking.datastore.close()
    assert not runner.is_alive()
    assert max(batches) == BATCH  # never more than a batch in one transaction
    assert 1 in batches  # the live event was not held back to fill a batch
    followed = customer_rows(settings.database_url)
    rebuild(settings, "customers")
    assert len(followed) == 4 + 8 * BATCH
    assert followed == customer_rows(settings.database_url)


@pytest.mark.parametrize("before", [3 * BATCH, 3 * BATCH + 2])
def test_an_event_that_cannot_be_decoded_stops_the_projector_at_that_event(
    own: tuple[Settings, CustomerIntelligence], before: int
) -> None:
    settings, app = own
    assert settings.database_url
    _register(app, before)  # at a batch boundary, and two events into a batch
    write_undecodable_event(settings.database_url, app)
    _register(app, BATCH)
    projector = _projector(settings, app)
    try:
        with pytest.raises(PoisonEvent, match="Teleported") as stopped:
            projector.run(threading.Event(), until=app.recorder.max_notification_id())
        # Named precisely: its position and type, and what it failed with.
        assert stopped.value.position == before + 1
        assert stopped.value.event_type == "domain.customer:Customer.Teleported"
        assert isinstance(stopped.value.__cause__, (TopicError, MapperDeserialisationError))
        # Every event before the bad one is in; nothing of it or after it.
        assert projector.position() == before
        assert len(customer_rows(settings.database_url)) == before
    finally:
        projector.tracking.datastore.close()

