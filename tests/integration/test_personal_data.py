"""Crypto-shredding on the real event store: sealed at rest, redacted after erasure."""

from __future__ import annotations

import json
import time
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent

from adapters.settings import Settings
from application.services import CustomerIntelligence
from domain.customer_facts import Channel, TouchpointKind
from domain.personal import Personal
from domain.values import CompanyName, CompanyUID, ModelCode, Money, PersonName, Phone
from entrypoints.bootstrap import build_application
from tests.factories import META, registration, soon
from tests.legacy import company_name_in_clear, registered_v2

SECRETS = [b"Anna Muster", b"anna.muster@example.ch", b"+41446681800", b"Bahnhofstrasse 7",
           b"wants a tow bar", b"loved the silence", b"Musterbrand Elektro"]
# A sole proprietorship: its name holds the owner's surname (OR Art. 945).
COMPANY = {"company_name": "Musterbrand Elektro", "company_uid": CompanyUID.parse("CHE-109.322.551")}


def _register_with_everything_personal(app: CustomerIntelligence) -> tuple[object, object]:
    written = app.register_customer(**registration(
        phone=Phone.parse("044 668 18 00"), street="Bahnhofstrasse 7", **COMPANY))
    app.record_touchpoint(written.id, kind=TouchpointKind.CALL, channel=Channel.PHONE,
                          note="wants a tow bar", meta=META)
    model = ModelCode.parse("EV-SEALED")
    app.put_model(code=model, name="Sealed EV", list_price=Money.chf(40_000), meta=META)
    drive = app.book_test_drive(written.id, model=model, scheduled_at=soon(), meta=META).id
    app.complete_test_drive(written.id, drive, rating=5, notes="loved the silence", meta=META)
    return written.id, drive


def _raw_states(settings: Settings, customer_id: object) -> list[bytes]:
    assert settings.database_url
    with psycopg.connect(settings.database_url) as conn:
        rows = conn.execute("SELECT state FROM cis_events WHERE originator_id = %s "
                            "ORDER BY originator_version",
                            (customer_id,)).fetchall()
    return [bytes(row[0]) for row in rows]


def test_no_personal_value_is_stored_in_clear(app: CustomerIntelligence, settings: Settings) -> None:
    customer_id, _ = _register_with_everything_personal(app)

    states = _raw_states(settings, customer_id)

    assert len(states) == 4
    for state in states:
        for secret in SECRETS:
            assert secret not in state
    assert b'"ZH"' in states[0]  # the canton stays in clear for statistics


def test_after_erasure_events_load_redacted_with_facts_intact(
    app: CustomerIntelligence, settings: Settings
) -> None:
    customer_id, drive = _register_with_everything_personal(app)

    app.erase_customer(customer_id, meta=META)

    # A fresh application (a new process, cold caches) replays the whole history.
    with_cold_caches = build_application(settings, pool_size=1)
    try:
        customer = with_cold_caches.get_customer(customer_id)
        events = list(with_cold_caches.events.get(customer_id))
    finally:
        with_cold_caches.close()
    assert customer.erased and customer.name.redacted and customer.email.redacted
    assert customer.phone is None and customer.street is None
    assert customer.company is not None and customer.company.name.redacted
    assert str(customer.company.uid) == "CHE-109.322.551"
    assert (str(customer.canton), str(customer.postal_code)) == ("ZH", "8001")
    assert customer.test_drives[drive].rating == 5
    registered = events[0]
    assert registered.name.redacted and registered.phone.redacted  # type: ignore[attr-defined]
    assert registered.street.shown() == "[redacted]"  # type: ignore[attr-defined]
    assert registered.company.name.shown() == "[redacted]"  # type: ignore[attr-defined]
    assert [type(e).__name__ for e in events][-1] == "PersonalDataErased"


def test_erasure_stops_the_key_in_another_process_at_once(
    app: CustomerIntelligence, settings: Settings
) -> None:
    customer_id, _ = _register_with_everything_personal(app)
    other = build_application(settings, pool_size=1)
    try:
        assert other.get_customer(customer_id).name.shown() == "Anna Muster"  # key now cached

        app.erase_customer(customer_id, meta=META)
        started = time.monotonic()
        while other.events.get(customer_id).__next__().name.shown() != "[redacted]":  # type: ignore[attr-defined]
            assert time.monotonic() - started < 5, "the other process kept using the erased key"
            time.sleep(0.005)
    finally:
        other.close()


