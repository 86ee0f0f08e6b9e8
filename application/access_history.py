"""A customer's and their sales' events, folded into the sections of an access report.

Every event is a value given (or a step taken) at a moment by an actor: the sections
keep all of them, oldest first, not only the latest. Personal fields arrive opened by
the application's transcoder, or redacted (`[redacted]`) once the customer was erased.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from application.access_report import (
    AddressChange,
    Assignment,
    BudgetGiven,
    ConsentChange,
    Interest,
    PreferencesChange,
    ProfileChange,
    SaleRecord,
    SaleStep,
    TestDriveRecord,
    TestDriveStep,
    Touchpoint,
)
from domain import events as e
from domain.personal import Personal

__all__ = ["CustomerHistory", "sale_record", "shown"]


def shown(value: Personal[Any] | None) -> str | None:
    """A personal field as text: the value, `[redacted]` once erased, None if not given."""
    return None if value is None else value.shown()


def _text(value: object | None) -> str | None:
    return None if value is None else str(value)


def _rappen(amount: Any | None) -> int | None:
    return None if amount is None else int(amount.rappen)


@dataclass
class _Drive:
    id: UUID
    model: str
    scheduled_at: datetime
    status: str = "booked"
    rating: int | None = None
    notes: str | None = None
    history: list[TestDriveStep] = field(default_factory=list)


@dataclass
class CustomerHistory:
    """The customer's events, section by section (feed them in order with `add`)."""

    profile: list[ProfileChange] = field(default_factory=list)
    addresses: list[AddressChange] = field(default_factory=list)
    preferences: list[PreferencesChange] = field(default_factory=list)
    interests: list[Interest] = field(default_factory=list)
    touchpoints: list[Touchpoint] = field(default_factory=list)
    consents: list[ConsentChange] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    erasure: Any | None = None  # the PersonalDataErased event, if any
    _drives: dict[UUID, _Drive] = field(default_factory=dict)

    def add(self, event: Any) -> None:
        at, actor = event.timestamp, event.meta.actor
        match event:
            case e.CustomerRegistered():
                self._registered(event, at, actor)
            case e.ContactChanged():
                self.profile.append(ProfileChange(
                    change="contact_changed", occurred_at=at, actor=actor,
                    email=shown(event.email) or "", phone=shown(event.phone)))
            case e.AddressChanged():
                self.addresses.append(AddressChange(
                    change="address_changed", occurred_at=at, actor=actor,
                    street=shown(event.street), postal_code=str(event.postal_code),
                    canton=str(event.canton)))
            case e.PreferencesChanged():
                budget = event.budget
                self.preferences.append(PreferencesChange(
                    change="preferences_changed", occurred_at=at, actor=actor,
                    language=str(event.language),
                    budget=None if budget is None else BudgetGiven(
                        minimum=budget.minimum.rappen, maximum=_rappen(budget.maximum))))
            case e.VehicleInterestRecorded():
                self.interests.append(Interest(occurred_at=at, actor=actor,
                                               model=str(event.model)))
            case e.TouchpointRecorded():
                self.touchpoints.append(Touchpoint(
                    occurred_at=at, actor=actor, kind=str(event.kind),
                    channel=str(event.channel), note=shown(event.note)))
            case _:
                self._journey(event, at, actor)

    def test_drives(self) -> list[TestDriveRecord]:
        return [TestDriveRecord(id=d.id, model=d.model, scheduled_at=d.scheduled_at,
                                status=d.status, rating=d.rating, notes=d.notes,
                                history=d.history) for d in self._drives.values()]

    def _registered(self, event: Any, at: datetime, actor: str) -> None:
        self.profile.append(ProfileChange(
            change="registered", occurred_at=at, actor=actor, name=shown(event.name),
            email=shown(event.email) or "", phone=shown(event.phone)))
        self.addresses.append(AddressChange(
            change="registered", occurred_at=at, actor=actor, street=shown(event.street),
            postal_code=str(event.postal_code), canton=str(event.canton)))
        self.preferences.append(PreferencesChange(
            change="registered", occurred_at=at, actor=actor, language=str(event.language),
            budget=None))
        self.assignments.append(Assignment(salesperson=event.salesperson, occurred_at=at,
                                           actor=actor))

    def _journey(self, event: Any, at: datetime, actor: str) -> None:
        match event:
            case e.TestDriveBooked():
                drive = _Drive(event.test_drive_id, str(event.model), event.scheduled_at)
                self._drives[event.test_drive_id] = drive
                drive.history.append(TestDriveStep(status="booked", occurred_at=at, actor=actor))
            case e.TestDriveCompleted():
                drive = self._drives[event.test_drive_id]
                drive.status, drive.rating, drive.notes = "completed", event.rating, shown(
                    event.notes)
                drive.history.append(TestDriveStep(status="completed", occurred_at=at,
                                                   actor=actor))
            case e.TestDriveCancelled() | e.TestDriveMissed():
                status = "cancelled" if isinstance(event, e.TestDriveCancelled) else "missed"
                drive = self._drives[event.test_drive_id]
                drive.status = status
                drive.history.append(TestDriveStep(status=status, occurred_at=at, actor=actor))
            case e.ConsentGranted() | e.ConsentWithdrawn():
                change = "granted" if isinstance(event, e.ConsentGranted) else "withdrawn"
                self.consents.append(ConsentChange(purpose=str(event.purpose), change=change,
                                                   occurred_at=at, actor=actor))
            case e.SalespersonAssigned():
                self.assignments.append(Assignment(salesperson=event.salesperson,
                                                   occurred_at=at, actor=actor))
            case e.PersonalDataErased():
                self.erasure = event


def sale_record(sale_id: UUID, events: list[Any]) -> SaleRecord:
    """One sale with every step and the amounts each set."""
    steps = [_sale_step(event) for event in events]
    opened = events[0]

    def last(name: str) -> Any:
        return next((getattr(s, name) for s in reversed(steps)
                     if getattr(s, name) is not None), None)

    return SaleRecord(
        id=sale_id, model=str(opened.model), salesperson=opened.salesperson,
        status=steps[-1].status, list_price=opened.list_price.rappen,
        quoted_price=last("price"), discount=last("discount"), incentives=last("incentives"),
        deposit=last("deposit"), final_price=last("final_price"), vin=last("vin"),
        delivered_on=last("delivered_on"), cancel_reason=last("cancel_reason"), history=steps)


def _sale_step(event: Any) -> SaleStep:
    at, actor = event.timestamp, event.meta.actor
    match event:
        case e.SaleOpened():
            return SaleStep(status="open", occurred_at=at, actor=actor,
                            list_price=event.list_price.rappen)
        case e.SaleQuoted():
            return SaleStep(status="quoted", occurred_at=at, actor=actor,
                            price=event.price.rappen, discount=event.discount.rappen,
                            incentives=event.incentives.rappen)
        case e.SaleReserved():
            return SaleStep(status="reserved", occurred_at=at, actor=actor,
                            deposit=event.deposit.rappen)
        case e.SaleContractSigned():
            return SaleStep(status="contracted", occurred_at=at, actor=actor,
                            final_price=event.final_price.rappen)
        case e.SaleDelivered():
            return SaleStep(status="delivered", occurred_at=at, actor=actor,
                            vin=_text(event.vin), delivered_on=date.fromisoformat(
                                event.delivered_on))
        case e.SaleCancelled():
            return SaleStep(status="cancelled", occurred_at=at, actor=actor,
                            cancel_reason=str(event.reason))
    raise ValueError(f"not a sale event: {type(event).__name__}")
