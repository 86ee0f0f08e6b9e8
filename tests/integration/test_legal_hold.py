"""Erasure under the books' legal hold (OR Art. 958f), and retention ending it.

On the real stack: the session's Postgres, Redis and projectors. The policy's clock is
moved by injecting `today`, never by sleeping.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent

from adapters.settings import Settings
from application.audit import HistoryFilter
from application.retention import RETENTION_ACTOR
from application.services import CustomerIntelligence
from domain.customer import hold_subject_of
from domain.errors import CustomerErased, InvalidTransition
from domain.meta import EventMeta
from domain.personal import REDACTED, Personal
from domain.retention import Action, hold_ends
from domain.values import CompanyName, CompanyUID, Email, ModelCode, Money, PersonName, Phone
from entrypoints.dsg_wiring import DsgServices, build_dsg, retention_policy
from tests.factories import META, registration
from tests.legacy import registered_v2
from tests.readmodels import caught_up

DPO = EventMeta(actor="dora", correlation_id="dsg-test")
NAME, STREET, EMAIL, NOTE = "Hanna Halter", "Haltegasse 7", "hanna@example.ch", "wants a tow bar"
# A sole proprietorship, named after its owner (OR Art. 945): a held field, like the name.
COMPANY, UID = "Halter Sanitär", CompanyUID.parse("CHE-109.322.551")


class Clock:
    def __init__(self) -> None:
        self.today = datetime.now(UTC).date()

    def __call__(self) -> date:
        return self.today


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def dsg(settings: Settings, app: CustomerIntelligence, projectors: None,
        clock: Clock) -> Iterator[DsgServices]:
    services = build_dsg(settings, app, today=clock)
    yield services
    services.close()


def _buyer(app: CustomerIntelligence, *, contract: bool = True) -> UUID:
    """A customer with contact data, a note, a consent, a score and (maybe) a contract."""
    code = ModelCode.parse(f"EV-H{uuid4().hex[:6].upper()}")
    app.put_model(code=code, name="Hold EV", list_price=Money.chf(50_000), meta=META)
    customer = app.register_customer(**registration(
        name=PersonName.parse(NAME), email=Email.parse(EMAIL), street=STREET,
        phone=Phone.parse("+41 79 123 45 67"), company_name=COMPANY, company_uid=UID)).id
    app.record_touchpoint(customer, kind="call", channel="phone", note=NOTE, meta=META)
    app.grant_consent(customer, purpose="marketing", meta=META)
    sale = app.open_sale(customer_id=customer, model=code, meta=META)
    app.quote_sale(sale.id, price=Money.chf(48_000), discount=Money.zero(),
                   incentives=Money.zero(), meta=META)
    if contract:
        app.sign_contract(sale.id, final_price=Money.chf(47_000), meta=META)
    return customer


def _score(settings: Settings, customer: UUID) -> None:
    assert settings.database_url
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute("INSERT INTO read.lead_scores (customer_id, score, probability, "
                     "contributions, position) VALUES (%s, 90, 0.9, '{}', 1) "
                     "ON CONFLICT DO NOTHING", (customer,))


def _rows(settings: Settings, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    assert settings.database_url
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def test_an_erased_buyer_keeps_exactly_the_held_fields_until_retention_ends_the_hold(
        settings: Settings, app: CustomerIntelligence, dsg: DsgServices, clock: Clock) -> None:
    customer = _buyer(app)
    _score(settings, customer)

    report = dsg.erasures.erase(customer, meta=DPO, reason="art. 32 request of 2026-12-01")

    # The answer: key destroyed, held fields with their end and basis, the score deleted.
    held_until = hold_ends(datetime.now(UTC), retention_policy(settings))
    assert report.data_key == "destroyed" and not report.already_erased
    assert report.hold is not None
    assert (report.hold.held_until, report.hold.legal_basis) == (held_until, "OR Art. 958f")
    assert {"name", "street", "company_name"} <= set(report.hold.fields)
    assert report.consumers[0].rows_deleted == 1
    assert _rows(settings, "SELECT 1 FROM read.lead_scores WHERE customer_id = %s",
                 customer) == []
    # The aggregate: name and street readable (under the hold key), the rest redacted.
    erased = app.get_customer(customer)
    assert (str(erased.name.value), erased.street.value if erased.street else None) == (
        NAME, STREET)
    assert erased.name.subject == hold_subject_of(customer) != customer
    assert erased.company is not None
    assert erased.company.name == Personal(hold_subject_of(customer), CompanyName(COMPANY))
    assert erased.email.value is None and erased.phone is None
    with pytest.raises(CustomerErased):
        app.record_touchpoint(customer, kind="call", channel="phone", note=None, meta=META)
    # The audit state shows the held fields to the dpo, the note of the touchpoint is gone.
    state = app.state_at_version("customers", customer, erased.version, reveal=True).state
    assert (state["name"], state["street"], state["email"]) == (NAME, STREET, REDACTED)
    assert state["company"] == {"name": COMPANY, "uid": str(UID), "contact": None}
    touchpoint = app.history("customers", customer, reveal=True, where=HistoryFilter(
        types=frozenset({"TouchpointRecorded"}))).items[0]
    assert touchpoint.data["note"] == REDACTED
    # The audit trail says what is held, why and until when, to every audit role.
    erasure = app.history("customers", customer, reveal=False, where=HistoryFilter(
        types=frozenset({"PersonalDataErased"}))).items[0]
    assert {k: erasure.data[k] for k in ("held_name", "held_street", "held_company_name",
                                         "held_until", "hold_basis")} == {
        "held_name": "[masked]", "held_street": "[masked]", "held_company_name": "[masked]",
        "held_until": held_until.isoformat(), "hold_basis": "OR Art. 958f"}
    # Retention lists nothing for it before the hold ends, then ends it. It decides on
    # the journeys read model, which must have seen the erasure (under a full test run
    # the session's projectors lag the log by more than this test takes).
    caught_up(settings, app, "journeys")
    assert customer not in {d.customer_id for d in dsg.retention.due()}
    clock.today = held_until + timedelta(days=1)
    due = [d for d in dsg.retention.due() if d.customer_id == customer]
    assert [d.action for d in due] == [Action.END_HOLD]
    assert dsg.retention.apply(due[0], correlation_id="retention-test").done

    ended = app.get_customer(customer)
    assert ended.name.value is None and ended.street is None and ended.held_until is None
    state = app.state_at_version("customers", customer, ended.version, reveal=True).state
    assert (state["name"], state["street"]) == (REDACTED, None)
    assert ended.company is not None and ended.company.name.value is None
    assert state["company"]["name"] == REDACTED and state["company"]["uid"] == str(UID)
    assert _rows(settings, "SELECT wrapped FROM cis_data_keys WHERE subject = %s",
                 hold_subject_of(customer)) == [(None,)]
    assert _rows(settings, "SELECT ended_at IS NOT NULL FROM cis_legal_holds "
                 "WHERE customer_id = %s", customer) == [(True,)]
    accesses = app.accesses(customer)[0]
    assert [(a.actor, a.action) for a in accesses][-2:] == [
        ("dora", "erasure"), (RETENTION_ACTOR, "hold_ended")]
    assert "OR Art. 958f" in (accesses[-1].reason or "")


def test_a_hold_cannot_end_before_its_last_day(
        settings: Settings, app: CustomerIntelligence, dsg: DsgServices) -> None:
    customer = _buyer(app)
    dsg.erasures.erase(customer, meta=DPO, reason="request")
    held_until = app.get_customer(customer).held_until
    assert held_until is not None
    with pytest.raises(InvalidTransition):
        app.end_legal_hold(customer, today=held_until, meta=DPO, reason="too early")
    assert str(app.get_customer(customer).name.value) == NAME


def test_a_lead_without_contract_is_erased_entirely_and_a_repeat_answers_the_same(
        settings: Settings, app: CustomerIntelligence, dsg: DsgServices) -> None:
    customer = _buyer(app, contract=False)
    first = dsg.erasures.erase(customer, meta=DPO, reason="request")
    version = app.get_customer(customer).version

    again = dsg.erasures.erase(customer, meta=DPO, reason="request again")

    assert first.hold is None and app.get_customer(customer).name.value is None
    assert again.already_erased and not first.already_erased
    assert (again.position, again.data_key, again.hold, again.consumers) == (
        first.position, first.data_key, first.hold, first.consumers)
    assert app.get_customer(customer).version == version  # nothing new written
    assert [a.action for a in app.accesses(customer)[0]] == ["erasure"]


def test_retention_erases_a_lead_quiet_for_24_months_and_a_dry_run_only_lists_it(
        settings: Settings, app: CustomerIntelligence, dsg: DsgServices, clock: Clock) -> None:
    lead = app.register_customer(**registration()).id
    caught_up(settings, app, "journeys")
    clock.today = datetime.now(UTC).date() + timedelta(days=2 * 366)

    due = [d for d in dsg.retention.due() if d.customer_id == lead]

    assert [(d.action, d.purpose.value) for d in due] == [(Action.ERASE, "prospecting")]
    assert not app.get_customer(lead).erased  # listing erased nothing
    outcome = dsg.retention.apply(due[0], correlation_id="retention-test")
    assert outcome.done and app.get_customer(lead).erased
    access = app.accesses(lead)[0][-1]
    assert (access.actor, access.role, access.action) == (RETENTION_ACTOR, RETENTION_ACTOR,
                                                          "erasure")
    assert "prospecting" in (access.reason or "")


def test_an_erasure_stored_before_the_legal_hold_existed_still_loads(
        app: CustomerIntelligence) -> None:
    # A version-1 PersonalDataErased, as stored before this change: no hold fields.
    customer = app.register_customer(**registration()).id
    state = (b'{"meta":{"_type_":"meta","_data_":{"actor":"dora","correlation_id":"r1"}},'
             b'"timestamp":{"_type_":"datetime_iso","_data_":"2026-11-01T10:00:00+00:00"}}')
    app.recorder.insert_events([StoredEvent(customer, 2,
                                            "domain.customer:Customer.PersonalDataErased",
                                            state)])

    erased = app.get_customer(customer)

    assert erased.erased and not erased.held and erased.hold_subject is None
    assert erased.name.value is None and erased.held_until is None


def test_the_access_report_of_a_buyer_erased_under_hold_shows_the_held_fields_only(
        settings: Settings, app: CustomerIntelligence, dsg: DsgServices) -> None:
    from entrypoints.dsg_report.wiring import access_reports

    customer = _buyer(app)
    erased = dsg.erasures.erase(customer, meta=DPO, reason="request 7")
    assert erased.hold is not None
    assert settings.database_url is not None

    report = access_reports(settings, settings.database_url, app).export(
        customer, reason="request 7", meta=DPO)

    assert (report.profile.name, report.profile.street) == (NAME, STREET)
    assert report.profile.company_name == COMPANY
    assert report.profile.email == REDACTED and report.profile.phone in (None, REDACTED)
    assert all(t.note in (None, REDACTED) for t in report.touchpoints)
    assert report.retention.held_until == erased.hold.held_until
    assert set(report.retention.held_fields) >= {"name", "street", "company_name"}


def test_retention_erases_a_quiet_buyer_keeping_the_books_fields_until_their_end(
        settings: Settings, app: CustomerIntelligence, dsg: DsgServices, clock: Clock) -> None:
    """The daily run's path for a buyer: 36 months quiet, everything but the held fields
    goes; they stay until the contract's business year ends plus 10 years."""
    customer = _buyer(app)
    signed = app.get_customer(customer).modified_on
    for model in ("journeys", "dashboards"):
        caught_up(settings, app, model)
    clock.today = (signed + timedelta(days=37 * 31)).date()

    due = [d for d in dsg.retention.due() if d.customer_id == customer]

    held_until = hold_ends(signed, retention_policy(settings))
    assert [(d.action, d.purpose.value, d.held_until) for d in due] == [
        (Action.ERASE_KEEPING_HELD, "customer_care", held_until)]
    assert dsg.retention.apply(due[0], correlation_id="retention-test").done
    erased = app.get_customer(customer)
    assert (str(erased.name.value), erased.street.value if erased.street else None) == (
        NAME, STREET)
    assert erased.email.value is None and erased.held_until == held_until
    access = app.accesses(customer)[0][-1]
    assert (access.actor, access.action) == (RETENTION_ACTOR, "erasure")
    assert f"held until {held_until.isoformat()}" in (access.reason or "")

    caught_up(settings, app, "journeys")
    clock.today = held_until
    assert customer not in {d.customer_id for d in dsg.retention.due()}
    clock.today = held_until + timedelta(days=1)
    ending = [d for d in dsg.retention.due() if d.customer_id == customer]
    assert [d.action for d in ending] == [Action.END_HOLD]
    assert dsg.retention.apply(ending[0], correlation_id="retention-test").done
    assert app.get_customer(customer).name.value is None


