"""The signed export on a real event store: sealed personal fields, filters, erasure."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_of_hypothesis
from hypothesis import strategies as st

from adapters.audit.log_export import ExportQuery, export_lines, log_recorder
from adapters.audit.signed_file import split_lines, verify_lines
from adapters.settings import Settings
from application.services import CustomerIntelligence
from domain.customer import Customer
from domain.customer_facts import Channel, TouchpointKind
from domain.values import ModelCode, Money, Phone
from entrypoints.bootstrap import build_application
from entrypoints.demo import load_demo
from tests.databases import own_store
from tests.factories import META, registration

KEY = Ed25519PrivateKey.generate()
PERSONAL = [b"Anna Muster", b"anna.muster@example.ch", b"+41446681800", b"044 668 18 00",
            b"Bahnhofstrasse 7", b"wants a tow bar"]


@pytest.fixture
def store(settings: Settings) -> Iterator[tuple[Settings, CustomerIntelligence]]:
    own = own_store(settings)
    app = build_application(own, pool_size=2)  # type: ignore[arg-type]
    yield own, app
    app.close()


def _export(own: Settings, query: ExportQuery | None = None, page_size: int = 3) -> bytes:
    assert own.database_url
    recorder = log_recorder(own.database_url)
    try:
        return b"".join(export_lines(recorder, query or ExportQuery(), KEY, page_size=page_size))
    finally:
        recorder.datastore.close()


def _events(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in split_lines(data)][:-1]


def _manifest(data: bytes) -> dict[str, Any]:
    return dict(json.loads(list(split_lines(data))[-1]))


def _verifies(data: bytes) -> bool:
    verdict = verify_lines(split_lines(data), KEY.public_key())
    return verdict.valid


def _customer_with_everything_personal(app: CustomerIntelligence) -> UUID:
    customer = app.register_customer(**registration(
        phone=Phone.parse("044 668 18 00"), street="Bahnhofstrasse 7")).id
    app.record_touchpoint(customer, kind=TouchpointKind.CALL, channel=Channel.PHONE,
                          note="wants a tow bar", meta=META)
    app.put_model(code=ModelCode.parse("EV-AUDIT"), name="Audit EV",
                  list_price=Money.chf(40_000), meta=META)
    return customer


def test_an_export_holds_every_event_in_log_order_with_personal_fields_sealed(
        store: tuple[Settings, CustomerIntelligence]) -> None:
    own, app = store
    customer = _customer_with_everything_personal(app)

    data = _export(own)

    assert _verifies(data)
    for value in PERSONAL:
        assert value not in data
    events = _events(data)
    assert [(e["kind"], e["type"], e["version"]) for e in events] == [
        ("customers", "Registered", 1), ("customers", "TouchpointRecorded", 2),
        ("models", "Listed", 1)]
    registered = events[0]
    assert registered["id"] == str(customer)
    assert registered["actor"] == META.actor
    assert registered["correlation_id"] == META.correlation_id
    assert registered["class_version"] == Customer.Registered.class_version == 3
    assert events[1]["class_version"] == 1
    assert registered["topic"] == "domain.customer:Customer.Registered"
    assert datetime.fromisoformat(registered["occurred_at"]).tzinfo is not None
    assert registered["data"]["name"]["_type_"] == "sealed"
    assert set(registered["data"]["name"]["_data_"]) == {"subject", "sealed"}
    assert registered["data"]["canton"] == {"_type_": "canton", "_data_": "ZH"}
    positions = [e["position"] for e in events]
    assert positions == sorted(positions)
    manifest = _manifest(data)
    assert (manifest["count"], manifest["first_position"], manifest["last_position"]) == (
        len(events), positions[0], positions[-1])


def test_an_export_made_before_an_erasure_still_verifies_and_stays_sealed(
        store: tuple[Settings, CustomerIntelligence]) -> None:
    own, app = store
    customer = _customer_with_everything_personal(app)
    before = _export(own)

    app.erase_customer(customer, meta=META)

    assert _verifies(before)
    sealed = _events(before)[0]["data"]["email"]["_data_"]
    assert app.cipher.open(UUID(hex=sealed["subject"]),
                           base64.b64decode(sealed["sealed"])) is None  # the key is gone
    after = _export(own)
    assert _verifies(after)
    assert _events(after)[-1]["type"] == "PersonalDataErased"
    for value in PERSONAL:
        assert value not in before and value not in after


def test_filters_by_kind_id_and_time_range(store: tuple[Settings, CustomerIntelligence]) -> None:
    own, app = store
    first = _customer_with_everything_personal(app)
    second = app.register_customer(**registration()).id
    everything = _events(_export(own))
    touchpoint = next(e for e in everything if e["type"] == "TouchpointRecorded")
    at = datetime.fromisoformat(touchpoint["occurred_at"])

    customers = _export(own, ExportQuery(kind="customers"))
    one = _export(own, ExportQuery(aggregate_id=first))
    from_touchpoint = _export(own, ExportQuery(start=at, kind="customers"))
    before_touchpoint = _export(own, ExportQuery(end=at, aggregate_id=first))

    assert all(map(_verifies, (customers, one, from_touchpoint, before_touchpoint)))
    assert {e["kind"] for e in _events(customers)} == {"customers"}
    assert {e["id"] for e in _events(customers)} == {str(first), str(second)}
    assert [e["version"] for e in _events(one)] == [1, 2]
    # `from` includes an event at that very time; `to` leaves it out.
    assert [e["type"] for e in _events(from_touchpoint)] == ["TouchpointRecorded", "Registered"]
    assert [e["type"] for e in _events(before_touchpoint)] == ["Registered"]
    manifest = _manifest(from_touchpoint)
    assert manifest["from"] == at.isoformat() and manifest["to"] is None
    assert manifest["filters"] == {"kind": "customers", "id": None}
    empty = _export(own, ExportQuery(start=at + timedelta(days=1)))
    assert _verifies(empty) and _manifest(empty)["count"] == 0


@pytest.fixture(scope="module")
def demo_export(settings: Settings) -> bytes:
    """The demo data (a smaller N) on a fresh store, exported."""
    own = own_store(settings)
    app = build_application(own, pool_size=2)  # type: ignore[arg-type]
    try:
        load_demo(app, customers=20)
    finally:
        app.close()
    return _export(own, page_size=50)


def test_the_demo_data_exports_and_verifies(demo_export: bytes) -> None:
    assert _verifies(demo_export)
    assert _manifest(demo_export)["count"] == len(_events(demo_export)) > 20
    assert b"Demo Kunde" not in demo_export and b"example.ch" not in demo_export


@settings_of_hypothesis(max_examples=200, deadline=None,
                         suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_the_demo_export_with_any_one_byte_changed_does_not_verify(
        demo_export: bytes, data: st.DataObject) -> None:
    lines = demo_export.split(b"\n")[:-1]
    number = data.draw(st.integers(0, len(lines) - 1), label="line")
    start = sum(len(line) + 1 for line in lines[:number])
    offset = start + data.draw(st.integers(0, len(lines[number])), label="byte")  # or its \n
    new = data.draw(st.integers(0, 255).filter(lambda b: b != demo_export[offset]), label="to")

    changed = demo_export[:offset] + bytes([new]) + demo_export[offset + 1:]

    assert not _verifies(changed)
