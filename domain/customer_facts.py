"""The small facts a Customer is made of: kinds, channels, consents, budget, company."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.errors import InvalidValue
from domain.personal import Personal
from domain.values import CompanyName, CompanyUID, ModelCode, Money, PersonName

__all__ = [
    "Budget",
    "Channel",
    "Company",
    "ConsentPurpose",
    "CustomerKind",
    "TestDrive",
    "TestDriveStatus",
    "TouchpointKind",
]


class CustomerKind(StrEnum):
    PRIVATE = "private"
    BUSINESS = "business"


class TouchpointKind(StrEnum):
    WEBSITE_VISIT = "website_visit"
    SHOWROOM_VISIT = "showroom_visit"
    CONFIGURATOR = "configurator"
    BROCHURE = "brochure"
    CALL = "call"
    EMAIL = "email"
    EVENT = "event"


class Channel(StrEnum):
    WEB = "web"
    SHOWROOM = "showroom"
    PHONE = "phone"
    EMAIL = "email"
    MAIL = "mail"
    EVENT = "event"
    DEALER = "dealer"


class ConsentPurpose(StrEnum):
    MARKETING = "marketing"
    PROFILING = "profiling"


class TestDriveStatus(StrEnum):
    BOOKED = "booked"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    MISSED = "missed"  # the customer did not show up


@dataclass(frozen=True, slots=True)
class Budget:
    """What the customer means to spend, in CHF; `maximum` None means open-ended."""

    minimum: Money
    maximum: Money | None = None

    def __post_init__(self) -> None:
        if self.maximum is not None and self.maximum < self.minimum:
            raise InvalidValue("budget", "maximum is below minimum")


@dataclass(frozen=True, slots=True)
class Company:
    """A business customer's company. The UID is public register data; the name is
    personal, like the contact person: a sole proprietorship's name holds its owner's
    surname (OR Art. 945), and which companies are sole proprietorships cannot be told
    reliably, so every company name is sealed with the customer's key."""

    name: Personal[CompanyName]
    uid: CompanyUID
    contact: Personal[PersonName] | None = None


@dataclass(frozen=True, slots=True)
class TestDrive:
    """One test drive of the customer, as far as it got."""

    __test__ = False  # not a pytest test class, despite the name

    id: UUID
    model: ModelCode
    scheduled_at: datetime
    status: TestDriveStatus = TestDriveStatus.BOOKED
    rating: int | None = None
