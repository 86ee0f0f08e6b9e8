"""Random command sequences against one Sale, checked against a simple model.

Every command is attempted in any status, with amounts drawn around the
limits, so both accepted and refused commands occur; "advance" rules try a
command only where it applies, so that sequences also reach delivery. A refused command
must raise the expected domain error and leave the sale exactly as it was.
After every step the invariants are checked, including that replaying all
events recorded so far rebuilds an equal sale.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from eventsourcing.domain import CanMutateAggregate
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from domain.errors import DomainError, InvalidTransition, InvalidValue
from domain.ids import CustomerID, SaleID
from domain.meta import EventMeta
from domain.sale import DELIVERY_AHEAD_BY, DELIVERY_LATE_BY, CancelReason, Sale, SaleStatus
from domain.values import ModelCode, Money
from domain.vin import VIN

TODAY = datetime.date(2026, 12, 1)  # the caller's today, for the delivery window
NEAR_TODAY = st.dates(TODAY - DELIVERY_LATE_BY - datetime.timedelta(days=5),
                      TODAY + DELIVERY_AHEAD_BY + datetime.timedelta(days=5))

RANK = {status: rank for rank, status in enumerate(SaleStatus)}  # declared in journey order
ALLOWED = {
    "quote": {SaleStatus.OPEN, SaleStatus.QUOTED},
    "reserve": {SaleStatus.QUOTED},
    "sign_contract": {SaleStatus.QUOTED, SaleStatus.RESERVED},
    "deliver": {SaleStatus.CONTRACTED},
    "cancel": {SaleStatus.OPEN, SaleStatus.QUOTED, SaleStatus.RESERVED, SaleStatus.CONTRACTED},
}
VINS = st.sampled_from(
    [VIN.parse(v) for v in ("1M8GDM9AXKP042788", "11111111111111111", "WVWZZZE1ZMP000001")]
)
METAS = st.builds(
    EventMeta, actor=st.sampled_from(["anna", "beat"]), correlation_id=st.uuids().map(str)
)


def amounts_around(reference: Money) -> st.SearchStrategy[Money]:
    """Amounts at, just over, below and well over ``reference`` (in Rappen)."""
    r = reference.rappen
    return st.one_of(
        st.just(r),
        st.just(r + 1),
        st.just(0),
        st.integers(0, r),
        st.integers(0, 2 * r + 100),
    ).map(Money)


def amounts_upto(reference: Money) -> st.SearchStrategy[Money]:
    """Amounts from zero to ``reference`` (in Rappen), often one of the bounds."""
    return st.one_of(st.integers(0, reference.rappen), st.just(reference.rappen), st.just(0)).map(
        Money
    )


def applies(machine: SaleMachine, command: str) -> bool:
    """Whether ``command`` applies in the machine's current (expected) status."""
    return machine.expected is not None and machine.expected.status in ALLOWED[command]


Amounts = Callable[[Money], st.SearchStrategy[Money]]


@dataclass
class Expected:
    """What the sale should look like: the model the machine keeps."""

    list_price: Money
    status: SaleStatus = SaleStatus.OPEN
    version: int = 1
    values: dict[str, Any] = field(default_factory=dict)


class SaleMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.sale: Sale | None = None
        self.expected: Expected | None = None
        self.events: list[CanMutateAggregate[uuid.UUID]] = []
        self.highest_rank = 0

    @initialize(list_price=st.integers(0, 20_000_000).map(Money), meta=METAS)
    def open_sale(self, list_price: Money, meta: EventMeta) -> None:
        sale_id = SaleID(uuid.uuid4())
        self.sale = Sale.open(
            sale_id=sale_id,
            customer_id=CustomerID(uuid.uuid4()),
            model=ModelCode.parse("EV-ONE"),
            salesperson="anna",
            list_price=list_price,
            meta=meta,
        )
        self.events = list(self.sale.collect_events())
        assert self.sale.id == sale_id
        self.expected = Expected(list_price=list_price)

    # ------------------------------------------------------------------ #
    # Helpers
    # ------------------------------------------------------------------ #

    def _state(self) -> tuple[Sale, Expected]:
        assert self.sale is not None and self.expected is not None
        return self.sale, self.expected

    def _refusal(
        self, command: str, amount_errors: list[tuple[bool, str]]
    ) -> tuple[type[DomainError] | None, str]:
        """The error (and field) expected for ``command`` now; None if it should apply.

        ``amount_errors`` lists (rule broken?, field) in the order the sale checks them.
        """
        _, expected = self._state()
        if expected.status not in ALLOWED[command]:
            return InvalidTransition, ""
        for broken, field_name in amount_errors:
            if broken:
                return InvalidValue, field_name
        return None, ""

    def _run(
        self,
        command: str,
        call: Callable[[], None],
        meta: EventMeta,
        amount_errors: list[tuple[bool, str]],
    ) -> bool:
        """Run ``call``; check it was refused or applied as the model says.

        Returns whether it applied (the caller then updates the model).
        """
        sale, expected = self._state()
        error, field_name = self._refusal(command, amount_errors)
        before = dict(sale.__dict__)
        if error is not None:
            with pytest.raises(DomainError) as refused:
                call()
            assert type(refused.value) is error
            if field_name:
                assert isinstance(refused.value, InvalidValue)
                assert refused.value.field == field_name
            else:
                assert command in str(refused.value)
                assert str(expected.status) in str(refused.value)
            assert sale.__dict__ == before
            assert sale.version == expected.version
            assert sale.pending_events == []
            return False
        call()
        new = sale.collect_events()
        assert len(new) == 1
        assert new[0].meta == meta  # type: ignore[attr-defined]
        self.events.extend(new)
        expected.version += 1
        return True

    # ------------------------------------------------------------------ #
    # Rules: every command, in every status
    # ------------------------------------------------------------------ #

    # Each command has a rule that tries it in any status with amounts around
    # the limits (often refused), and an "advance" rule that tries it only
    # where it applies, with amounts within the limits (or at their bounds), so that sequences get
    # well past "open" before a cancel ends them.

    @rule(data=st.data(), meta=METAS)
    def quote(self, data: st.DataObject, meta: EventMeta) -> None:
        self._quote(data, meta, amounts_around)

    @precondition(lambda self: applies(self, "quote"))
    @rule(data=st.data(), meta=METAS)
    def advance_by_quoting(self, data: st.DataObject, meta: EventMeta) -> None:
        self._quote(data, meta, amounts_upto)

    @rule(data=st.data(), meta=METAS)
    def reserve(self, data: st.DataObject, meta: EventMeta) -> None:
        self._reserve(data, meta, amounts_around)

    @precondition(lambda self: applies(self, "reserve"))
    @rule(data=st.data(), meta=METAS)
    def advance_by_reserving(self, data: st.DataObject, meta: EventMeta) -> None:
        self._reserve(data, meta, amounts_upto)

    @rule(data=st.data(), meta=METAS)
    def sign_contract(self, data: st.DataObject, meta: EventMeta) -> None:
        self._sign_contract(data, meta, amounts_around)

    @precondition(lambda self: applies(self, "sign_contract"))
    @rule(data=st.data(), meta=METAS)
    def advance_by_signing(self, data: st.DataObject, meta: EventMeta) -> None:
        self._sign_contract(data, meta, amounts_upto)

    @rule(vin=VINS, delivered_on=st.dates(), meta=METAS)
    def deliver(self, vin: VIN, delivered_on: datetime.date, meta: EventMeta) -> None:
        self._deliver(vin, delivered_on, meta)

    @precondition(lambda self: applies(self, "deliver"))
    @rule(vin=VINS, delivered_on=NEAR_TODAY, meta=METAS)
    def advance_by_delivering(self, vin: VIN, delivered_on: datetime.date, meta: EventMeta) -> None:
        self._deliver(vin, delivered_on, meta)

    def _quote(self, data: st.DataObject, meta: EventMeta, amounts: Amounts) -> None:
        sale, expected = self._state()
        lp = expected.list_price
        price = data.draw(amounts(lp), label="price")
        discount = data.draw(amounts(lp), label="discount")
        incentives = data.draw(amounts_around(lp), label="incentives")
        applied = self._run(
            "quote",
            lambda: sale.quote(price=price, discount=discount, incentives=incentives, meta=meta),
            meta,
            [(discount > lp, "discount"), (price > lp, "price")],
        )
        if applied:
            expected.status = SaleStatus.QUOTED
            expected.values.update(quoted_price=price, discount=discount, incentives=incentives)

    def _reserve(self, data: st.DataObject, meta: EventMeta, amounts: Amounts) -> None:
        sale, expected = self._state()
        quoted = expected.values.get("quoted_price", expected.list_price)
        deposit = data.draw(amounts(quoted), label="deposit")
        applied = self._run(
            "reserve",
            lambda: sale.reserve(deposit=deposit, meta=meta),
            meta,
            [(deposit == Money.zero(), "deposit"), (deposit > quoted, "deposit")],
        )
        if applied:
            expected.status = SaleStatus.RESERVED
            expected.values.update(deposit=deposit)

    def _sign_contract(self, data: st.DataObject, meta: EventMeta, amounts: Amounts) -> None:
        sale, expected = self._state()
        lp = expected.list_price
        final_price = data.draw(amounts(lp), label="final_price")
        applied = self._run(
            "sign_contract",
            lambda: sale.sign_contract(final_price=final_price, meta=meta),
            meta,
            [(final_price > lp, "final_price")],
        )
        if applied:
            expected.status = SaleStatus.CONTRACTED
            expected.values.update(final_price=final_price)

    def _deliver(self, vin: VIN, delivered_on: datetime.date, meta: EventMeta) -> None:
        sale, expected = self._state()
        applied = self._run(
            "deliver",
            lambda: sale.deliver(vin=vin, delivered_on=delivered_on, today=TODAY, meta=meta),
            meta,
            [(not TODAY - DELIVERY_LATE_BY <= delivered_on <= TODAY + DELIVERY_AHEAD_BY,
              "delivered_on")],
        )
        if applied:
            expected.status = SaleStatus.DELIVERED
            expected.values.update(vin=vin, delivered_on=delivered_on)

    @rule(reason=st.sampled_from(CancelReason), meta=METAS)
    def cancel(self, reason: CancelReason, meta: EventMeta) -> None:
        sale, expected = self._state()
        applied = self._run("cancel", lambda: sale.cancel(reason=reason, meta=meta), meta, [])
        if applied:
            expected.status = SaleStatus.CANCELLED
            expected.values.update(cancel_reason=reason)

    # ------------------------------------------------------------------ #
    # Invariants
    # ------------------------------------------------------------------ #

    @invariant()
    def matches_the_model(self) -> None:
        if self.sale is None:
            return
        sale, expected = self._state()
        assert sale.status is expected.status
        assert sale.version == expected.version == len(self.events)
        assert sale.list_price == expected.list_price
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
            assert getattr(sale, name) == expected.values.get(name), name

    @invariant()
    def status_only_moves_forward(self) -> None:
        if self.sale is None:
            return
        rank = RANK[self.sale.status]
        event(f"reached {self.sale.status}")  # shown by --hypothesis-show-statistics
        assert rank >= self.highest_rank
        self.highest_rank = rank

    @invariant()
    def amounts_are_sane(self) -> None:
        if self.sale is None:
            return
        sale = self.sale
        for amount in (
            sale.list_price,
            sale.quoted_price,
            sale.discount,
            sale.incentives,
            sale.deposit,
            sale.final_price,
        ):
            assert amount is None or amount.rappen >= 0
        assert sale.discount is None or sale.discount <= sale.list_price
        assert sale.quoted_price is None or sale.quoted_price <= sale.list_price
        assert sale.final_price is None or sale.final_price <= sale.list_price
        if sale.deposit is not None:
            assert sale.quoted_price is not None
            assert Money.zero() < sale.deposit <= sale.quoted_price

    @invariant()
    def delivered_implies_vin_and_date(self) -> None:
        if self.sale is None:
            return
        if self.sale.status is SaleStatus.DELIVERED:
            assert self.sale.vin is not None
            assert self.sale.delivered_on is not None
            assert self.sale.final_price is not None

    @invariant()
    def replay_rebuilds_an_equal_sale(self) -> None:
        if self.sale is None:
            return
        rebuilt = None
        for e in self.events:
            rebuilt = e.mutate(rebuilt)
        assert rebuilt is not None
        assert rebuilt.__dict__ == self.sale.__dict__


TestSaleMachine = SaleMachine.TestCase
TestSaleMachine.settings = settings(max_examples=50, stateful_step_count=20, deadline=None)
