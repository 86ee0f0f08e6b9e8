"""Integration events: the versioned, PII-free contract published on NATS.

Each carries ids, canton, model, amounts (Rappen), ratings and timestamps; never a name,
e-mail, phone, street, note or VIN. Consumers decode with `DECODER` and `match` on the
classes. Subjects are `cis.events.<aggregate>.<type>`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec

__all__ = ["DECODER", "IntegrationEvent", "event_id", "subject_of"]

_EVENT_NAMESPACE = uuid5(NAMESPACE_URL, "urn:cis:event")


def event_id(originator_id: UUID, originator_version: int) -> UUID:
    """A stable id for a stored event: the same on every replay and relay restart."""
    return uuid5(_EVENT_NAMESPACE, f"{originator_id}/{originator_version}")


class _Base(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    schema_version: int = 1
    event_id: UUID
    position: int
    occurred_at: datetime
    correlation_id: str


class _Customer(_Base, frozen=True, kw_only=True):
    customer_id: UUID


class _TestDrive(_Customer, frozen=True, kw_only=True):
    test_drive_id: UUID


class _Sale(_Base, frozen=True, kw_only=True):
    sale_id: UUID


class _Model(_Base, frozen=True, kw_only=True):
    model_id: UUID


class _Incentive(_Base, frozen=True, kw_only=True):
    incentive_id: UUID


class _ScoringModel(_Base, frozen=True, kw_only=True):
    model_id: UUID


class CustomerRegistered(_Customer, frozen=True, kw_only=True, tag="customer_registered"):
    kind: str
    canton: str
    language: str
    salesperson: str


class ContactChanged(_Customer, frozen=True, kw_only=True, tag="contact_changed"):
    pass


class AddressChanged(_Customer, frozen=True, kw_only=True, tag="address_changed"):
    canton: str


class PreferencesChanged(_Customer, frozen=True, kw_only=True, tag="preferences_changed"):
    language: str
    budget_min: int | None
    budget_max: int | None


class VehicleInterestRecorded(_Customer, frozen=True, kw_only=True,
                              tag="vehicle_interest_recorded"):
    model: str


class TouchpointRecorded(_Customer, frozen=True, kw_only=True, tag="touchpoint_recorded"):
    kind: str
    channel: str


class TestDriveBooked(_TestDrive, frozen=True, kw_only=True, tag="test_drive_booked"):
    __test__ = False  # not a pytest test class
    model: str
    scheduled_at: datetime


class TestDriveCompleted(_TestDrive, frozen=True, kw_only=True, tag="test_drive_completed"):
    __test__ = False
    rating: int


class TestDriveCancelled(_TestDrive, frozen=True, kw_only=True, tag="test_drive_cancelled"):
    __test__ = False


class TestDriveMissed(_TestDrive, frozen=True, kw_only=True, tag="test_drive_missed"):
    __test__ = False


class ConsentGranted(_Customer, frozen=True, kw_only=True, tag="consent_granted"):
    purpose: str


class ConsentWithdrawn(_Customer, frozen=True, kw_only=True, tag="consent_withdrawn"):
    purpose: str


class SalespersonAssigned(_Customer, frozen=True, kw_only=True, tag="salesperson_assigned"):
    salesperson: str


class PersonalDataErased(_Customer, frozen=True, kw_only=True, tag="personal_data_erased"):
    pass


class LegalHoldEnded(_Customer, frozen=True, kw_only=True, tag="legal_hold_ended"):
    """The fields the books kept after an erasure are gone too."""


class SaleOpened(_Sale, frozen=True, kw_only=True, tag="sale_opened"):
    customer_id: UUID
    model: str
    salesperson: str
    list_price: int


class SaleQuoted(_Sale, frozen=True, kw_only=True, tag="sale_quoted"):
    price: int
    discount: int
    incentives: int


class SaleReserved(_Sale, frozen=True, kw_only=True, tag="sale_reserved"):
    deposit: int


class SaleContractSigned(_Sale, frozen=True, kw_only=True, tag="sale_contract_signed"):
    final_price: int


class SaleDelivered(_Sale, frozen=True, kw_only=True, tag="sale_delivered"):
    delivered_on: str


class SaleCancelled(_Sale, frozen=True, kw_only=True, tag="sale_cancelled"):
    reason: str


class ModelListed(_Model, frozen=True, kw_only=True, tag="model_listed"):
    model: str
    name: str
    list_price: int


class ModelChanged(_Model, frozen=True, kw_only=True, tag="model_changed"):
    name: str
    list_price: int


class ModelWithdrawn(_Model, frozen=True, kw_only=True, tag="model_withdrawn"):
    pass


class IncentiveDeclared(_Incentive, frozen=True, kw_only=True, tag="incentive_declared"):
    canton: str
    amount: int
    description: str


class IncentiveChanged(_Incentive, frozen=True, kw_only=True, tag="incentive_changed"):
    amount: int
    description: str


class IncentiveEnded(_Incentive, frozen=True, kw_only=True, tag="incentive_ended"):
    pass


class ScoringModelFitted(_ScoringModel, frozen=True, kw_only=True, tag="scoring_model_fitted"):
    """A lead-scoring model was fitted; when `activated`, it scores from here on."""

    version: str
    activated: bool


class ScoresRefreshed(_ScoringModel, frozen=True, kw_only=True, tag="scores_refreshed"):
    """Every lead score is to be recomputed as of this event (`cis score refresh`)."""


IntegrationEvent = (
    CustomerRegistered | ContactChanged | AddressChanged | PreferencesChanged
    | VehicleInterestRecorded | TouchpointRecorded | TestDriveBooked | TestDriveCompleted
    | TestDriveCancelled | TestDriveMissed | ConsentGranted | ConsentWithdrawn
    | SalespersonAssigned | PersonalDataErased | LegalHoldEnded | SaleOpened | SaleQuoted
    | SaleReserved | SaleContractSigned | SaleDelivered | SaleCancelled | ModelListed
    | ModelChanged | ModelWithdrawn | IncentiveDeclared | IncentiveChanged | IncentiveEnded
    | ScoringModelFitted | ScoresRefreshed
)
DECODER = msgspec.json.Decoder(IntegrationEvent)
_AGGREGATE: dict[type[_Base], str] = {_Customer: "customer", _Sale: "sale", _Model: "vehicle_model",
              _Incentive: "canton_incentive", _ScoringModel: "scoring_model"}


def subject_of(event: Any) -> str:
    """`cis.events.<aggregate>.<type>`."""
    aggregate = next(name for base, name in _AGGREGATE.items() if isinstance(event, base))
    return f"cis.events.{aggregate}.{type(event).__struct_config__.tag}"
