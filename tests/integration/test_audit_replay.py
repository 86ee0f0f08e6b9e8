"""Audit replay on the real event store: history, state at a version or a moment,
snapshots sealed like events, and the trail of who looked."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import psycopg
import pytest

from adapters.settings import Settings
from application.audit import HistoryFilter
from application.audit_view import MASKED
from application.errors import NotFound
from application.services import SNAPSHOT_INTERVAL, CustomerIntelligence
from domain.customer_facts import Channel, TouchpointKind
from domain.errors import InvalidValue
from domain.meta import EventMeta
from domain.personal import REDACTED
from domain.values import Email, Phone
from tests.factories import META, registration

AUDITOR = EventMeta(actor="erika-auditor", correlation_id="audit-1")


def _customer_with_touchpoints(app: CustomerIntelligence, count: int) -> object:
    customer_id = app.register_customer(**registration(phone=Phone.parse("044 668 18 00"))).id
    for n in range(count):
        app.record_touchpoint(customer_id, kind=TouchpointKind.CALL, channel=Channel.PHONE,
                              note=f"call {n}", meta=META)
    return customer_id


def test_history_shows_envelope_and_masks_personal_fields(app: CustomerIntelligence) -> None:
    customer_id = _customer_with_touchpoints(app, 2)
    app.change_contact(customer_id, email=Email.parse("neu@example.ch"), phone=None,
                       meta=EventMeta(actor="otto", correlation_id="req-7"))

    shown = app.history("customers", customer_id, reveal=True)
    masked = app.history("customers", customer_id, reveal=False)

    assert [e.type for e in shown.items] == ["Registered", "TouchpointRecorded",
                                             "TouchpointRecorded", "ContactChanged"]
    assert [e.version for e in shown.items] == [1, 2, 3, 4]
    positions = [e.position for e in shown.items]
    assert positions == sorted(positions)
    first = shown.items[0]
    assert first.class_version == 3 and first.actor == META.actor
    assert first.data["name"] == "Anna Muster" and first.data["canton"] == "ZH"
    assert masked.items[0].data["name"] == MASKED and masked.items[0].data["canton"] == "ZH"
    assert masked.items[3].actor == "otto" and masked.items[3].correlation_id == "req-7"
    assert masked.items[3].data["email"] == MASKED


def test_history_filters_and_pages(app: CustomerIntelligence) -> None:
    customer_id = _customer_with_touchpoints(app, 5)
    app.assign_salesperson(customer_id, salesperson="otto",
                           meta=EventMeta(actor="boss", correlation_id="r"))

    page = app.history("customers", customer_id, reveal=False,
                       where=HistoryFilter(types=frozenset({"TouchpointRecorded"})), limit=2)
    assert [e.version for e in page.items] == [2, 3] and page.next_after_version == 3
    rest = app.history("customers", customer_id, reveal=False, after_version=3, limit=10,
                       where=HistoryFilter(types=frozenset({"TouchpointRecorded"})))
    assert [e.version for e in rest.items] == [4, 5, 6] and rest.next_after_version is None
    by_boss = app.history("customers", customer_id, reveal=False,
                          where=HistoryFilter(actor="boss"))
    assert [e.type for e in by_boss.items] == ["SalespersonAssigned"]
    third = page.items[1].occurred_at
    window = app.history("customers", customer_id, reveal=False,
                         where=HistoryFilter(occurred_from=third, occurred_to=third))
    assert [e.version for e in window.items] == [3]


def test_unknown_id_or_wrong_kind_is_not_found(app: CustomerIntelligence) -> None:
    customer_id = _customer_with_touchpoints(app, 0)
    with pytest.raises(NotFound):
        app.history("customers", uuid4(), reveal=False)
    with pytest.raises(NotFound):
        app.history("sales", customer_id, reveal=False)
    with pytest.raises(NotFound):
        app.state_at_version("customers", customer_id, 2, reveal=False)


def test_state_at_version_and_as_of(app: CustomerIntelligence) -> None:
    customer_id = _customer_with_touchpoints(app, 3)
    events = app.history("customers", customer_id, reveal=True).items

    at_two = app.state_at_version("customers", customer_id, 2, reveal=True)
    assert at_two.version == 2 and at_two.position == events[1].position
    assert at_two.state["touchpoints"] == 1 and at_two.state["name"] == "Anna Muster"
    assert app.state_at_version("customers", customer_id, 2, reveal=False).state["name"] == MASKED

    exactly = app.state_as_of("customers", customer_id, events[2].occurred_at, reveal=False)
    assert exactly.version == 3  # an event at T is included
    just_before = events[2].occurred_at - timedelta(microseconds=1)
    assert app.state_as_of("customers", customer_id, just_before, reveal=False).version == 2
    with pytest.raises(NotFound):
        app.state_as_of("customers", customer_id,
                        events[0].occurred_at - timedelta(microseconds=1), reveal=False)


def _raw_snapshots(settings: Settings, customer_id: object) -> list[bytes]:
    assert settings.database_url
    with psycopg.connect(settings.database_url) as conn:
        rows = conn.execute("SELECT state FROM cis_snapshots WHERE originator_id = %s",
                            (customer_id,)).fetchall()
    return [bytes(row[0]) for row in rows]


def test_snapshots_are_sealed_and_shredded_by_erasure(app: CustomerIntelligence,
                                                       settings: Settings) -> None:
    customer_id = _customer_with_touchpoints(app, SNAPSHOT_INTERVAL + 5)
    snapshots = _raw_snapshots(settings, customer_id)
    assert len(snapshots) == 1
    for clear in (b"Anna Muster", b"anna.muster@example.ch", b"+41446681800"):
        assert clear not in snapshots[0]
    version = SNAPSHOT_INTERVAL + 3
    before = app.state_at_version("customers", customer_id, version, reveal=True)
    assert before.state["name"] == "Anna Muster"

    app.erase_customer(customer_id, meta=META, reason="DSG request 7")

    erasures = [a for a in app.accesses(customer_id)[0] if a.action == "erasure"]
    assert [(a.actor, a.role, a.reason) for a in erasures] == [(META.actor, "dpo",
                                                                "DSG request 7")]
    after = app.state_at_version("customers", customer_id, version, reveal=True)
    assert after.state["name"] == REDACTED and after.state["email"] == REDACTED
    assert {k: v for k, v in after.state.items() if k not in ("name", "email", "phone")} == \
        {k: v for k, v in before.state.items() if k not in ("name", "email", "phone")}


def test_every_look_is_recorded_with_its_reason(app: CustomerIntelligence) -> None:
    customer_id = _customer_with_touchpoints(app, 0)
    assert app.accesses(customer_id) == ([], None)

    app.record_access(customer_id, subject_kind="customers", action="history", role="auditor",
                      reason=None, meta=AUDITOR)
    app.record_access(customer_id, subject_kind="customers", action="state", role="dpo",
                      reason="DSG request 12", meta=EventMeta("dora", "c-2"))
    with pytest.raises(InvalidValue):
        app.record_access(customer_id, subject_kind="customers", action="state", role="dpo",
                          reason=" ", meta=EventMeta("dora", "c-3"))

    found, more = app.accesses(customer_id)
    assert more is None
    assert [(a.actor, a.role, a.action, a.reason, a.correlation_id) for a in found] == [
        ("erika-auditor", "auditor", "history", None, "audit-1"),
        ("dora", "dpo", "state", "DSG request 12", "c-2")]
