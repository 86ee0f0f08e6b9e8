"""Journey stage: derived from a customer's and their sales' events alone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.customer import Customer
from domain.customer_facts import Channel, TouchpointKind
from domain.errors import DomainError
from domain.ids import CustomerID, SaleID
from domain.journey import Journey, Stage, stage_of
from domain.sale import CancelReason, Sale
from domain.values import ModelCode, Money
from domain.vin import VIN
from tests.factories import META, registration

MODEL = ModelCode.parse("EV-ONE")
SOON = datetime(2026, 12, 1, 10, tzinfo=UTC)


class Story:
    """A customer and their sales, acted out through the real aggregates."""

    def __init__(self) -> None:
        self.customer = Customer.register(customer_id=CustomerID(uuid4()), **registration())
        self.sales: list[Sale] = []
        self.events: list[Any] = list(self.customer.collect_events())

    def engage(self) -> None:
        self.customer.record_touchpoint(kind=TouchpointKind.WEBSITE_VISIT, channel=Channel.WEB,
                                        note=None, meta=META)
        self._collect(self.customer)

    def test_drive(self) -> None:
        self.customer.book_test_drive(test_drive_id=uuid4(), model=MODEL, scheduled_at=SOON,
                                      now=SOON, meta=META)
        self._collect(self.customer)

    def open_sale(self) -> Sale:
        sale = Sale.open(sale_id=SaleID(uuid4()), customer_id=CustomerID(self.customer.id),
                         model=MODEL, salesperson="sara", list_price=Money.chf(50_000),
                         meta=META)
        self.sales.append(sale)
        self._collect(sale)
        return sale

    def advance(self, sale: Sale, to: str) -> None:
        steps = {
            "quoted": lambda: sale.quote(price=Money.chf(49_000), discount=Money.chf(1_000),
                                         incentives=Money.zero(), meta=META),
            "reserved": lambda: sale.reserve(deposit=Money.chf(1_000), meta=META),
            "contracted": lambda: sale.sign_contract(final_price=Money.chf(48_000), meta=META),
            "delivered": lambda: sale.deliver(vin=VIN.parse("WVWZZZ1KZ6W000001"),
                                              delivered_on=date(2027, 1, 1),
                                              today=date(2027, 1, 1), meta=META),
            "cancelled": lambda: sale.cancel(reason=CancelReason.OTHER, meta=META),
        }
        steps[to]()
        self._collect(sale)

    def stage(self, days_later: int = 0) -> Stage:
        now = self.events[-1].timestamp + timedelta(days=days_later)
        return stage_of(self.events, now)

    def _collect(self, aggregate: Any) -> None:
        self.events.extend(aggregate.collect_events())


def test_stages_follow_the_journey() -> None:
    story = Story()
    assert story.stage() is Stage.LEAD
    story.engage()
    assert story.stage() is Stage.ENGAGED
    story.test_drive()
    assert story.stage() is Stage.TEST_DRIVE
    sale = story.open_sale()
    assert story.stage() is Stage.NEGOTIATION
    for step, stage in [("quoted", Stage.NEGOTIATION), ("reserved", Stage.RESERVED),
                        ("contracted", Stage.CONTRACTED), ("delivered", Stage.DELIVERED)]:
        story.advance(sale, step)
        assert story.stage() is stage


def test_a_cancelled_only_sale_means_lost_until_a_new_sale_opens() -> None:
    story = Story()
    story.advance(story.open_sale(), "cancelled")
    assert story.stage() is Stage.LOST
    story.open_sale()
    assert story.stage() is Stage.NEGOTIATION


def test_ninety_quiet_days_make_a_lead_dormant_but_never_a_contracted_customer() -> None:
    story = Story()
    story.engage()
    assert story.stage(days_later=90) is Stage.ENGAGED
    assert story.stage(days_later=91) is Stage.DORMANT

    sale = story.open_sale()
    story.advance(sale, "quoted")
    story.advance(sale, "contracted")
    assert story.stage(days_later=400) is Stage.CONTRACTED


def test_erasure_changes_nothing_about_the_stage() -> None:
    story = Story()
    story.test_drive()
    story.customer.erase_personal_data(meta=META)
    story._collect(story.customer)
    assert story.stage() is Stage.TEST_DRIVE
    assert Journey().stage(SOON) is Stage.LEAD


ACTS = st.lists(st.sampled_from(["engage", "test_drive", "open", "quoted", "reserved",
                                 "contracted", "delivered"]), max_size=12)
FORWARD = list(Stage)[:7]


@settings(max_examples=60, deadline=None)
@given(ACTS)
def test_without_cancellations_or_quiet_time_the_stage_never_goes_back(acts: list[str]) -> None:
    story = Story()
    sale: Sale | None = None
    seen = [story.stage()]
    for act in acts:
        if act == "engage":
            story.engage()
        elif act == "test_drive":
            story.test_drive()
        elif act == "open":
            sale = story.open_sale()
        elif sale is not None:
            try:
                story.advance(sale, act)
            except DomainError:  # an illegal step for this sale: skip it
                continue
        seen.append(story.stage())
    indexes = [FORWARD.index(stage) for stage in seen]
    assert indexes == sorted(indexes)
