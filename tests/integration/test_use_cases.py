"""The application's use cases on the real event store: a whole sale, and every refusal."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from uuid import uuid4

import pytest

from application.errors import Conflict, NotFound
from application.services import CustomerIntelligence
from domain.errors import CustomerErased, InvalidTransition, InvalidValue
from domain.sale import CancelReason, SaleStatus
from domain.values import Canton, Email, ModelCode, Money, PostalCode
from domain.vin import VIN
from tests.factories import META, registration, soon

VIN_OK = VIN.parse("WVWZZZ1KZ6W000001")


def _model(app: CustomerIntelligence, price_chf: int = 50_000) -> ModelCode:
    code = ModelCode.parse(f"EV-{uuid4().hex[:6].upper()}")
    app.put_model(code=code, name="Test model", list_price=Money.chf(price_chf), meta=META)
    return code


def test_a_sale_from_registration_to_delivery(app: CustomerIntelligence) -> None:
    model = _model(app)
    customer = app.register_customer(**registration())
    app.record_vehicle_interest(customer.id, model=model, meta=META)
    drive = app.book_test_drive(customer.id, model=model,
                                scheduled_at=soon(1), meta=META)
    app.complete_test_drive(customer.id, drive.id, rating=4, notes=None, meta=META)

    sale = app.open_sale(customer_id=customer.id, model=model, meta=META)
    app.quote_sale(sale.id, price=Money.chf(48_000), discount=Money.chf(2_000),
                   incentives=None, meta=META)
    app.reserve_sale(sale.id, deposit=Money.chf(5_000), meta=META)
    app.sign_contract(sale.id, final_price=Money.chf(47_500), meta=META)
    delivered = app.deliver_sale(sale.id, vin=VIN_OK, delivered_on=soon(45).date(), meta=META)

    stored = app.get_sale(sale.id)
    assert stored.status is SaleStatus.DELIVERED
    assert stored.list_price == Money.chf(50_000)  # taken from the catalogue
    assert stored.salesperson == "test-salesperson"  # the customer's salesperson
    assert delivered.version == 5 and delivered.position > sale.position


def test_the_cantonal_incentive_is_quoted_when_none_is_given(app: CustomerIntelligence) -> None:
    model = _model(app)
    app.put_incentive(canton=Canton.parse("GR"), amount=Money.chf(1_000),
                      description="test incentive", meta=META)
    customer = app.register_customer(**registration(canton=Canton.parse("GR"),
                                                    postal_code=PostalCode.parse("7000")))
    sale = app.open_sale(customer_id=customer.id, model=model, meta=META)

    app.quote_sale(sale.id, price=Money.chf(49_000), discount=Money.zero(), incentives=None,
                   meta=META)

    assert app.get_sale(sale.id).incentives == Money.chf(1_000)


def test_refusals_are_domain_errors_and_write_nothing(app: CustomerIntelligence) -> None:
    model = _model(app)
    customer = app.register_customer(**registration())
    sale = app.open_sale(customer_id=customer.id, model=model, meta=META)
    head = app.recorder.max_notification_id()

    with pytest.raises(InvalidTransition):
        app.deliver_sale(sale.id, vin=VIN_OK, delivered_on=soon(30).date(), meta=META)
    with pytest.raises(InvalidValue):
        app.quote_sale(sale.id, price=Money.chf(40_000), discount=Money.chf(60_000),
                       incentives=Money.zero(), meta=META)
    with pytest.raises(NotFound):
        app.open_sale(customer_id=customer.id, model=ModelCode.parse("NOPE-1"), meta=META)
    with pytest.raises(NotFound):
        app.reserve_sale(uuid4(), deposit=Money.chf(1), meta=META)

    assert app.recorder.max_notification_id() == head


def test_a_cancelled_sale_stays_cancelled(app: CustomerIntelligence) -> None:
    customer = app.register_customer(**registration())
    sale = app.open_sale(customer_id=customer.id, model=_model(app), meta=META)
    app.cancel_sale(sale.id, reason=CancelReason.LOST_TO_COMPETITOR, meta=META)
    with pytest.raises(InvalidTransition):
        app.quote_sale(sale.id, price=Money.chf(1), discount=Money.zero(),
                       incentives=Money.zero(), meta=META)


def test_an_erased_customer_gets_no_new_sale(app: CustomerIntelligence) -> None:
    customer = app.register_customer(**registration())
    app.erase_customer(customer.id, meta=META)
    with pytest.raises(CustomerErased):
        app.open_sale(customer_id=customer.id, model=_model(app), meta=META)


def test_an_outdated_expected_version_is_a_conflict(app: CustomerIntelligence) -> None:
    customer = app.register_customer(**registration())
    app.change_contact(customer.id, email=Email.parse("new@example.ch"), phone=None, meta=META,
                       expected_version=1)
    with pytest.raises(Conflict):
        app.change_contact(customer.id, email=Email.parse("old@example.ch"), phone=None,
                           meta=META, expected_version=1)


def test_concurrent_writers_never_lose_an_update(app: CustomerIntelligence) -> None:
    customer = app.register_customer(**registration())
    models = [_model(app) for _ in range(16)]

    def add_interest(i: int) -> str:
        try:
            app.record_vehicle_interest(customer.id, model=models[i], meta=META)
        except Conflict:
            return "conflict"
        return "written"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(add_interest, range(16)))

    written = outcomes.count("written")
    assert written >= 1
    # Every write that was acknowledged is in the history; the others were told.
    assert app.get_customer(customer.id).version == 1 + written
    assert len(app.get_customer(customer.id).interests) == written
