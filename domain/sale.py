"""The Sale aggregate: one customer buying one vehicle model, from first offer to delivery.

Each command checks the rules first and only then calls a private method
decorated with ``@event``, whose body just applies the change. The bodies run
again when the aggregate is rebuilt from stored events, so they must never
refuse: an event is a fact, even if today's rules would no longer allow it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition, InvalidValue
from domain.ids import CustomerID, SaleID
from domain.meta import EventMeta
from domain.text import checked_salesperson
from domain.values import ModelCode, Money
from domain.vin import VIN

__all__ = ["DELIVERY_AHEAD_BY", "DELIVERY_LATE_BY", "CancelReason", "Sale", "SaleStatus"]

# The window of a delivery date around the caller's today: recorded up to a year late,
# planned up to two years ahead. Checked on the command only, never on replay.
DELIVERY_LATE_BY = timedelta(days=365)
DELIVERY_AHEAD_BY = timedelta(days=730)


class SaleStatus(StrEnum):
    """Where a sale stands. Listed in the order a sale moves through them."""

    OPEN = "open"
    QUOTED = "quoted"
    RESERVED = "reserved"
    CONTRACTED = "contracted"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class CancelReason(StrEnum):
    """Why a sale was cancelled (for win/loss analysis)."""

    CUSTOMER_WITHDREW = "customer_withdrew"
    LOST_TO_COMPETITOR = "lost_to_competitor"
    FINANCING_DECLINED = "financing_declined"
    NO_STOCK = "no_stock"
    OTHER = "other"


class Sale(Aggregate):
    """A sale: opened, quoted (possibly several times), reserved, contracted, delivered.

    It may be cancelled at any point before delivery. Amounts are never
    negative (``Money`` guarantees that); discount, quoted price and final
    price never exceed the list price the sale was opened with.
    """

    @event("Opened")
    def __init__(
        self,
        *,
        id: SaleID,  # the library makes this the aggregate id
        customer_id: CustomerID,
        model: ModelCode,
        salesperson: str,
        list_price: Money,
        meta: EventMeta,
    ) -> None:
        # `id` is not stored here: the library passes it on as the aggregate's
        # own `id` (the event's originator_id), so the caller chooses it.
        self.customer_id = customer_id
        self.model = model
        self.salesperson = salesperson
        self.list_price = list_price
        self.status = SaleStatus.OPEN
        self.quoted_price: Money | None = None
        self.discount: Money | None = None
        self.incentives: Money | None = None
        self.deposit: Money | None = None
        self.final_price: Money | None = None
        self.vin: VIN | None = None
        self.delivered_on: date | None = None
        self.cancel_reason: CancelReason | None = None

    @classmethod
    def open(
        cls,
        *,
        sale_id: SaleID,
        customer_id: CustomerID,
        model: ModelCode,
        salesperson: str,
        list_price: Money,
        meta: EventMeta,
    ) -> Sale:
        """Open a sale under the caller's ``sale_id`` (domain code makes no ids)."""
        return cls(
            id=sale_id,
            customer_id=customer_id,
            model=model,
            salesperson=checked_salesperson(salesperson),
            list_price=list_price,
            meta=meta,
        )

    # ------------------------------------------------------------------ #
    # Commands
    # ------------------------------------------------------------------ #

    def quote(self, *, price: Money, discount: Money, incentives: Money, meta: EventMeta) -> None:
        """Quote a price; quoting again replaces the previous quote.

        ``price`` and ``discount`` need not add up to the list price (a quote
        may include options or trade-in terms). ``incentives`` are cantonal
        subsidies shown to the customer; they are paid by the canton and do not
        change the price, so they are not checked against it.
        """
        self._require("quote", SaleStatus.OPEN, SaleStatus.QUOTED)
        if discount > self.list_price:
            raise InvalidValue("discount", "must not exceed the list price")
        if price > self.list_price:
            raise InvalidValue("price", "must not exceed the list price")
        self._quoted(price=price, discount=discount, incentives=incentives, meta=meta)

    def reserve(self, *, deposit: Money, meta: EventMeta) -> None:
        """Reserve the vehicle against a deposit, which is part of the quoted price."""
        self._require("reserve", SaleStatus.QUOTED)
        if deposit == Money.zero():
            raise InvalidValue("deposit", "must be more than zero")
        if self.quoted_price is None:  # set whenever the status is quoted
            raise AssertionError("a quoted sale has a quoted price")
        if deposit > self.quoted_price:
            raise InvalidValue("deposit", "must not exceed the quoted price")
        self._reserved(deposit=deposit, meta=meta)

    def sign_contract(self, *, final_price: Money, meta: EventMeta) -> None:
        """Record the signed contract; a reservation is optional."""
        self._require("sign_contract", SaleStatus.QUOTED, SaleStatus.RESERVED)
        if final_price > self.list_price:
            raise InvalidValue("final_price", "must not exceed the list price")
        self._contract_signed(final_price=final_price, meta=meta)

    def deliver(self, *, vin: VIN, delivered_on: date, today: date, meta: EventMeta) -> None:
        """Record the handover of the vehicle with this VIN on ``delivered_on``, which
        must lie in the delivery window around ``today``.

        Both dates are the caller's (the domain has no clock); the delivery date is
        stored in the event as an ISO 8601 string, so plain JSON suffices for it.
        """
        self._require("deliver", SaleStatus.CONTRACTED)
        # A datetime is a date too, but its isoformat() would not read back as one.
        if isinstance(delivered_on, datetime) or not isinstance(delivered_on, date):
            raise InvalidValue("delivered_on", "must be a date without a time")
        if not today - DELIVERY_LATE_BY <= delivered_on <= today + DELIVERY_AHEAD_BY:
            raise InvalidValue("delivered_on", f"must be at most {DELIVERY_LATE_BY.days} days "
                               f"ago and at most {DELIVERY_AHEAD_BY.days} days ahead")
        self._delivered(vin=vin, delivered_on=delivered_on.isoformat(), meta=meta)

    def cancel(self, *, reason: CancelReason, meta: EventMeta) -> None:
        """Cancel the sale; a delivered or already cancelled sale cannot be."""
        self._require(
            "cancel",
            SaleStatus.OPEN,
            SaleStatus.QUOTED,
            SaleStatus.RESERVED,
            SaleStatus.CONTRACTED,
        )
        self._cancelled(reason=CancelReason(reason), meta=meta)

    def _require(self, command: str, *allowed: SaleStatus) -> None:
        if self.status not in allowed:
            raise InvalidTransition(f"cannot {command}: the sale is {self.status}")

    # ------------------------------------------------------------------ #
    # Events (applied on command and on replay; they never refuse)
    # ------------------------------------------------------------------ #

    @event("Quoted")
    def _quoted(self, *, price: Money, discount: Money, incentives: Money, meta: EventMeta) -> None:
        self.quoted_price = price
        self.discount = discount
        self.incentives = incentives
        self.status = SaleStatus.QUOTED

    @event("Reserved")
    def _reserved(self, *, deposit: Money, meta: EventMeta) -> None:
        self.deposit = deposit
        self.status = SaleStatus.RESERVED

    @event("ContractSigned")
    def _contract_signed(self, *, final_price: Money, meta: EventMeta) -> None:
        self.final_price = final_price
        self.status = SaleStatus.CONTRACTED

    @event("Delivered")
    def _delivered(self, *, vin: VIN, delivered_on: str, meta: EventMeta) -> None:
        self.vin = vin
        self.delivered_on = date.fromisoformat(delivered_on)
        self.status = SaleStatus.DELIVERED

    @event("Cancelled")
    def _cancelled(self, *, reason: CancelReason, meta: EventMeta) -> None:
        # A str enum: JSON stores it as a plain string, read back as one.
        self.cancel_reason = CancelReason(reason)
        self.status = SaleStatus.CANCELLED
