"""Random command sequences on the real event store, then every version replayed.

For every N: the state at version N equals the first N events applied by hand, with
snapshots (every 3 events here) and without; `as_of` T is the state at the last version
whose event is at or before T, boundaries included. An erasure may end the sequence:
the snapshots taken before it then read redacted like the events.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, ClassVar
from uuid import UUID

import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from adapters.postgres.config import eventsourcing_env
from adapters.settings import Settings
from application.audit_view import public_state
from application.errors import NotFound
from application.services import APPLICATION_NAME, CustomerIntelligence
from domain.catalogue import CantonIncentive, VehicleModel
from domain.customer import Customer
from domain.customer_facts import Budget, Channel, ConsentPurpose, TouchpointKind
from domain.errors import DomainError
from domain.sale import Sale
from domain.values import (
    Canton,
    CompanyUID,
    Email,
    Language,
    ModelCode,
    Money,
    PersonName,
    Phone,
    PostalCode,
)
from domain.vin import VIN
from entrypoints.bootstrap import data_keys
from tests.factories import META, registration, soon

MODEL = ModelCode.parse("EV-AUDIT")


class FrequentSnapshots(CustomerIntelligence):
    name = APPLICATION_NAME  # the same log and snapshot tables
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = dict.fromkeys(
        (Customer, Sale, VehicleModel, CantonIncentive), 3)


class NoSnapshots(CustomerIntelligence):
    name = APPLICATION_NAME
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {}


@pytest.fixture(scope="module")
def apps(settings: Settings) -> Iterator[tuple[CustomerIntelligence, CustomerIntelligence]]:
    assert settings.database_url
    env = eventsourcing_env(settings.database_url, pool_size=2)
    with_snapshots = FrequentSnapshots(env=env, cipher=data_keys(settings))
    without = NoSnapshots(env=env, cipher=data_keys(settings))
    with_snapshots.put_model(code=MODEL, name="Audit EV", list_price=Money.chf(40_000),
                             meta=META)
    yield with_snapshots, without
    with_snapshots.close()
    without.close()


def test_a_sale_reads_the_same_from_its_snapshot(
        apps: tuple[CustomerIntelligence, CustomerIntelligence]) -> None:
    app, plain = apps
    customer_id = app.register_customer(**registration()).id
    sale_id = app.open_sale(customer_id=customer_id, model=MODEL, meta=META).id
    app.quote_sale(sale_id, price=Money.chf(39_000), discount=Money.chf(1_000),
                   incentives=Money.zero(), meta=META)
    app.reserve_sale(sale_id, deposit=Money.chf(2_000), meta=META)
    app.sign_contract(sale_id, final_price=Money.chf(39_000), meta=META)
    app.deliver_sale(sale_id, vin=VIN.parse("WVWZZZ1KZ6W000001"), delivered_on=date.today(),
                     meta=META)
    assert app.snapshots is not None
    assert [s.originator_version for s in app.snapshots.get(sale_id)] == [3]
    for version in range(1, 6):
        assert app.state_at_version("sales", sale_id, version, reveal=False) == \
            plain.state_at_version("sales", sale_id, version, reveal=False)
    delivered = app.state_at_version("sales", sale_id, 5, reveal=False).state
    assert delivered["vin"] == "WVWZZZ1KZ6W000001" and delivered["final_price"] == 3_900_000


def _by_hand(app: CustomerIntelligence, customer_id: UUID, version: int) -> dict[str, Any]:
    aggregate = None
    for event in list(app.events.get(customer_id))[:version]:
        aggregate = event.mutate(aggregate)
    return public_state(aggregate, reveal=True)


class ReplayMachine(RuleBasedStateMachine):
    apps: tuple[CustomerIntelligence, CustomerIntelligence]

    @initialize()
    def register(self) -> None:
        self.app, self.plain = self.apps
        self.id = self.app.register_customer(**registration(
            phone=Phone.parse("044 668 18 00"), street="Hauptgasse 1",
            company_name="Muster AG", company_uid=CompanyUID.parse("CHE-109.322.551"),
            company_contact=PersonName.parse("Hans Meier"))).id
        self.drives: list[UUID] = []
        self.erased = False

    def attempt(self, command: Any) -> None:
        if self.erased:
            return
        try:
            command()
        except DomainError:
            pass  # refused: nothing written

    @rule(kind=st.sampled_from(TouchpointKind), channel=st.sampled_from(Channel))
    def touch(self, kind: TouchpointKind, channel: Channel) -> None:
        self.attempt(lambda: self.app.record_touchpoint(self.id, kind=kind, channel=channel,
                                                        note="note", meta=META))

    @rule()
    def book(self) -> None:
        def book() -> None:
            self.drives.append(self.app.book_test_drive(
                self.id, model=MODEL, scheduled_at=soon(), meta=META).id)
        self.attempt(book)

    @rule(data=st.data(), rating=st.integers(1, 5))
    def complete(self, data: st.DataObject, rating: int) -> None:
        if self.drives:
            drive = data.draw(st.sampled_from(self.drives))
            self.attempt(lambda: self.app.complete_test_drive(self.id, drive, rating=rating,
                                                              notes="fine", meta=META))

    @rule(purpose=st.sampled_from(ConsentPurpose), grant=st.booleans())
    def consent(self, purpose: ConsentPurpose, grant: bool) -> None:
        method = self.app.grant_consent if grant else self.app.withdraw_consent
        self.attempt(lambda: method(self.id, purpose=purpose, meta=META))

    @rule(n=st.integers(0, 9))
    def contact(self, n: int) -> None:
        self.attempt(lambda: self.app.change_contact(
            self.id, email=Email.parse(f"anna{n}@example.ch"), phone=None, meta=META))

    @rule(minimum=st.integers(0, 90_000), street=st.sampled_from([None, "Sonnenweg 2"]))
    def preferences_and_address(self, minimum: int, street: str | None) -> None:
        self.attempt(lambda: self.app.change_preferences(
            self.id, language=Language.parse("fr"), budget=Budget(Money.chf(minimum)),
            meta=META))
        self.attempt(lambda: self.app.change_address(
            self.id, street=street, postal_code=PostalCode.parse("3011"),
            canton=Canton.parse("BE"), meta=META))

    @rule(model=st.just(MODEL))
    def interest(self, model: ModelCode) -> None:
        self.attempt(lambda: self.app.record_vehicle_interest(self.id, model=model, meta=META))

    @rule()
    def erase(self) -> None:
        if not self.erased:
            self.app.erase_customer(self.id, meta=META)
            self.erased = True

    def teardown(self) -> None:
        if not hasattr(self, "id"):
            return
        history = self.app.history("customers", self.id, reveal=True, limit=500).items
        erased_at = next((e.version for e in history if e.type == "PersonalDataErased"), 10**9)
        assert self.app.snapshots is not None and self.plain.snapshots is None
        # A snapshot at every third version, none once erased (nothing left to seal).
        assert [s.originator_version for s in self.app.snapshots.get(self.id)] == [
            e.version for e in history if e.version % 3 == 0 and e.version < erased_at]
        for entry in history:
            n = entry.version
            snapshotted = self.app.state_at_version("customers", self.id, n, reveal=True)
            replayed = self.plain.state_at_version("customers", self.id, n, reveal=True)
            assert snapshotted == replayed
            assert snapshotted.state == _by_hand(self.plain, self.id, n)
            assert snapshotted.position == entry.position
            at = self.app.state_as_of("customers", self.id, entry.occurred_at, reveal=True)
            assert at.version == max(e.version for e in history
                                     if e.occurred_at <= entry.occurred_at)
            before = entry.occurred_at - timedelta(microseconds=1)
            if n == 1:
                with pytest.raises(NotFound):
                    self.app.state_as_of("customers", self.id, before, reveal=True)
            else:
                assert self.app.state_as_of("customers", self.id, before, reveal=True) == \
                    self.app.state_at_version("customers", self.id, max(
                        e.version for e in history if e.occurred_at <= before), reveal=True)


def test_state_at_every_version_equals_its_events_applied_by_hand(
        apps: tuple[CustomerIntelligence, CustomerIntelligence]) -> None:
    ReplayMachine.apps = apps
    run_state_machine_as_test(ReplayMachine, settings=hypothesis_settings(
        max_examples=12, stateful_step_count=12, deadline=None))
