"""Every domain event becomes an integration event, and none carries personal data."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import msgspec

from application.integration_events import DECODER, subject_of
from application.publishing import to_integration_event
from domain import events as e
from domain.catalogue import CantonIncentive, VehicleModel
from domain.customer import Customer
from domain.customer_facts import Budget, Channel, ConsentPurpose, TouchpointKind
from domain.ids import CustomerID, SaleID
from domain.sale import CancelReason, Sale
from domain.values import Canton, CompanyUID, Email, ModelCode, Money, PersonName, Phone
from domain.vin import VIN
from tests.factories import META, registration

PERSONAL = [b"Anna", b"Muster", b"anna.muster@example.ch", b"+41446681800", b"Hauptgasse",
            b"Sonnenweg", b"tow bar", b"smooth ride", b"WVWZZZ1KZ6W000001", b"Hans Meier"]


def _every_event() -> list[Any]:
    model = ModelCode.parse("EV-ONE")
    customer = Customer.register(
        customer_id=CustomerID(uuid4()), **registration(
            phone=Phone.parse("044 668 18 00"), street="Hauptgasse 1",
            company_name="Muster AG", company_uid=CompanyUID.parse("CHE-109.322.551"),
            company_contact=PersonName.parse("Hans Meier")))
    customer.change_contact(email=Email.parse("anna.muster@example.ch"),
                            phone=Phone.parse("044 668 18 00"), meta=META)
    customer.change_address(street="Sonnenweg 2", postal_code=customer.postal_code,
                            canton=customer.canton, meta=META)
    customer.change_preferences(language=customer.language,
                                budget=Budget(Money.chf(40_000), None), meta=META)
    customer.record_vehicle_interest(model=model, meta=META)
    customer.record_touchpoint(kind=TouchpointKind.CALL, channel=Channel.PHONE,
                               note="wants a tow bar", meta=META)
    drives = [uuid4() for _ in range(3)]
    for drive in drives:
        customer.book_test_drive(test_drive_id=drive, model=model,
                                 scheduled_at=datetime(2026, 12, 1, tzinfo=UTC),
                                 now=datetime(2026, 12, 1, tzinfo=UTC), meta=META)
    customer.complete_test_drive(test_drive_id=drives[0], rating=5, notes="smooth ride",
                                 meta=META)
    customer.cancel_test_drive(test_drive_id=drives[1], meta=META)
    customer.mark_test_drive_missed(test_drive_id=drives[2], meta=META)
    customer.grant_consent(purpose=ConsentPurpose.MARKETING, meta=META)
    customer.withdraw_consent(purpose=ConsentPurpose.MARKETING, meta=META)
    customer.assign_salesperson(salesperson="otto", meta=META)
    customer.erase_personal_data(meta=META, held_until=date(2036, 12, 31))
    customer.end_legal_hold(today=date(2037, 1, 1), meta=META)
    sale = Sale.open(sale_id=SaleID(uuid4()), customer_id=CustomerID(customer.id), model=model,
                     salesperson="otto", list_price=Money.chf(50_000), meta=META)
    sale.quote(price=Money.chf(49_000), discount=Money.chf(1_000), incentives=Money.zero(),
               meta=META)
    sale.reserve(deposit=Money.chf(1_000), meta=META)
    sale.sign_contract(final_price=Money.chf(49_000), meta=META)
    sale.deliver(vin=VIN.parse("WVWZZZ1KZ6W000001"), delivered_on=date(2027, 1, 5),
                 today=date(2027, 1, 5), meta=META)
    cancelled = Sale.open(sale_id=SaleID(uuid4()), customer_id=CustomerID(customer.id),
                          model=model, salesperson="otto", list_price=Money.chf(1), meta=META)
    cancelled.cancel(reason=CancelReason.OTHER, meta=META)
    listed = VehicleModel.list(code=model, name="EV One", list_price=Money.chf(50_000), meta=META)
    listed.change(name="EV One+", list_price=Money.chf(51_000), meta=META)
    listed.withdraw(meta=META)
    incentive = CantonIncentive.declare(canton=Canton.parse("ZH"), amount=Money.zero(),
                                        description="none", meta=META)
    incentive.change(amount=Money.chf(1), description="some", meta=META)
    incentive.end(meta=META)
    return [ev for agg in (customer, sale, cancelled, listed, incentive)
            for ev in agg.collect_events()]


def test_every_domain_event_class_is_published_and_reads_back() -> None:
    events = _every_event()
    assert {type(ev) for ev in events} == {getattr(e, name) for name in e.__all__
                                          if not name.isupper()}  # the classes, not groups
    for position, event in enumerate(events, start=1):
        public = to_integration_event(event, position)
        assert public is not None, type(event).__qualname__
        assert DECODER.decode(msgspec.json.encode(public)) == public
        assert subject_of(public).startswith("cis.events.")


def test_no_integration_event_carries_personal_data() -> None:
    encoded = b"".join(msgspec.json.encode(to_integration_event(ev, 1)) for ev in _every_event())
    for value in PERSONAL:
        assert value not in encoded


def test_a_fitted_scoring_model_is_published_by_version_only() -> None:
    from domain.lead_model import LeadModel
    from domain.scoring_model import ScoringModel

    line = ScoringModel.start(meta=META)
    line.record_fit(model=LeadModel("fit-1", -1.0, {"stage": 0.5}, {"stage": 1.0}),
                    metrics={"auc_holdout": 0.8}, window_from=datetime.now(UTC),
                    window_to=datetime.now(UTC), activated=True, forced=False, meta=META)
    created, fitted = line.collect_events()

    assert to_integration_event(created, 1) is None  # nothing to tell before a fit
    published = to_integration_event(fitted, 2)
    assert published is not None
    assert subject_of(published) == "cis.events.scoring_model.scoring_model_fitted"
    decoded = DECODER.decode(msgspec.json.encode(published))
    assert (decoded.version, decoded.activated) == ("fit-1", True)  # type: ignore[union-attr]
    assert b"test-salesperson" not in msgspec.json.encode(published)  # who fitted: the log's


def test_a_score_refresh_is_published_with_nothing_but_its_moment() -> None:
    from domain.scoring_model import ScoringModel

    line = ScoringModel.start(meta=META)
    line.refresh_scores(meta=META)
    _, refreshed = line.collect_events()

    published = to_integration_event(refreshed, 7)
    assert published is not None
    assert subject_of(published) == "cis.events.scoring_model.scores_refreshed"
    decoded = DECODER.decode(msgspec.json.encode(published))
    assert (decoded.position, decoded.occurred_at) == (7, refreshed.timestamp)
    assert b"test-salesperson" not in msgspec.json.encode(published)  # who asked: the log's
