"""Customer use cases: one method per command of the Customer aggregate."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from application.written import Written
from domain.customer import Customer
from domain.customer_facts import Budget, Channel, ConsentPurpose, TouchpointKind
from domain.ids import CustomerID
from domain.meta import EventMeta
from domain.values import Canton, Email, Language, ModelCode, Phone, PostalCode

__all__ = ["CustomerUseCases"]


class CustomerUseCases:
    """Mixed into the Application; `_change`, `_get` and `_save` come from there."""

    _change: Any
    _get: Any
    _save: Any
    _listed_model: Any

    def register_customer(self, **registration: Any) -> Written:
        """Register a customer; takes `Customer.register`'s arguments but the id."""
        customer = Customer.register(customer_id=CustomerID(uuid4()), **registration)
        return self._save(customer)  # type: ignore[no-any-return]

    def get_customer(self, customer_id: UUID) -> Customer:
        return self._get(customer_id, Customer)  # type: ignore[no-any-return]

    def change_contact(self, customer_id: UUID, *, email: Email, phone: Phone | None,
                       meta: EventMeta, expected_version: int | None = None) -> Written:
        return self._on_customer(customer_id, expected_version,
                                 lambda c: c.change_contact(email=email, phone=phone, meta=meta))

    def change_address(self, customer_id: UUID, *, street: str | None, postal_code: PostalCode,
                       canton: Canton, meta: EventMeta,
                       expected_version: int | None = None) -> Written:
        return self._on_customer(customer_id, expected_version, lambda c: c.change_address(
            street=street, postal_code=postal_code, canton=canton, meta=meta))

    def change_preferences(self, customer_id: UUID, *, language: Language,
                           budget: Budget | None, meta: EventMeta,
                           expected_version: int | None = None) -> Written:
        return self._on_customer(customer_id, expected_version, lambda c: c.change_preferences(
            language=language, budget=budget, meta=meta))

    def record_vehicle_interest(self, customer_id: UUID, *, model: ModelCode, meta: EventMeta,
                                expected_version: int | None = None) -> Written:
        self._listed_model(model)
        return self._on_customer(customer_id, expected_version,
                                 lambda c: c.record_vehicle_interest(model=model, meta=meta))

    def record_touchpoint(self, customer_id: UUID, *, kind: TouchpointKind, channel: Channel,
                          note: str | None, meta: EventMeta,
                          expected_version: int | None = None) -> Written:
        return self._on_customer(customer_id, expected_version, lambda c: c.record_touchpoint(
            kind=kind, channel=channel, note=note, meta=meta))

    def book_test_drive(self, customer_id: UUID, *, model: ModelCode, scheduled_at: datetime,
                        meta: EventMeta, expected_version: int | None = None) -> Written:
        """Book a test drive; the answer's `id` is the new test drive's id."""
        test_drive_id = uuid4()
        self._listed_model(model)
        now = datetime.now(UTC)
        written = self._change(customer_id, Customer, lambda c: c.book_test_drive(
            test_drive_id=test_drive_id, model=model, scheduled_at=scheduled_at, now=now,
            meta=meta), expected_version, answer_id=test_drive_id)
        return Written(test_drive_id, written.version, written.position)

    def complete_test_drive(self, customer_id: UUID, test_drive_id: UUID, *, rating: int,
                            notes: str | None, meta: EventMeta,
                            expected_version: int | None = None) -> Written:
        return self._on_customer(customer_id, expected_version, lambda c: c.complete_test_drive(
            test_drive_id=test_drive_id, rating=rating, notes=notes, meta=meta))

    def cancel_test_drive(self, customer_id: UUID, test_drive_id: UUID, *, meta: EventMeta,
                          expected_version: int | None = None) -> Written:
        return self._on_customer(customer_id, expected_version, lambda c: c.cancel_test_drive(
            test_drive_id=test_drive_id, meta=meta))

    def mark_test_drive_missed(self, customer_id: UUID, test_drive_id: UUID, *,
                               meta: EventMeta, expected_version: int | None = None) -> Written:
        return self._on_customer(customer_id, expected_version,
                                 lambda c: c.mark_test_drive_missed(test_drive_id=test_drive_id,
                                                                    meta=meta))

    def grant_consent(self, customer_id: UUID, *, purpose: ConsentPurpose, meta: EventMeta,
                      expected_version: int | None = None) -> Written:
        return self._on_customer(customer_id, expected_version,
                                 lambda c: c.grant_consent(purpose=purpose, meta=meta))

    def withdraw_consent(self, customer_id: UUID, *, purpose: ConsentPurpose, meta: EventMeta,
                         expected_version: int | None = None) -> Written:
        return self._on_customer(customer_id, expected_version,
                                 lambda c: c.withdraw_consent(purpose=purpose, meta=meta))

    def assign_salesperson(self, customer_id: UUID, *, salesperson: str, meta: EventMeta,
                           expected_version: int | None = None) -> Written:
        return self._on_customer(customer_id, expected_version,
                                 lambda c: c.assign_salesperson(salesperson=salesperson,
                                                                meta=meta))

    def _on_customer(self, customer_id: UUID, expected_version: int | None,
                     command: Any) -> Written:
        return self._change(customer_id, Customer, command, expected_version)  # type: ignore[no-any-return]
