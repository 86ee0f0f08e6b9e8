"""Sale aggregate rules, without I/O."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from domain.errors import InvalidTransition, InvalidValue
from domain.ids import CustomerID, SaleID
from domain.meta import EventMeta
from domain.sale import CancelReason, Sale, SaleStatus
from domain.values import ModelCode, Money
from domain.vin import VIN
from tests.aggregates import assert_unchanged, event_names, replayed

META = EventMeta(actor="test-salesperson", correlation_id="test-request")
LIST_PRICE = Money.chf(50_000)  # made up
VIN_ = VIN.parse("WVWZZZE1ZMP000001")
DAY = datetime.date(2025, 3, 14)


def opened(**overrides: Any) -> Sale:
    values: dict[str, Any] = {
        "sale_id": SaleID(uuid.uuid4()),
        "customer_id": CustomerID(uuid.uuid4()),
        "model": ModelCode.parse("EV-ONE"),
        "salesperson": "Beat Verkäufer",
        "list_price": LIST_PRICE,
        "meta": META,
    }
    values.update(overrides)
    return Sale.open(**values)


def quote(sale: Sale) -> None:
    sale.quote(
        price=Money.chf(47_000), discount=Money.chf(3_000), incentives=Money.chf(1_000), meta=META
    )


def reserve(sale: Sale) -> None:
    sale.reserve(deposit=Money.chf(5_000), meta=META)


def sign(sale: Sale) -> None:
    sale.sign_contract(final_price=Money.chf(46_500), meta=META)


def deliver(sale: Sale) -> None:
    sale.deliver(vin=VIN_, delivered_on=DAY, today=DAY, meta=META)


def cancel(sale: Sale) -> None:
    sale.cancel(reason=CancelReason.LOST_TO_COMPETITOR, meta=META)


# The shortest way to each status.
PATHS: dict[SaleStatus, list[Callable[[Sale], None]]] = {
    SaleStatus.OPEN: [],
    SaleStatus.QUOTED: [quote],
    SaleStatus.RESERVED: [quote, reserve],
    SaleStatus.CONTRACTED: [quote, reserve, sign],
    SaleStatus.DELIVERED: [quote, reserve, sign, deliver],
    SaleStatus.CANCELLED: [cancel],
}

COMMANDS: dict[str, Callable[[Sale], None]] = {
    "quote": quote,
    "reserve": reserve,
    "sign_contract": sign,
    "deliver": deliver,
    "cancel": cancel,
}

ALLOWED: dict[str, set[SaleStatus]] = {
    "quote": {SaleStatus.OPEN, SaleStatus.QUOTED},
    "reserve": {SaleStatus.QUOTED},
    "sign_contract": {SaleStatus.QUOTED, SaleStatus.RESERVED},
    "deliver": {SaleStatus.CONTRACTED},
    "cancel": {SaleStatus.OPEN, SaleStatus.QUOTED, SaleStatus.RESERVED, SaleStatus.CONTRACTED},
}


def sale_in(status: SaleStatus) -> Sale:
    sale = opened()
    for step in PATHS[status]:
        step(sale)
    assert sale.status is status
    sale.collect_events()
    return sale


# --------------------------------------------------------------------------- #
# Opening
# --------------------------------------------------------------------------- #


def test_opening_records_one_event_under_the_given_sale_id() -> None:
    sale_id, customer_id = SaleID(uuid.uuid4()), CustomerID(uuid.uuid4())
    sale = opened(sale_id=sale_id, customer_id=customer_id)

    events = sale.collect_events()
    assert [type(e).__name__ for e in events] == ["Opened"]
    assert sale.id == sale_id
    assert events[0].originator_id == sale_id
    assert events[0].meta == META  # type: ignore[attr-defined]
    assert sale.version == 1
    assert sale.customer_id == customer_id
    assert sale.model == ModelCode.parse("EV-ONE")
    assert sale.list_price == LIST_PRICE
    assert sale.status is SaleStatus.OPEN


def test_a_new_sale_has_no_quote_deposit_contract_delivery_or_cancellation() -> None:
    sale = opened()
    for name in (
        "quoted_price",
        "discount",
        "incentives",
        "deposit",
        "final_price",
        "vin",
        "delivered_on",
        "cancel_reason",
    ):
        assert getattr(sale, name) is None, name


def test_the_salesperson_is_trimmed() -> None:
    assert opened(salesperson="  Beat  ").salesperson == "Beat"


@pytest.mark.parametrize("salesperson", ["", "   ", "\t\n"])
def test_a_sale_needs_a_salesperson(salesperson: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        opened(salesperson=salesperson)
    assert refused.value.field == "salesperson"


# --------------------------------------------------------------------------- #
# Which command applies in which status
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("status", list(SaleStatus))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_commands_apply_only_in_their_statuses(status: SaleStatus, command: str) -> None:
    sale = sale_in(status)
    if status in ALLOWED[command]:
        COMMANDS[command](sale)
        assert len(sale.collect_events()) == 1
    else:
        refused = assert_unchanged(sale, lambda: COMMANDS[command](sale), InvalidTransition)
        assert command in str(refused)
        assert str(status) in str(refused)


# --------------------------------------------------------------------------- #
# Quoting
# --------------------------------------------------------------------------- #


def test_quoting_records_price_discount_and_incentives() -> None:
    sale = sale_in(SaleStatus.OPEN)
    sale.quote(
        price=Money.chf(45_000), discount=Money.chf(5_000), incentives=Money.chf(2_000), meta=META
    )
    events = sale.collect_events()
    assert [type(e).__name__ for e in events] == ["Quoted"]
    assert events[0].meta == META  # type: ignore[attr-defined]
    assert sale.status is SaleStatus.QUOTED
    assert sale.quoted_price == Money.chf(45_000)
    assert sale.discount == Money.chf(5_000)
    assert sale.incentives == Money.chf(2_000)


def test_quoting_again_replaces_the_quote() -> None:
    sale = sale_in(SaleStatus.QUOTED)
    sale.quote(price=Money.chf(44_000), discount=Money.zero(), incentives=Money.zero(), meta=META)
    assert event_names(sale) == ["Quoted"]
    assert sale.status is SaleStatus.QUOTED
    assert sale.quoted_price == Money.chf(44_000)
    assert sale.discount == Money.zero()
    assert sale.incentives == Money.zero()


def test_price_and_discount_need_not_add_up_to_the_list_price() -> None:
    sale = sale_in(SaleStatus.OPEN)
    sale.quote(
        price=Money.chf(30_000), discount=Money.chf(1_000), incentives=Money.zero(), meta=META
    )
    assert sale.quoted_price == Money.chf(30_000)


def test_incentives_are_not_limited_by_the_price() -> None:
    sale = sale_in(SaleStatus.OPEN)
    sale.quote(price=Money.zero(), discount=Money.zero(), incentives=Money.chf(99_999), meta=META)
    assert sale.incentives == Money.chf(99_999)


def test_discount_and_price_may_equal_the_list_price() -> None:
    sale = sale_in(SaleStatus.OPEN)
    sale.quote(price=LIST_PRICE, discount=LIST_PRICE, incentives=Money.zero(), meta=META)
    assert sale.discount == LIST_PRICE


@pytest.mark.parametrize(
    ("field", "price", "discount"),
    [
        ("discount", LIST_PRICE, LIST_PRICE + Money(1)),
        ("price", LIST_PRICE + Money(1), Money.zero()),
    ],
)
def test_discount_and_price_may_not_exceed_the_list_price(
    field: str, price: Money, discount: Money
) -> None:
    sale = sale_in(SaleStatus.OPEN)
    refused = assert_unchanged(
        sale,
        lambda: sale.quote(price=price, discount=discount, incentives=Money.zero(), meta=META),
        InvalidValue,
    )
    assert isinstance(refused, InvalidValue)
    assert refused.field == field


# --------------------------------------------------------------------------- #
# Reserving
# --------------------------------------------------------------------------- #


def test_reserving_records_the_deposit() -> None:
    sale = sale_in(SaleStatus.QUOTED)
    sale.reserve(deposit=Money.chf(5_000), meta=META)
    assert event_names(sale) == ["Reserved"]
    assert sale.status is SaleStatus.RESERVED
    assert sale.deposit == Money.chf(5_000)


def test_the_deposit_may_be_the_whole_quoted_price() -> None:
    sale = sale_in(SaleStatus.QUOTED)
    assert sale.quoted_price is not None
    sale.reserve(deposit=sale.quoted_price, meta=META)
    assert sale.deposit == sale.quoted_price


def test_the_deposit_must_be_more_than_zero_and_at_most_the_quoted_price() -> None:
    sale = sale_in(SaleStatus.QUOTED)
    assert sale.quoted_price is not None
    too_much = sale.quoted_price + Money(1)
    for deposit in (Money.zero(), too_much):
        before = dict(sale.__dict__)
        with pytest.raises(InvalidValue) as refused:
            sale.reserve(deposit=deposit, meta=META)
        assert refused.value.field == "deposit"
        assert sale.__dict__ == before
        assert sale.pending_events == []


# --------------------------------------------------------------------------- #
# Contract, delivery, cancellation
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("status", [SaleStatus.QUOTED, SaleStatus.RESERVED])
def test_signing_records_the_final_price(status: SaleStatus) -> None:
    sale = sale_in(status)
    sale.sign_contract(final_price=LIST_PRICE, meta=META)
    assert event_names(sale) == ["ContractSigned"]
    assert sale.status is SaleStatus.CONTRACTED
    assert sale.final_price == LIST_PRICE


def test_the_final_price_may_not_exceed_the_list_price() -> None:
    sale = sale_in(SaleStatus.RESERVED)
    refused = assert_unchanged(
        sale,
        lambda: sale.sign_contract(final_price=LIST_PRICE + Money(1), meta=META),
        InvalidValue,
    )
    assert isinstance(refused, InvalidValue)
    assert refused.field == "final_price"


def test_delivering_records_vin_and_date_and_stores_the_date_as_iso_text() -> None:
    sale = sale_in(SaleStatus.CONTRACTED)
    sale.deliver(vin=VIN_, delivered_on=DAY, today=DAY, meta=META)
    events = sale.collect_events()
    assert [type(e).__name__ for e in events] == ["Delivered"]
    assert events[0].delivered_on == "2025-03-14"  # type: ignore[attr-defined]
    assert events[0].vin == VIN_  # type: ignore[attr-defined]
    assert sale.status is SaleStatus.DELIVERED
    assert sale.vin == VIN_
    assert sale.delivered_on == DAY


def test_a_delivery_date_with_a_time_is_refused() -> None:
    sale = sale_in(SaleStatus.CONTRACTED)
    moment = datetime.datetime(2025, 3, 14, 10, 0, tzinfo=datetime.UTC)
    refused = assert_unchanged(
        sale, lambda: sale.deliver(vin=VIN_, delivered_on=moment, today=DAY, meta=META), InvalidValue
    )
    assert isinstance(refused, InvalidValue)
    assert refused.field == "delivered_on"


@pytest.mark.parametrize(
    "status", [SaleStatus.OPEN, SaleStatus.QUOTED, SaleStatus.RESERVED, SaleStatus.CONTRACTED]
)
@pytest.mark.parametrize("reason", list(CancelReason))
def test_cancelling_records_the_reason(status: SaleStatus, reason: CancelReason) -> None:
    sale = sale_in(status)
    sale.cancel(reason=reason, meta=META)
    assert event_names(sale) == ["Cancelled"]
    assert sale.status is SaleStatus.CANCELLED
    assert sale.cancel_reason is reason


def test_a_reason_given_as_plain_text_is_kept_as_the_enum() -> None:
    sale = sale_in(SaleStatus.OPEN)
    sale.cancel(reason="no_stock", meta=META)  # type: ignore[arg-type]
    assert sale.cancel_reason is CancelReason.NO_STOCK


def test_wrong_status_is_checked_before_amounts() -> None:
    sale = sale_in(SaleStatus.DELIVERED)
    with pytest.raises(InvalidTransition):
        sale.quote(
            price=LIST_PRICE + Money(1), discount=Money.zero(), incentives=Money.zero(), meta=META
        )


# --------------------------------------------------------------------------- #
# Events
# --------------------------------------------------------------------------- #


def test_the_whole_journey_records_one_event_per_command_each_with_meta() -> None:
    sale = opened()
    for step in PATHS[SaleStatus.DELIVERED]:
        step(sale)
    events = sale.collect_events()
    assert [type(e).__name__ for e in events] == [
        "Opened",
        "Quoted",
        "Reserved",
        "ContractSigned",
        "Delivered",
    ]
    assert all(e.meta == META for e in events)  # type: ignore[attr-defined]
    assert sale.version == 5


@pytest.mark.parametrize("status", list(SaleStatus))
def test_replaying_the_events_rebuilds_an_equal_sale(status: SaleStatus) -> None:
    sale = opened()
    for step in PATHS[status]:
        step(sale)
    events = sale.collect_events()
    assert replayed(events).__dict__ == sale.__dict__


def test_event_classes_have_the_documented_names() -> None:
    for name in ("Opened", "Quoted", "Reserved", "ContractSigned", "Delivered", "Cancelled"):
        assert isinstance(getattr(Sale, name), type), name


@pytest.mark.parametrize("days", [-365, 0, 730])
def test_a_delivery_inside_its_window_is_recorded(days: int) -> None:
    sale = sale_in(SaleStatus.CONTRACTED)
    sale.deliver(vin=VIN_, delivered_on=DAY + datetime.timedelta(days=days), today=DAY, meta=META)
    assert sale.status is SaleStatus.DELIVERED


@pytest.mark.parametrize("delivered_on", [
    DAY - datetime.timedelta(days=366), DAY + datetime.timedelta(days=731),
    datetime.date(1, 1, 1), datetime.date(9999, 12, 31)],
    ids=["a-year-and-a-day-late", "too-far-ahead", "year-1", "year-9999"])
def test_a_delivery_outside_its_window_is_refused(delivered_on: datetime.date) -> None:
    sale = sale_in(SaleStatus.CONTRACTED)
    refused = assert_unchanged(
        sale, lambda: sale.deliver(vin=VIN_, delivered_on=delivered_on, today=DAY, meta=META),
        InvalidValue)
    assert isinstance(refused, InvalidValue) and refused.field == "delivered_on"
