"""The Postgres event store through the eventsourcing library, as we configure it."""

from __future__ import annotations

from uuid import uuid4

from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import get_topic

from application.services import CustomerIntelligence
from domain.customer import Customer
from domain.customer_facts import Channel, TouchpointKind
from domain.events import TouchpointRecorded
from domain.ids import CustomerID
from domain.values import PersonName
from tests.factories import META, registration


def test_a_registered_customer_reads_back_equal_from_postgres(app: CustomerIntelligence) -> None:
    written = app.register_customer(**registration())

    customer = app.get_customer(written.id)

    assert customer.name.shown() == "Anna Muster"
    assert customer.email.shown() == "anna.muster@example.ch"
    assert customer.version == written.version == 1
    assert written.position == app.recorder.max_notification_id()


def test_one_save_larger_than_a_megabyte_completes(app: CustomerIntelligence) -> None:
    # Over a unix socket psycopg's pipeline hangs past ~1 MB of parameters; we talk
    # TCP to the embedded server, so 4,000 events in one save() must go through.
    before = app.recorder.max_notification_id() or 0
    customers = [
        Customer.register(customer_id=CustomerID(uuid4()),
                          **registration(name=PersonName.parse(f"Kunde {i:05d} " + "x" * 150)))
        for i in range(4000)
    ]

    recordings = app.save(*customers)

    assert len(recordings) == 4000
    assert app.recorder.max_notification_id() == before + 4000


def test_log_pages_read_exactly_what_the_library_reads(app: CustomerIntelligence) -> None:
    for _ in range(3):
        written = app.register_customer(**registration())
        app.record_touchpoint(written.id, kind=TouchpointKind.CALL, channel=Channel.PHONE,
                              note=None, meta=META)
    library = PostgresApplicationRecorder(app.recorder.datastore,
                                          events_table_name=app.recorder.events_table_name)
    head = app.recorder.max_notification_id() or 0
    touchpoints = [get_topic(TouchpointRecorded)]
    for query in (
        {"start": head - 5, "limit": 4},
        {"start": head - 5, "limit": 10, "inclusive_of_start": False},
        {"start": None, "limit": 3},
        {"start": head - 5, "limit": 10, "stop": head - 2},
        {"start": head - 5, "limit": 10, "topics": touchpoints},
    ):
        ours = app.recorder.select_notifications(**query)  # type: ignore[arg-type]
        theirs = library.select_notifications(**query)  # type: ignore[arg-type]
        assert ours == theirs and ours, query
