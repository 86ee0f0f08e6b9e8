"""The Customer aggregate: a person or company on its journey towards an EV.

Commands (public methods) check the rules, then trigger one past-tense event whose
method body applies it. Personal fields are wrapped in `Personal`, so storage seals
them with this customer's key. After `erase_personal_data` every command is refused.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.customer_facts import (
    Budget,
    Channel,
    Company,
    ConsentPurpose,
    CustomerKind,
    TestDrive,
    TestDriveStatus,
    TouchpointKind,
)
from domain.errors import CustomerErased, InvalidTransition, InvalidValue, UnknownTestDrive
from domain.ids import CustomerID
from domain.meta import EventMeta
from domain.personal import Personal
from domain.text import checked_salesperson, optional_text
from domain.values import (
    Canton,
    CompanyName,
    CompanyUID,
    Email,
    Language,
    ModelCode,
    PersonName,
    Phone,
    PostalCode,
    check_postal_code_in_canton,
)

__all__ = ["BOOKS_LEGAL_BASIS", "Customer", "hold_subject_of"]

MAX_NOTE_LENGTH = 2000
MAX_STREET_LENGTH = 200
# The booking window of a test drive: entered late by up to a month (a drive recorded
# after the fact), planned up to two years ahead. Checked on booking only: a replayed
# `TestDriveBooked` is a fact, however old.
BOOKING_LATE_BY = timedelta(days=30)
BOOKING_AHEAD_BY = timedelta(days=730)
# Why the held fields outlive an erasure: Swiss accounting law's record keeping.
BOOKS_LEGAL_BASIS = "OR Art. 958f"
_HOLD_NAMESPACE = uuid5(NAMESPACE_URL, "https://cis.example/legal-hold")


def hold_subject_of(customer_id: UUID) -> UUID:
    """The subject whose key seals a customer's held fields: derived, so a repeated
    erasure finds the same one, and apart from the customer's own key, which the
    erasure destroys."""
    return uuid5(_HOLD_NAMESPACE, customer_id.hex)


class Customer(Aggregate):
    """Registered once; every later change is an event on it.

    Version 2 (of its snapshots) sealed the company name: a snapshot taken before held
    it in clear, and is upcast as `Registered` v2 is."""

    class_version = 2

    # The legal hold, set by an erasure under hold; class defaults for customers
    # restored from snapshots taken before the hold existed.
    hold_subject: UUID | None = None
    held_until: date | None = None
    hold_basis: str | None = None

    class Registered(Aggregate.Created):
        """Version 2 added kind, phone, street, company and salesperson, and sealed the
        name and e-mail (version 1 stored them in clear); version 3 sealed the company
        name (version 2 stored it in clear)."""

        class_version = 3
        kind: CustomerKind
        name: Personal[PersonName]
        email: Personal[Email]
        phone: Personal[Phone] | None
        street: Personal[str] | None
        postal_code: PostalCode
        canton: Canton
        language: Language
        company: Company | None
        salesperson: str
        meta: EventMeta

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            subject = state["originator_id"]
            state["name"] = Personal(subject, state["name"])
            state["email"] = Personal(subject, state["email"])
            state.update(kind=CustomerKind.PRIVATE, phone=None, street=None, company=None)
            state["salesperson"] = state["meta"].actor

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["company"] = _company_of_v2(state["company"], state["originator_id"])

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        # A snapshot's state has no id: its name is the customer's own (never an erased
        # customer's, which gets no snapshot).
        state["company"] = _company_of_v2(state["company"], state["name"].subject)

    @event(Registered)
    def __init__(
        self,
        *,
        id: UUID,
        kind: CustomerKind,
        name: Personal[PersonName],
        email: Personal[Email],
        phone: Personal[Phone] | None,
        street: Personal[str] | None,
        postal_code: PostalCode,
        canton: Canton,
        language: Language,
        company: Company | None,
        salesperson: str,
        meta: EventMeta,
    ) -> None:
        # StrEnums come back from JSON as plain strings: restore their types.
        self.kind = CustomerKind(kind)
        self.name = name
        self.email = email
        self.phone = phone
        self.street = street
        self.postal_code = postal_code
        self.canton = canton
        self.language = Language(language)
        self.company = company
        self.salesperson = salesperson
        self.budget: Budget | None = None
        self.interests: list[ModelCode] = []
        self.touchpoints = 0
        self.test_drives: dict[UUID, TestDrive] = {}
        self.consents: set[ConsentPurpose] = set()
        self.erased = False

    @classmethod
    def register(
        cls,
        *,
        customer_id: CustomerID,
        name: PersonName,
        email: Email,
        postal_code: PostalCode,
        canton: Canton,
        language: Language,
        salesperson: str,
        meta: EventMeta,
        phone: Phone | None = None,
        street: str | None = None,
        company_name: str | None = None,
        company_uid: CompanyUID | None = None,
        company_contact: PersonName | None = None,
    ) -> Customer:
        check_postal_code_in_canton(postal_code, canton)
        company = _company(customer_id, company_name, company_uid, company_contact)
        return cls(
            id=customer_id,
            kind=CustomerKind.BUSINESS if company else CustomerKind.PRIVATE,
            name=Personal(customer_id, name),
            email=Personal(customer_id, email),
            phone=_personal(customer_id, phone),
            street=_personal(customer_id, _street(street)),
            postal_code=postal_code,
            canton=canton,
            language=language,
            company=company,
            salesperson=checked_salesperson(salesperson),
            meta=meta,
        )

    # -- contact, address, preferences ---------------------------------------

    def change_contact(self, *, email: Email, phone: Phone | None, meta: EventMeta) -> None:
        self._refuse_if_erased()
        self._contact_changed(email=Personal(self.id, email), phone=_personal(self.id, phone),
                              meta=meta)

    @event("ContactChanged")
    def _contact_changed(
        self, *, email: Personal[Email], phone: Personal[Phone] | None, meta: EventMeta
    ) -> None:
        self.email = email
        self.phone = phone

    def change_address(
        self, *, street: str | None, postal_code: PostalCode, canton: Canton, meta: EventMeta
    ) -> None:
        self._refuse_if_erased()
        check_postal_code_in_canton(postal_code, canton)
        self._address_changed(street=_personal(self.id, _street(street)),
                              postal_code=postal_code, canton=canton, meta=meta)

    @event("AddressChanged")
    def _address_changed(
        self, *, street: Personal[str] | None, postal_code: PostalCode, canton: Canton,
        meta: EventMeta,
    ) -> None:
        self.street = street
        self.postal_code = postal_code
        self.canton = canton

    def change_preferences(
        self, *, language: Language, budget: Budget | None, meta: EventMeta
    ) -> None:
        self._refuse_if_erased()
        self._preferences_changed(language=language, budget=budget, meta=meta)

    @event("PreferencesChanged")
    def _preferences_changed(
        self, *, language: Language, budget: Budget | None, meta: EventMeta
    ) -> None:
        self.language = Language(language)
        self.budget = budget

    # -- journey ---------------------------------------------------------------

    def record_vehicle_interest(self, *, model: ModelCode, meta: EventMeta) -> None:
        self._refuse_if_erased()
        self._vehicle_interest_recorded(model=model, meta=meta)

    @event("VehicleInterestRecorded")
    def _vehicle_interest_recorded(self, *, model: ModelCode, meta: EventMeta) -> None:
        if model not in self.interests:
            self.interests.append(model)

    def record_touchpoint(
        self, *, kind: TouchpointKind, channel: Channel, note: str | None, meta: EventMeta
    ) -> None:
        self._refuse_if_erased()
        self._touchpoint_recorded(kind=kind, channel=channel,
                                  note=_personal(self.id, _note(note, "note")),
                                  meta=meta)

    @event("TouchpointRecorded")
    def _touchpoint_recorded(
        self, *, kind: TouchpointKind, channel: Channel, note: Personal[str] | None,
        meta: EventMeta,
    ) -> None:
        self.touchpoints += 1

    # -- test drives -------------------------------------------------------------

    def book_test_drive(
        self, *, test_drive_id: UUID, model: ModelCode, scheduled_at: datetime, now: datetime,
        meta: EventMeta,
    ) -> None:
        """Book for `scheduled_at`, which must lie in the booking window around `now`
        (the caller's clock: the domain has none)."""
        self._refuse_if_erased()
        if test_drive_id in self.test_drives:
            raise InvalidTransition(f"test drive {test_drive_id} is already booked")
        if scheduled_at.tzinfo is None:
            raise InvalidValue("scheduled_at", "must include a time zone")
        if not now - BOOKING_LATE_BY <= scheduled_at <= now + BOOKING_AHEAD_BY:
            raise InvalidValue("scheduled_at", f"must be at most {BOOKING_LATE_BY.days} days "
                               f"ago and at most {BOOKING_AHEAD_BY.days} days ahead")
        self._test_drive_booked(test_drive_id=test_drive_id, model=model,
                                scheduled_at=scheduled_at, meta=meta)

    @event("TestDriveBooked")
    def _test_drive_booked(
        self, *, test_drive_id: UUID, model: ModelCode, scheduled_at: datetime, meta: EventMeta
    ) -> None:
        self.test_drives[test_drive_id] = TestDrive(test_drive_id, model, scheduled_at)

    def complete_test_drive(
        self, *, test_drive_id: UUID, rating: int, notes: str | None, meta: EventMeta
    ) -> None:
        self._booked_test_drive(test_drive_id, "complete")
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            raise InvalidValue("rating", "must be a whole number from 1 to 5")
        self._test_drive_completed(test_drive_id=test_drive_id, rating=rating,
                                   notes=_personal(self.id, _note(notes, "notes")),
                                   meta=meta)

    @event("TestDriveCompleted")
    def _test_drive_completed(
        self, *, test_drive_id: UUID, rating: int, notes: Personal[str] | None, meta: EventMeta
    ) -> None:
        self._set_test_drive(test_drive_id, TestDriveStatus.COMPLETED, rating)

    def cancel_test_drive(self, *, test_drive_id: UUID, meta: EventMeta) -> None:
        self._booked_test_drive(test_drive_id, "cancel")
        self._test_drive_cancelled(test_drive_id=test_drive_id, meta=meta)

    @event("TestDriveCancelled")
    def _test_drive_cancelled(self, *, test_drive_id: UUID, meta: EventMeta) -> None:
        self._set_test_drive(test_drive_id, TestDriveStatus.CANCELLED)

    def mark_test_drive_missed(self, *, test_drive_id: UUID, meta: EventMeta) -> None:
        self._booked_test_drive(test_drive_id, "mark as no-show")
        self._test_drive_missed(test_drive_id=test_drive_id, meta=meta)

    @event("TestDriveMissed")
    def _test_drive_missed(self, *, test_drive_id: UUID, meta: EventMeta) -> None:
        self._set_test_drive(test_drive_id, TestDriveStatus.MISSED)

    # -- consent and assignment ------------------------------------------------

    def grant_consent(self, *, purpose: ConsentPurpose, meta: EventMeta) -> bool:
        """Grant a consent; False (and no event) when it was already granted."""
        self._refuse_if_erased()
        if purpose in self.consents:
            return False
        self._consent_granted(purpose=purpose, meta=meta)
        return True

    @event("ConsentGranted")
    def _consent_granted(self, *, purpose: ConsentPurpose, meta: EventMeta) -> None:
        self.consents.add(ConsentPurpose(purpose))

    def withdraw_consent(self, *, purpose: ConsentPurpose, meta: EventMeta) -> bool:
        """Withdraw a consent; False (and no event) when it was not granted."""
        self._refuse_if_erased()
        if purpose not in self.consents:
            return False
        self._consent_withdrawn(purpose=purpose, meta=meta)
        return True

    @event("ConsentWithdrawn")
    def _consent_withdrawn(self, *, purpose: ConsentPurpose, meta: EventMeta) -> None:
        self.consents.discard(ConsentPurpose(purpose))

    def assign_salesperson(self, *, salesperson: str, meta: EventMeta) -> bool:
        """Assign the customer; False (and no event) when already assigned to them."""
        self._refuse_if_erased()
        checked = checked_salesperson(salesperson)
        if checked == self.salesperson:
            return False
        self._salesperson_assigned(salesperson=checked, meta=meta)
        return True

    @event("SalespersonAssigned")
    def _salesperson_assigned(self, *, salesperson: str, meta: EventMeta) -> None:
        self.salesperson = salesperson

    # -- DSG erasure and the books' legal hold ---------------------------------

    class PersonalDataErased(Aggregate.Event):
        """Version 2 added the legal hold: the fields the books must keep (OR Art. 958f),
        sealed under a key of their own (`hold_subject`), and until when; version 3 the
        company name among them (sealed since `Registered` v3)."""

        class_version = 3
        meta: EventMeta
        hold_subject: UUID | None
        held_name: Personal[PersonName] | None
        held_street: Personal[str] | None
        held_company_name: Personal[CompanyName] | None
        held_until: str | None  # ISO date, the hold's last day
        hold_basis: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.update(hold_subject=None, held_name=None, held_street=None, held_until=None,
                         hold_basis=None)

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["held_company_name"] = None

    def erase_personal_data(self, *, meta: EventMeta, held_until: date | None = None) -> None:
        """Erase everything personal; with `held_until`, keep the fields the books need
        (`HELD_FIELDS`: name, street and company name are the personal ones) under a hold
        key until then."""
        self._refuse_if_erased()
        if held_until is None:
            self._personal_data_erased(meta=meta, hold_subject=None, held_name=None,
                                       held_street=None, held_company_name=None,
                                       held_until=None, hold_basis=None)
            return
        if isinstance(held_until, datetime) or not isinstance(held_until, date):
            raise InvalidValue("held_until", "must be a date without a time")
        company_name = None if self.company is None else self.company.name
        if any(field is not None and field.value is None
               for field in (self.name, self.street, company_name)):
            raise InvalidTransition("the held fields cannot be read, so they cannot be kept "
                                    "under a hold")
        hold = hold_subject_of(self.id)
        street = None if self.street is None else self.street.value
        self._personal_data_erased(
            meta=meta, hold_subject=hold, held_name=Personal(hold, self.name.value),
            held_street=_personal(hold, street),
            held_company_name=None if company_name is None else Personal(hold,
                                                                         company_name.value),
            held_until=held_until.isoformat(), hold_basis=BOOKS_LEGAL_BASIS)

    @event(PersonalDataErased)
    def _personal_data_erased(
        self, *, meta: EventMeta, hold_subject: UUID | None,
        held_name: Personal[PersonName] | None, held_street: Personal[str] | None,
        held_company_name: Personal[CompanyName] | None,
        held_until: str | None, hold_basis: str | None,
    ) -> None:
        redacted: Personal[Any] = Personal(self.id, None)
        self.name = held_name if held_name is not None else redacted
        self.email = redacted
        self.phone = None
        self.street = held_street
        if self.company is not None:
            company_name = held_company_name or redacted
            if hold_subject is not None and held_company_name is None:
                # A v2 erasure under hold, written when every company name was stored in
                # clear (`Registered` v2): the books keep it, as they did then.
                company_name = self.company.name
            self.company = Company(company_name, self.company.uid,
                                   None if self.company.contact is None else redacted)
        self.erased = True
        self.hold_subject = hold_subject
        self.held_until = None if held_until is None else date.fromisoformat(held_until)
        self.hold_basis = hold_basis

    @property
    def held(self) -> bool:
        """Erased, with the books' fields still kept under a hold."""
        return self.erased and self.held_until is not None

    def end_legal_hold(self, *, today: date, meta: EventMeta) -> UUID:
        """End the books' hold once it has run out; answers the hold key's subject,
        which the caller destroys with this event."""
        if not self.held or self.hold_subject is None or self.held_until is None:
            raise InvalidTransition(f"customer {self.id} has no legal hold")
        if today <= self.held_until:
            raise InvalidTransition(f"the legal hold runs until {self.held_until.isoformat()}")
        subject = self.hold_subject
        self._legal_hold_ended(hold_subject=subject, meta=meta)
        return subject

    @event("LegalHoldEnded")
    def _legal_hold_ended(self, *, hold_subject: UUID, meta: EventMeta) -> None:
        self.name = Personal(hold_subject, None)
        self.street = None
        if self.company is not None:
            self.company = Company(Personal(hold_subject, None), self.company.uid,
                                   self.company.contact)
        self.held_until = None

    # -- rules -----------------------------------------------------------------

    def _refuse_if_erased(self) -> None:
        if self.erased:
            raise CustomerErased(f"customer {self.id} was erased; only audit reads remain")

    def _booked_test_drive(self, test_drive_id: UUID, action: str) -> TestDrive:
        self._refuse_if_erased()
        drive = self.test_drives.get(test_drive_id)
        if drive is None:
            raise UnknownTestDrive(f"no test drive {test_drive_id} for this customer")
        if drive.status is not TestDriveStatus.BOOKED:
            raise InvalidTransition(f"cannot {action} a test drive that is {drive.status.value}")
        return drive

    def _set_test_drive(
        self, test_drive_id: UUID, status: TestDriveStatus, rating: int | None = None
    ) -> None:
        drive = self.test_drives[test_drive_id]
        self.test_drives[test_drive_id] = TestDrive(drive.id, drive.model, drive.scheduled_at,
                                                    status, rating)


def _personal(subject: UUID, value: Any) -> Personal[Any] | None:
    return None if value is None else Personal(subject, value)


def _street(value: str | None) -> str | None:
    return optional_text(value, field="street", max_length=MAX_STREET_LENGTH)


def _note(value: str | None, field: str) -> str | None:
    return optional_text(value, field=field, max_length=MAX_NOTE_LENGTH, multiline=True)


def _company(
    subject: UUID, name: str | None, uid: CompanyUID | None, contact: PersonName | None
) -> Company | None:
    if name is None and uid is None:
        if contact is not None:
            raise InvalidValue("company_contact", "only business customers have a company contact")
        return None
    if name is None:
        raise InvalidValue("company_name", "a business customer needs the company name")
    if uid is None:
        raise InvalidValue("company_uid", "a business customer needs the company UID")
    return Company(Personal(subject, CompanyName.parse(name)), uid, _personal(subject, contact))


def _company_of_v2(company: dict[str, Any] | None, subject: UUID) -> Company | None:
    """The company of a `Registered` v2 event or a v1 snapshot, which held its name in
    clear: the transcoder gives it as its stored fields (`{"name", "uid", "contact"}`),
    made here a `Company` whose name is `subject`'s `Personal`. The value stays in clear
    where it was stored: an erasure redacts it in the customer, but cannot shred it."""
    if company is None:
        return None
    return Company(Personal(subject, CompanyName(company["name"])), company["uid"],
                   company["contact"])
