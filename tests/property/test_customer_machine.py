"""A hypothesis state machine drives random command sequences through a Customer.

After every step: the invariants hold, a refused command changed nothing, and replaying
every event recorded so far rebuilds an equal customer.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from domain.customer import Customer, hold_subject_of
from domain.customer_facts import Channel, ConsentPurpose, TestDriveStatus, TouchpointKind
from domain.errors import CustomerErased, DomainError
from domain.ids import CustomerID
from domain.values import ModelCode
from tests.factories import META, registration

MODELS = st.sampled_from([ModelCode.parse(c) for c in ("EV-ONE", "EV-TWO", "VAN-E")])
WHEN = datetime(2026, 12, 1, 10, tzinfo=UTC)


class CustomerMachine(RuleBasedStateMachine):
    @initialize(street=st.none() | st.just("Hauptgasse 1"))
    def register(self, street: str | None) -> None:
        self.customer = Customer.register(customer_id=CustomerID(uuid4()),
                                          **registration(street=street))
        self.events: list[Any] = list(self.customer.collect_events())
        self.drives: list[UUID] = []
        self.held: tuple[Any, Any] | None = None  # (name, street) when erased under hold

    def attempt(self, command: Any) -> None:
        """Run a command; a refusal must leave the customer exactly as it was."""
        before = (self.customer.version, repr(self.customer.__dict__))
        try:
            command()
        except DomainError:
            assert (self.customer.version, repr(self.customer.__dict__)) == before
        self.events.extend(self.customer.collect_events())

    @rule(kind=st.sampled_from(TouchpointKind), channel=st.sampled_from(Channel),
          note=st.none() | st.text(max_size=30))
    def touch(self, kind: TouchpointKind, channel: Channel, note: str | None) -> None:
        self.attempt(lambda: self.customer.record_touchpoint(kind=kind, channel=channel,
                                                             note=note, meta=META))

    @rule(model=MODELS)
    def interest(self, model: ModelCode) -> None:
        self.attempt(lambda: self.customer.record_vehicle_interest(model=model, meta=META))

    @rule(model=MODELS)
    def book(self, model: ModelCode) -> None:
        drive = uuid4()
        self.drives.append(drive)
        self.attempt(lambda: self.customer.book_test_drive(test_drive_id=drive, model=model,
                                                           scheduled_at=WHEN, now=WHEN,
                                                           meta=META))

    @rule(data=st.data(), rating=st.integers(-1, 7),
          action=st.sampled_from(["complete", "cancel", "missed", "rebook"]))
    def finish_drive(self, data: st.DataObject, rating: int, action: str) -> None:
        drive = data.draw(st.sampled_from(self.drives)) if self.drives else uuid4()
        commands = {
            "complete": lambda: self.customer.complete_test_drive(
                test_drive_id=drive, rating=rating, notes=None, meta=META),
            "cancel": lambda: self.customer.cancel_test_drive(test_drive_id=drive, meta=META),
            "missed": lambda: self.customer.mark_test_drive_missed(test_drive_id=drive,
                                                                   meta=META),
            "rebook": lambda: self.customer.book_test_drive(
                test_drive_id=drive, model=ModelCode.parse("EV-ONE"), scheduled_at=WHEN,
                now=WHEN, meta=META),
        }
        self.attempt(commands[action])

    @rule(purpose=st.sampled_from(ConsentPurpose), grant=st.booleans())
    def consent(self, purpose: ConsentPurpose, grant: bool) -> None:
        method = self.customer.grant_consent if grant else self.customer.withdraw_consent
        self.attempt(lambda: method(purpose=purpose, meta=META))

    @rule(salesperson=st.sampled_from(["sara", "otto", " ", "x" * 101]))
    def assign(self, salesperson: str) -> None:
        self.attempt(lambda: self.customer.assign_salesperson(salesperson=salesperson,
                                                              meta=META))

    @rule()
    def erase(self) -> None:
        self.attempt(lambda: self.customer.erase_personal_data(meta=META))

    @rule(held_until=st.dates(date(2026, 1, 1), date(2040, 12, 31)))
    def erase_keeping_the_books_fields(self, held_until: date) -> None:
        kept = (self.customer.name.value,
                None if self.customer.street is None else self.customer.street.value)
        erased_before = self.customer.erased
        self.attempt(lambda: self.customer.erase_personal_data(meta=META,
                                                               held_until=held_until))
        if not erased_before:
            self.held = kept

    @rule(today=st.dates(date(2026, 1, 1), date(2041, 12, 31)))
    def end_hold(self, today: date) -> None:
        held_before = self.customer.held
        self.attempt(lambda: self.customer.end_legal_hold(today=today, meta=META))
        if held_before and not self.customer.held:
            self.held = None

    @invariant()
    def version_counts_the_events(self) -> None:
        assert self.customer.version == len(self.events)

    @invariant()
    def ratings_only_on_completed_drives(self) -> None:
        for drive in self.customer.test_drives.values():
            completed = drive.status is TestDriveStatus.COMPLETED
            assert (drive.rating is not None) == completed
            assert drive.rating is None or 1 <= drive.rating <= 5

    @invariant()
    def erased_means_nothing_personal_left_but_what_the_books_hold(self) -> None:
        customer = self.customer
        if not customer.erased:
            return
        assert customer.email.redacted and customer.phone is None
        if customer.company is not None and customer.company.contact is not None:
            assert customer.company.contact.redacted
        if customer.held:
            # Exactly the held fields readable, under the hold key, until the hold ends.
            assert self.held is not None
            assert customer.name.subject == hold_subject_of(customer.id)
            assert customer.name.value == self.held[0]
            street = None if customer.street is None else customer.street.value
            assert street == self.held[1]
        else:
            assert customer.name.redacted and customer.street is None

    @invariant()
    def an_erased_customer_refuses_commands(self) -> None:
        if self.customer.erased:
            with pytest.raises(CustomerErased):
                self.customer.record_touchpoint(kind=TouchpointKind.CALL, channel=Channel.PHONE,
                                                note=None, meta=META)

    @invariant()
    def replay_rebuilds_an_equal_customer(self) -> None:
        replayed = None
        for event in self.events:
            replayed = event.mutate(replayed)
        assert replayed is not None and replayed.__dict__ == self.customer.__dict__


CustomerMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=20,
                                             deadline=None)
TestCustomerMachine = CustomerMachine.TestCase
