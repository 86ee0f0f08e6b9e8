"""Customer use cases: one method per command of the Customer aggregate.

`acting_as` (every command but registration): who acts; a salesperson may act on the
customers assigned to them only, checked on the customer the command changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID, uuid4

from application.acting import Actor, require_assigned
from application.aggregate_store import AggregateStore
from application.written import Written
from domain import values
from domain.customer import Customer
from domain.customer_facts import Budget, Channel, ConsentPurpose, TouchpointKind
from domain.ids import CustomerID
from domain.meta import EventMeta
from domain.values import Canton, Email, Language, ModelCode, Phone, PostalCode

__all__ = ["NOT_ASSIGNED", "CustomerUseCases"]

NOT_ASSIGNED = "this customer is assigned to another salesperson"


class CustomerUseCases(AggregateStore):
    def register_customer(
        self, *, name: values.PersonName, email: Email, postal_code: PostalCode, canton: Canton,
        language: Language, salesperson: str, meta: EventMeta, phone: Phone | None = None,
        street: str | None = None, company_name: str | None = None,
        company_uid: values.CompanyUID | None = None,
        company_contact: values.PersonName | None = None,
    ) -> Written:
        """Register a customer under a new id (see `Customer.register`)."""
        customer = Customer.register(
            customer_id=CustomerID(uuid4()), name=name, email=email, postal_code=postal_code,
            canton=canton, language=language, salesperson=salesperson, meta=meta, phone=phone,
            street=street, company_name=company_name, company_uid=company_uid,
            company_contact=company_contact)
        return self._save(customer)

    def get_customer(self, customer_id: UUID) -> Customer:
        return self._get(customer_id, Customer)

    def change_contact(self, customer_id: UUID, *, email: Email, phone: Phone | None,
                       meta: EventMeta, expected_version: int | None = None,
                       acting_as: Actor | None = None) -> Written:
        return self._on_customer(customer_id, expected_version, acting_as,
                                 lambda c: c.change_contact(email=email, phone=phone, meta=meta))

    def change_address(self, customer_id: UUID, *, street: str | None, postal_code: PostalCode,
                       canton: Canton, meta: EventMeta, expected_version: int | None = None,
                       acting_as: Actor | None = None) -> Written:
        return self._on_customer(customer_id, expected_version, acting_as, lambda c:
                                 c.change_address(street=street, postal_code=postal_code,
                                                  canton=canton, meta=meta))

    def change_preferences(self, customer_id: UUID, *, language: Language,
                           budget: Budget | None, meta: EventMeta,
                           expected_version: int | None = None,
                           acting_as: Actor | None = None) -> Written:
        return self._on_customer(customer_id, expected_version, acting_as, lambda c:
                                 c.change_preferences(language=language, budget=budget,
                                                      meta=meta))

    def record_vehicle_interest(self, customer_id: UUID, *, model: ModelCode, meta: EventMeta,
                                expected_version: int | None = None,
                                acting_as: Actor | None = None) -> Written:
        return self._on_customer(customer_id, expected_version, acting_as,
                                 lambda c: c.record_vehicle_interest(model=model, meta=meta),
                                 listed=model)

    def record_touchpoint(self, customer_id: UUID, *, kind: TouchpointKind, channel: Channel,
                          note: str | None, meta: EventMeta, expected_version: int | None = None,
                          acting_as: Actor | None = None) -> Written:
        return self._on_customer(customer_id, expected_version, acting_as, lambda c:
                                 c.record_touchpoint(kind=kind, channel=channel, note=note,
                                                     meta=meta))

    def book_test_drive(self, customer_id: UUID, *, model: ModelCode, scheduled_at: datetime,
                        meta: EventMeta, expected_version: int | None = None,
                        acting_as: Actor | None = None) -> Written:
        """Book a test drive; the answer's `id` is the new test drive's id."""
        test_drive_id = uuid4()
        now = datetime.now(UTC)
        written = self._on_customer(customer_id, expected_version, acting_as, lambda c:
                                    c.book_test_drive(test_drive_id=test_drive_id, model=model,
                                                      scheduled_at=scheduled_at, now=now,
                                                      meta=meta),
                                    listed=model, answer_id=test_drive_id)
        return Written(test_drive_id, written.version, written.position)

    def complete_test_drive(self, customer_id: UUID, test_drive_id: UUID, *, rating: int,
                            notes: str | None, meta: EventMeta,
                            expected_version: int | None = None,
                            acting_as: Actor | None = None) -> Written:
        return self._on_customer(customer_id, expected_version, acting_as, lambda c:
                                 c.complete_test_drive(test_drive_id=test_drive_id,
                                                       rating=rating, notes=notes, meta=meta))

    def cancel_test_drive(self, customer_id: UUID, test_drive_id: UUID, *, meta: EventMeta,
                          expected_version: int | None = None,
                          acting_as: Actor | None = None) -> Written:
        return self._on_customer(customer_id, expected_version, acting_as, lambda c:
                                 c.cancel_test_drive(test_drive_id=test_drive_id, meta=meta))

    def mark_test_drive_missed(self, customer_id: UUID, test_drive_id: UUID, *,
                               meta: EventMeta, expected_version: int | None = None,
                               acting_as: Actor | None = None) -> Written:
        return self._on_customer(customer_id, expected_version, acting_as, lambda c:
                                 c.mark_test_drive_missed(test_drive_id=test_drive_id,
                                                          meta=meta))

    def grant_consent(self, customer_id: UUID, *, purpose: ConsentPurpose, meta: EventMeta,
                      expected_version: int | None = None,
                      acting_as: Actor | None = None) -> Written:
        return self._on_customer(customer_id, expected_version, acting_as,
                                 lambda c: c.grant_consent(purpose=purpose, meta=meta))

    def withdraw_consent(self, customer_id: UUID, *, purpose: ConsentPurpose, meta: EventMeta,
                         expected_version: int | None = None,
                         acting_as: Actor | None = None) -> Written:
        return self._on_customer(customer_id, expected_version, acting_as,
                                 lambda c: c.withdraw_consent(purpose=purpose, meta=meta))

    def assign_salesperson(self, customer_id: UUID, *, salesperson: str, meta: EventMeta,
                           expected_version: int | None = None,
                           acting_as: Actor | None = None) -> Written:
        return self._on_customer(customer_id, expected_version, acting_as, lambda c:
                                 c.assign_salesperson(salesperson=salesperson, meta=meta))

    def _on_customer(self, customer_id: UUID, expected_version: int | None,
                     acting_as: Actor | None, command: Callable[[Customer], object], *,
                     listed: ModelCode | None = None, answer_id: UUID | None = None) -> Written:
        """`listed`: the model the command names, which must be on sale (checked after
        who acts, before the version, as the HTTP API has always answered)."""

        def check(customer: Customer) -> None:
            require_assigned(acting_as, customer, NOT_ASSIGNED)
            if listed is not None:
                self._listed_model(listed)

        save_kwargs = {} if answer_id is None else {"answer_id": answer_id}
        return self._change(customer_id, Customer, command, expected_version, check=check,
                            **save_kwargs)