def test_erasure_can_be_repeated_without_a_second_event(app: CustomerIntelligence) -> None:
    written = app.register_customer(**registration())
    first = app.erase_customer(written.id, meta=META)
    again = app.erase_customer(written.id, meta=META)
    assert first.version == again.version == 2


def test_a_version_1_registration_still_loads(app: CustomerIntelligence) -> None:
    # As the walking skeleton stored it: name and e-mail in clear, no kind/salesperson.
    customer_id = uuid4()
    state = (
        b'{"name":{"_type_":"person_name","_data_":"Old Timer"},'
        b'"email":{"_type_":"email","_data_":"old@example.ch"},'
        b'"postal_code":{"_type_":"plz","_data_":"3011"},'
        b'"canton":{"_type_":"canton","_data_":"BE"},"language":"de",'
        b'"meta":{"_type_":"meta","_data_":{"actor":"sara","correlation_id":"r1"}},'
        b'"timestamp":{"_type_":"datetime_iso","_data_":"2026-11-01T10:00:00+00:00"},'
        b'"originator_topic":"domain.customer:Customer"}'
    )
    app.recorder.insert_events([StoredEvent(customer_id, 1, "domain.customer:Customer.Registered",
                                            state)])

    customer = app.get_customer(customer_id)

    assert customer.name.value == PersonName.parse("Old Timer")
    assert customer.salesperson == "sara" and str(customer.canton) == "BE"


def test_a_version_2_registration_with_the_company_name_in_clear_still_loads(
    app: CustomerIntelligence
) -> None:
    like = app.register_customer(**registration(**COMPANY)).id
    customer_id = uuid4()
    app.recorder.insert_events([registered_v2(app, like, customer_id, "Altbestand Elektro")])

    customer = app.get_customer(customer_id)

    assert customer.company is not None
    assert customer.company.name == Personal(customer_id, CompanyName("Altbestand Elektro"))
    assert customer.name.value == PersonName.parse("Anna Muster")
    app.erase_customer(customer_id, meta=META)
    erased = app.get_customer(customer_id)
    assert erased.company is not None and erased.company.name.redacted


def test_a_snapshot_taken_with_the_company_name_in_clear_still_loads(
    app: CustomerIntelligence, settings: Settings
) -> None:
    customer_id = app.register_customer(**registration(**COMPANY)).id
    app.take_snapshot(customer_id)
    assert settings.database_url
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        (raw,) = conn.execute("SELECT state FROM cis_snapshots WHERE originator_id = %s",
                              (customer_id,)).fetchone() or (None,)
        snapshot = json.loads(bytes(raw))
        state = snapshot["state"]  # the aggregate's
        assert state.pop("class_version") == 2  # as stored before: version 1, not written
        # Another name than the event's, to tell that the snapshot was read.
        company_name_in_clear(state, "Schnappschuss Elektro")
        conn.execute("UPDATE cis_snapshots SET state = %s WHERE originator_id = %s",
                     (json.dumps(snapshot).encode(), customer_id))

    with_cold_caches = build_application(settings, pool_size=1)
    try:
        customer = with_cold_caches.get_customer(customer_id)
    finally:
        with_cold_caches.close()

    assert customer.company is not None
    assert customer.company.name == Personal(customer_id, CompanyName("Schnappschuss Elektro"))


def test_read_models_without_personal_data_read_the_log_without_opening_it(
    app: CustomerIntelligence
) -> None:
    customer, _ = _register_with_everything_personal(app)
    stored = app.recorder.select_events(customer)  # type: ignore[arg-type]
    opened = [app.mapper.to_domain_event(s) for s in stored]
    sealed = [app.mapper_leaving_personal_data_sealed.to_domain_event(s) for s in stored]
    assert opened[0].name.value == PersonName.parse("Anna Muster")  # type: ignore[attr-defined]
    assert sealed[0].name == Personal(customer, None)  # type: ignore[attr-defined]
    assert sealed[1].note == Personal(customer, None)  # type: ignore[attr-defined]
    # Everything that is not personal reads the same either way.
    assert [type(e) for e in sealed] == [type(e) for e in opened]
    assert sealed[0].canton == opened[0].canton  # type: ignore[attr-defined]
    assert sealed[3].rating == opened[3].rating == 5  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="cannot write"):
        app.mapper_leaving_personal_data_sealed.to_stored_event(opened[0])
