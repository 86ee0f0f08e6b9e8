"""Which e-mail an integration event asks for, and whether it may go out at send time.

Two moments, two rules. When an event arrives, `plan` says what it changes in the
outbox: messages to send (now or, for a reminder, later), reminders to cancel, the
marketing audience. That is decided from the event alone (plus the sale's customer),
never from personal data. When a message is due, `refusal` looks at the customer as
the application knows them *then* (contact data opened from the sealed events, consents,
test drives): an erased customer, a withdrawn marketing consent or a cancelled test
drive stop it. Messages about the customer's own bookings and contract are service
messages and need no marketing consent; the incentive mail is marketing and does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from application import integration_events as i
from domain.customer_facts import TestDriveStatus
from domain.values import Language

__all__ = [
    "MARKETING",
    "REMINDER_AHEAD",
    "AudienceChange",
    "Campaign",
    "Outgoing",
    "Plan",
    "Recipient",
    "SaleFacts",
    "Template",
    "message_id",
    "outbox_id",
    "plan",
    "refusal",
]

REMINDER_AHEAD = timedelta(hours=24)
_OUTBOX_NAMESPACE = uuid5(NAMESPACE_URL, "urn:cis:notification")


class Template(StrEnum):
    """One kind of e-mail; the name of its templates."""

    TEST_DRIVE_CONFIRMATION = "test_drive_confirmation"
    TEST_DRIVE_REMINDER = "test_drive_reminder"
    QUOTE = "sale_quoted"
    CONTRACT = "contract_signed"
    DELIVERY = "sale_delivered"
    INCENTIVE = "canton_incentive"


MARKETING = frozenset({Template.INCENTIVE})
_ABOUT_A_TEST_DRIVE = frozenset({Template.TEST_DRIVE_CONFIRMATION, Template.TEST_DRIVE_REMINDER})


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One e-mail to one customer, due at `due_at`. `details` hold what the template
    shows besides the person: models, dates, amounts (never personal data)."""

    template: Template
    customer_id: UUID
    due_at: datetime
    details: dict[str, Any]
    test_drive_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class AudienceChange:
    """What the marketing audience learns about a customer; None: unchanged."""

    customer_id: UUID
    canton: str | None = None
    marketing: bool | None = None
    contracted: bool | None = None
    # A contract signed, or a sale cancelled (which ends its contract, if it had one):
    # "has a contract" is then whether any signed sale of the customer still stands.
    signed_sale: UUID | None = None
    cancelled_sale: UUID | None = None


@dataclass(frozen=True, slots=True)
class Campaign:
    """A marketing e-mail to every customer of `canton` with marketing consent and no
    contract, as the audience stands when the event is handled."""

    canton: str
    due_at: datetime
    details: dict[str, Any]
    template: Template = Template.INCENTIVE


@dataclass(frozen=True, slots=True)
class Plan:
    """What one integration event changes in the outbox, written in one transaction."""

    messages: tuple[Outgoing, ...] = ()
    cancel_reminder_of: UUID | None = None  # a test drive
    erased: UUID | None = None  # a customer: nothing pending for them goes out
    audience: AudienceChange | None = None
    campaign: Campaign | None = None

    @property
    def changes_nothing(self) -> bool:
        return self == Plan()


@dataclass(frozen=True, slots=True)
class SaleFacts:
    """Of the sale an event is about: whose it is and which model (from the app)."""

    customer_id: UUID
    model: str
    list_price: int


@dataclass(frozen=True, slots=True)
class Recipient:
    """The customer at send time, opened from the sealed personal data."""

    erased: bool
    name: str | None
    email: str | None
    language: Language
    marketing_consent: bool
    test_drives: dict[UUID, tuple[TestDriveStatus, datetime]]