def test_an_erasure_under_hold_stored_before_the_company_name_was_held_keeps_it(
        app: CustomerIntelligence) -> None:
    # `Registered` v2 (the company name in clear) and a version-2 erasure under hold
    # (name and street held, no company name: it was not personal then).
    like = app.register_customer(**registration(company_name=COMPANY, company_uid=UID)).id
    customer = uuid4()
    app.recorder.insert_events([registered_v2(app, like, customer, "Altbestand Sanitär")])
    hold = hold_subject_of(customer)
    state = json.loads(app.mapper.transcoder.encode({
        "meta": DPO, "timestamp": datetime(2026, 11, 1, 10, tzinfo=UTC), "hold_subject": hold,
        "held_name": Personal(hold, PersonName.parse(NAME)), "held_street": None,
        "held_until": "2036-12-31", "hold_basis": "OR Art. 958f", "class_version": 2}))
    app.recorder.insert_events([StoredEvent(customer, 2,
                                            "domain.customer:Customer.PersonalDataErased",
                                            json.dumps(state).encode())])

    erased = app.get_customer(customer)

    assert erased.held and erased.name.value == PersonName.parse(NAME)
    assert erased.company is not None  # kept for the books, as that version did
    assert erased.company.name.value == CompanyName("Altbestand Sanitär")
    assert erased.email.value is None
