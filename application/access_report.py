"""The answer to a DSG access request (revDSG Art. 25): everything held about one person.

One document, in sections a person can follow: what we hold (every value ever given,
when and from whom), what we derived from it (the lead score and how it is computed),
who looked at it, who receives what, how long it is kept and why. Money is CHF in
Rappen, times are aware datetimes (UTC in JSON); a personal value that was erased reads
`[redacted]`. Codes (`kind`, `channel`, `status`, `purpose`) are the API's own values;
the HTML version translates them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec

__all__ = [
    "FORMAT",
    "Access",
    "AccessReport",
    "AddressChange",
    "Assignment",
    "BudgetGiven",
    "ConsentChange",
    "ControllerIdentity",
    "Erasure",
    "FeatureLogic",
    "Interest",
    "PreferencesChange",
    "ProcessingPurpose",
    "Profile",
    "ProfileChange",
    "Recipient",
    "Retention",
    "SaleRecord",
    "SaleStep",
    "ScoreContribution",
    "ScoreReport",
    "ScoredAt",
    "ScoringLogic",
    "SentNotification",
    "TestDriveRecord",
    "TestDriveStep",
    "Touchpoint",
]

FORMAT = "cis-access-report/1"


class ControllerIdentity(msgspec.Struct, frozen=True, kw_only=True):
    """Who is responsible for the processing (the controller) and how to reach its DPO."""

    name: str
    address: str
    email: str


class Erasure(msgspec.Struct, frozen=True, kw_only=True):
    erased_at: datetime
    requested_by: str  # who carried out the erasure (the actor of `PersonalDataErased`)
    reason: str | None  # as recorded on the access trail


class Profile(msgspec.Struct, frozen=True, kw_only=True):
    """The person as held now."""

    kind: str  # private | business
    name: str
    email: str
    phone: str | None
    street: str | None
    postal_code: str
    canton: str
    language: str
    company_name: str | None
    company_uid: str | None
    company_contact: str | None
    salesperson: str
    stage: str  # where the journey stands (domain.journey)
    registered_at: datetime


class ProfileChange(msgspec.Struct, frozen=True, kw_only=True):
    """Name and contact data as given: at registration, then each contact change."""

    change: str  # registered | contact_changed
    occurred_at: datetime
    actor: str  # who entered it: the login of the member of staff (the source)
    name: str | None = None  # only at registration
    email: str
    phone: str | None


class AddressChange(msgspec.Struct, frozen=True, kw_only=True):
    change: str  # registered | address_changed
    occurred_at: datetime
    actor: str
    street: str | None
    postal_code: str
    canton: str


class BudgetGiven(msgspec.Struct, frozen=True, kw_only=True):
    minimum: int
    maximum: int | None


class PreferencesChange(msgspec.Struct, frozen=True, kw_only=True):
    change: str  # registered | preferences_changed
    occurred_at: datetime
    actor: str
    language: str
    budget: BudgetGiven | None


class Interest(msgspec.Struct, frozen=True, kw_only=True):
    occurred_at: datetime
    actor: str
    model: str


class Touchpoint(msgspec.Struct, frozen=True, kw_only=True):
    occurred_at: datetime
    actor: str
    kind: str
    channel: str
    note: str | None


class TestDriveStep(msgspec.Struct, frozen=True, kw_only=True):
    __test__ = False  # not a pytest test class, despite the name

    status: str  # booked | completed | cancelled | missed
    occurred_at: datetime
    actor: str


class TestDriveRecord(msgspec.Struct, frozen=True, kw_only=True):
    __test__ = False

    id: UUID
    model: str
    scheduled_at: datetime
    status: str
    rating: int | None
    notes: str | None
    history: list[TestDriveStep]


class ConsentChange(msgspec.Struct, frozen=True, kw_only=True):
    purpose: str  # marketing | profiling
    change: str  # granted | withdrawn
    occurred_at: datetime
    actor: str


class Assignment(msgspec.Struct, frozen=True, kw_only=True):
    """Which salesperson looks after the person, from when."""

    salesperson: str
    occurred_at: datetime
    actor: str


class SaleStep(msgspec.Struct, frozen=True, kw_only=True):
    """One step of a sale, with the amounts it set (Rappen)."""

    status: str  # open | quoted | reserved | contracted | delivered | cancelled
    occurred_at: datetime
    actor: str
    list_price: int | None = None
    price: int | None = None
    discount: int | None = None
    incentives: int | None = None
    deposit: int | None = None
    final_price: int | None = None
    vin: str | None = None
    delivered_on: date | None = None
    cancel_reason: str | None = None


class SaleRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    model: str
    salesperson: str  # who opened it
    status: str
    list_price: int
    quoted_price: int | None
    discount: int | None
    incentives: int | None
    deposit: int | None
    final_price: int | None
    vin: str | None
    delivered_on: date | None
    cancel_reason: str | None
    history: list[SaleStep]


class ScoreContribution(msgspec.Struct, frozen=True, kw_only=True):
    """One feature's part in a score: its value, and how far it moved the log-odds
    (weight x (value - mean)); with the base they add up to the logit."""

    feature: str
    label: str
    value: float
    contribution: float


class ScoredAt(msgspec.Struct, frozen=True, kw_only=True):
    """A score the scoring consumer stored, with the model version that made it."""

    score: int
    probability: float
    base: float
    contributions: list[ScoreContribution]  # largest first
    model_version: str
    computed_at: datetime  # the moment of the last event the score depends on


class FeatureLogic(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    label: str
    how: str
    why: str
    weight: float
    mean: float


class ScoringLogic(msgspec.Struct, frozen=True, kw_only=True):
    """How the lead score is computed (Art. 25(2)(f)): the active model, as it is."""

    description: str
    version: str
    base: float
    prior: bool  # the reviewed starting weights, not yet fitted from outcomes
    fitted_at: str | None
    fitted_by: str | None
    metrics: dict[str, Any] | None
    features: list[FeatureLogic]
    consent: str
    decisions: str


class ScoreReport(msgspec.Struct, frozen=True, kw_only=True):
    """The current lead score, if there is one, with its explanation and every earlier
    score (the history), and the logic of the model."""

    score: int | None
    probability: float | None
    model_version: str | None
    base: float | None
    contributions: list[ScoreContribution]
    computed_at: datetime | None
    history: list[ScoredAt]
    logic: ScoringLogic  # the model active now
    # The logic of each other model that made the score or one in its history.
    earlier_models: list[ScoringLogic] = msgspec.field(default_factory=list)


class SentNotification(msgspec.Struct, frozen=True, kw_only=True):
    """An e-mail the system sent, or was to send, to the person (the notification
    consumer's outbox: no body is stored, each is rendered at send time)."""

    kind: str  # the template: test_drive_confirmation, sale_quoted, …
    status: str  # pending | sent | skipped | cancelled | failed
    reason: str | None  # why it was skipped, cancelled or failed
    language: str | None  # the language it was written in, once rendered
    due_at: datetime
    finished_at: datetime | None  # when it was sent (or given up)
    message_id: str | None
    channel: str = "email"


class Access(msgspec.Struct, frozen=True, kw_only=True):
    """Someone looked at, exported or erased the person's data (the audit trail)."""

    occurred_at: datetime
    actor: str
    role: str
    action: str
    subject_kind: str  # customers | sales: whose trail
    reason: str | None


class Recipient(msgspec.Struct, frozen=True, kw_only=True):
    """Where data derived from the person's goes inside the system."""

    name: str
    kind: str  # stream | consumer | read_model
    personal_data: bool  # whether it holds personal data (names, contact data, notes)
    description: str


class Retention(msgspec.Struct, frozen=True, kw_only=True):
    """The rule that applies today (domain.retention) and what an erasure would keep."""

    purpose: str  # prospecting | customer_care | books
    rule: str
    period_months: int | None  # months without activity after which the purpose ends
    books_years: int  # years after the contract's business year the books keep it
    action_due: str  # keep | erase | erase_keeping_held | end_hold
    due_on: date
    last_activity_at: datetime
    contract_signed_at: datetime | None
    held_until: date | None  # the books' hold (OR Art. 958f) on an erasure today
    held_fields: list[str]


class ProcessingPurpose(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    description: str
    legal_basis: str


class AccessReport(msgspec.Struct, frozen=True, kw_only=True):
    format: str
    generated_at: datetime
    customer_id: UUID
    language: str  # the person's language (of the HTML version)
    controller: ControllerIdentity
    erased: Erasure | None
    profile: Profile
    profile_history: list[ProfileChange]
    address_history: list[AddressChange]
    preferences_history: list[PreferencesChange]
    interests: list[Interest]
    touchpoints: list[Touchpoint]
    test_drives: list[TestDriveRecord]
    sales: list[SaleRecord]
    consents: list[ConsentChange]
    consents_now: list[str]
    assignments: list[Assignment]
    score: ScoreReport
    notifications: list[SentNotification]
    accesses: list[Access]
    recipients: list[Recipient]
    retention: Retention
    purposes: list[ProcessingPurpose]
    events: int  # how many recorded events this report was made from