def plan(event: i.IntegrationEvent, *, sale: SaleFacts | None = None,
         canton: str | None = None) -> Plan:
    """What `event` asks of the outbox. Sale events need `sale`, an incentive change
    its `canton` (both looked up by the caller: the events do not carry them)."""
    match event:
        case i.TestDriveBooked():
            return _booked(event)
        case i.TestDriveCancelled() | i.TestDriveMissed() | i.TestDriveCompleted():
            return Plan(cancel_reminder_of=event.test_drive_id)
        case i.PersonalDataErased():
            return Plan(erased=event.customer_id)
        case i.CustomerRegistered() | i.AddressChanged():
            return Plan(audience=AudienceChange(event.customer_id, canton=event.canton))
        case i.ConsentGranted() | i.ConsentWithdrawn() if event.purpose == "marketing":
            return Plan(audience=AudienceChange(
                event.customer_id, marketing=isinstance(event, i.ConsentGranted)))
        case i.SaleQuoted() | i.SaleContractSigned() | i.SaleDelivered() if sale is not None:
            return _about_sale(event, sale)
        case i.SaleCancelled() if sale is not None:
            return Plan(audience=AudienceChange(sale.customer_id, cancelled_sale=event.sale_id))
        case i.IncentiveDeclared() | i.IncentiveChanged() if canton is not None:
            return Plan(campaign=Campaign(canton, event.occurred_at, {
                "canton": canton, "amount": event.amount, "description": event.description}))
    return Plan()


def _booked(event: i.TestDriveBooked) -> Plan:
    details = {"model": event.model, "scheduled_at": event.scheduled_at.isoformat()}
    confirmation = Outgoing(Template.TEST_DRIVE_CONFIRMATION, event.customer_id,
                            event.occurred_at, details, event.test_drive_id)
    reminder_at = event.scheduled_at - REMINDER_AHEAD
    if reminder_at <= event.occurred_at:  # booked less than a day ahead: no reminder
        return Plan(messages=(confirmation,))
    reminder = Outgoing(Template.TEST_DRIVE_REMINDER, event.customer_id, reminder_at,
                        details, event.test_drive_id)
    return Plan(messages=(confirmation, reminder))


def _about_sale(event: i.SaleQuoted | i.SaleContractSigned | i.SaleDelivered,
                sale: SaleFacts) -> Plan:
    details: dict[str, Any] = {"model": sale.model, "sale_id": str(event.sale_id)}
    audience = None
    match event:
        case i.SaleQuoted():
            template = Template.QUOTE
            details.update(list_price=sale.list_price, price=event.price,
                           discount=event.discount, incentives=event.incentives)
        case i.SaleContractSigned():
            template = Template.CONTRACT
            details.update(final_price=event.final_price)
            audience = AudienceChange(sale.customer_id, contracted=True,
                                      signed_sale=event.sale_id)
        case i.SaleDelivered():
            template = Template.DELIVERY
            details.update(delivered_on=event.delivered_on)
    message = Outgoing(template, sale.customer_id, event.occurred_at, details)
    return Plan(messages=(message,), audience=audience)


def refusal(template: Template, recipient: Recipient, *, now: datetime,
            test_drive_id: UUID | None, contracted: bool) -> str | None:
    """Why this message must not go out now (recorded with it), or None to send it."""
    if recipient.erased:
        return "erased"
    if not recipient.email:
        return "no e-mail"
    if template in MARKETING:
        if not recipient.marketing_consent:
            return "no marketing consent"
        if contracted:
            return "has a contract"
    if template in _ABOUT_A_TEST_DRIVE and test_drive_id is not None:
        status, scheduled_at = recipient.test_drives.get(
            test_drive_id, (TestDriveStatus.CANCELLED, now))
        if status is not TestDriveStatus.BOOKED:
            return f"test drive {status.value}"
        if scheduled_at <= now:
            return "test drive already begun"
    return None


def outbox_id(event_id: UUID, template: Template, customer_id: UUID) -> UUID:
    """The outbox row of this (event, template, customer): the same on every delivery."""
    return uuid5(_OUTBOX_NAMESPACE, f"{event_id}/{template}/{customer_id}")


def message_id(row_id: UUID, domain: str) -> str:
    """The e-mail's Message-ID, derived from its outbox row: a resend carries the same."""
    return f"<{row_id}@{domain}>"
