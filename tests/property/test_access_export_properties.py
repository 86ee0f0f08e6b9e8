"""The access report holds every personal value ever given for the customer, and
nothing of anyone else: random histories driven through the application (contact and
address changes, touchpoints and test drives with notes, sales with prices), next to a
second customer with distinctive values of their own."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

import msgspec
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from application.services import CustomerIntelligence
from domain.customer_facts import Channel, TouchpointKind
from domain.meta import EventMeta
from domain.values import Canton, Email, ModelCode, Money, PersonName, Phone, PostalCode
from entrypoints.dsg_report.wiring import access_reports
from tests.factories import META, registration, soon

MODEL = ModelCode.parse("PROP-EV")
LIST_PRICE = Money.chf(60_000)
PLACES = [("8001", "ZH"), ("3011", "BE"), ("1003", "VD"), ("6900", "TI"), ("7000", "GR")]
DORA = EventMeta(actor="dora", correlation_id="dsg-property")
_numbers = itertools.count(1)


def _phone(prefix: str) -> Phone:
    """A phone number no other customer of this run has."""
    k = next(_numbers)
    return Phone.parse(f"{prefix} {k // 10_000 % 900 + 100} {k // 100 % 100:02d} {k % 100:02d}")

# Notes as staff type them: words, punctuation, markup, line breaks (stored trimmed).
notes = st.text(alphabet=st.sampled_from("abcXYZ äöüéè 0189.,;:!?<>&\"'/\n\t-"),
                min_size=1, max_size=60).map(str.strip).filter(bool)
rappen = st.integers(min_value=0, max_value=LIST_PRICE.rappen)
commands = st.one_of(
    st.tuples(st.just("contact"), st.booleans()),
    st.tuples(st.just("address"), st.sampled_from(PLACES), st.booleans()),
    st.tuples(st.just("touchpoint"), st.sampled_from(list(TouchpointKind)),
              st.sampled_from(list(Channel)), st.none() | notes),
    st.tuples(st.just("test_drive"), st.integers(1, 5), st.none() | notes),
    st.tuples(st.just("sale"), rappen, rappen, st.none() | rappen),
)


@dataclass
class Given:
    """Every personal value (and price) given for one customer."""

    customer: uuid.UUID
    token: str
    values: set[str] = field(default_factory=set)
    amounts: set[int] = field(default_factory=set)
    records: set[str] = field(default_factory=set)  # ids of its sales and test drives


def _register(app: CustomerIntelligence, token: str) -> Given:
    name, email = f"Anna {token}", f"anna.{token}@example.ch"
    phone = _phone("044")
    customer = app.register_customer(**registration(
        name=PersonName.parse(name), email=Email.parse(email), phone=phone,
        street=f"Registerweg {token}")).id
    return Given(customer, token, {name, email, str(phone), f"Registerweg {token}"})


def _apply(app: CustomerIntelligence, given: Given, n: int, command: tuple[Any, ...]) -> None:
    c, token = given.customer, given.token
    match command:
        case ("contact", with_phone):
            email = Email.parse(f"c{n}.{token}@example.ch")
            phone = _phone("079") if with_phone else None
            app.change_contact(c, email=email, phone=phone, meta=META)
            given.values |= {str(email)} | ({str(phone)} if phone else set())
        case ("address", (plz, canton), with_street):
            street = f"Weg {n} {token}" if with_street else None
            app.change_address(c, street=street, postal_code=PostalCode.parse(plz),
                               canton=Canton.parse(canton), meta=META)
            given.values |= {street} if street else set()
        case ("touchpoint", kind, channel, note):
            note = None if note is None else f"{note} {token}"
            app.record_touchpoint(c, kind=kind, channel=channel, note=note, meta=META)
            given.values |= {note} if note else set()
        case ("test_drive", rating, note):
            note = None if note is None else f"{token} {note}"
            drive = app.book_test_drive(c, model=MODEL, scheduled_at=soon(), meta=META).id
            app.complete_test_drive(c, drive, rating=rating, notes=note, meta=META)
            given.records.add(str(drive))
            given.values |= {note} if note else set()
        case ("sale", price, discount, final):
            sale = app.open_sale(customer_id=c, model=MODEL, meta=META).id
            app.quote_sale(sale, price=Money(price), discount=Money(discount),
                           incentives=None, meta=META)
            given.amounts |= {price, discount}
            given.records.add(str(sale))
            if final is not None:
                app.sign_contract(sale, final_price=Money(final), meta=META)
                given.amounts.add(final)


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value))
    return set()


def _ints(value: Any) -> set[int]:
    if isinstance(value, bool):
        return set()
    if isinstance(value, int):
        return {value}
    if isinstance(value, dict | list):
        items = value.values() if isinstance(value, dict) else value
        return set().union(*(_ints(v) for v in items))
    return set()


def test_the_report_holds_everything_given_and_nothing_of_others(
        settings: Any, app: CustomerIntelligence) -> None:
    app.put_model(code=MODEL, name="Property EV", list_price=LIST_PRICE, meta=META)
    reports = access_reports(settings, settings.database_url, app)

    @given(st.lists(commands, max_size=12), st.lists(commands, max_size=4))
    @examples(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    def holds_everything(ours: list[tuple[Any, ...]], theirs: list[tuple[Any, ...]]) -> None:
        mine = _register(app, uuid.uuid4().hex[:12])
        other = _register(app, uuid.uuid4().hex[:12])
        for n, (a, b) in enumerate(zip(ours, theirs + [None] * len(ours))):
            _apply(app, mine, n, a)
            if b is not None:
                _apply(app, other, n, b)

        body = msgspec.json.encode(reports.export(mine.customer, reason="p", meta=DORA))
        doc = msgspec.json.decode(body)

        assert mine.values <= _strings(doc), mine.values - _strings(doc)
        assert mine.amounts <= _ints(doc)
        assert {r["id"] for r in doc["sales"] + doc["test_drives"]} == mine.records
        assert other.token.encode() not in body
        assert str(other.customer).encode() not in body
        assert [v for v in other.values if v.encode() in body] == []

    holds_everything()
