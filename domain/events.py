"""The catalogue of domain events, one typed name per event class.

The `@event` decorator makes these classes at import time, so type checkers cannot see
them as attributes of the aggregates; naming them here gives projections, the relay
and scoring one checked place to import them from (and readers one page to read).
"""

from __future__ import annotations

from typing import Any

from domain.catalogue import CantonIncentive, VehicleModel
from domain.customer import Customer
from domain.sale import Sale

__all__ = [
    "CUSTOMER_EVENTS",
    "CUSTOMER_EVENT_TYPES",
    "SALE_EVENTS",
    "SALE_EVENT_TYPES",
    "AddressChanged",
    "ConsentGranted",
    "ConsentWithdrawn",
    "ContactChanged",
    "CustomerRegistered",
    "IncentiveChanged",
    "IncentiveDeclared",
    "IncentiveEnded",
    "LegalHoldEnded",
    "ModelChanged",
    "ModelListed",
    "ModelWithdrawn",
    "PersonalDataErased",
    "PreferencesChanged",
    "SaleCancelled",
    "SaleContractSigned",
    "SaleDelivered",
    "SaleOpened",
    "SaleQuoted",
    "SaleReserved",
    "SalespersonAssigned",
    "TestDriveBooked",
    "TestDriveCancelled",
    "TestDriveCompleted",
    "TestDriveMissed",
    "TouchpointRecorded",
    "VehicleInterestRecorded",
]

# The library makes most of these classes at import time from the command methods'
# signatures; no checker sees their attributes, so `isinstance` narrows to Any rather
# than to AggregateEvent (which would refuse every attribute). Declaring each event as
# a class of its own would type them; until then, tests check the mapping of each.
Event = type[Any]
_customer: Any = Customer
_sale: Any = Sale
_model: Any = VehicleModel
_incentive: Any = CantonIncentive

CustomerRegistered: Event = Customer.Registered
ContactChanged: Event = _customer.ContactChanged
AddressChanged: Event = _customer.AddressChanged
PreferencesChanged: Event = _customer.PreferencesChanged
VehicleInterestRecorded: Event = _customer.VehicleInterestRecorded
TouchpointRecorded: Event = _customer.TouchpointRecorded
TestDriveBooked: Event = _customer.TestDriveBooked
TestDriveCompleted: Event = _customer.TestDriveCompleted
TestDriveCancelled: Event = _customer.TestDriveCancelled
TestDriveMissed: Event = _customer.TestDriveMissed
ConsentGranted: Event = _customer.ConsentGranted
ConsentWithdrawn: Event = _customer.ConsentWithdrawn
SalespersonAssigned: Event = _customer.SalespersonAssigned
PersonalDataErased: Event = _customer.PersonalDataErased
LegalHoldEnded: Event = _customer.LegalHoldEnded

SaleOpened: Event = _sale.Opened
SaleQuoted: Event = _sale.Quoted
SaleReserved: Event = _sale.Reserved
SaleContractSigned: Event = _sale.ContractSigned
SaleDelivered: Event = _sale.Delivered
SaleCancelled: Event = _sale.Cancelled

ModelListed: Event = _model.Listed
ModelChanged: Event = _model.Changed
ModelWithdrawn: Event = _model.Withdrawn
IncentiveDeclared: Event = _incentive.Declared
IncentiveChanged: Event = _incentive.Changed
IncentiveEnded: Event = _incentive.Ended

CUSTOMER_EVENTS: tuple[Event, ...] = (
    CustomerRegistered, ContactChanged, AddressChanged, PreferencesChanged,
    VehicleInterestRecorded, TouchpointRecorded, TestDriveBooked, TestDriveCompleted,
    TestDriveCancelled, TestDriveMissed, ConsentGranted, ConsentWithdrawn, SalespersonAssigned,
    PersonalDataErased, LegalHoldEnded,
)
SALE_EVENTS: tuple[Event, ...] = (
    SaleOpened, SaleQuoted, SaleReserved, SaleContractSigned, SaleDelivered, SaleCancelled,
)
# For exact-type checks (`type(event) in SALE_EVENT_TYPES`): the event classes are final,
# and replaying the log asks once per event, where `isinstance` against a tuple of
# classes costs several times more.
CUSTOMER_EVENT_TYPES: frozenset[Event] = frozenset(CUSTOMER_EVENTS)
SALE_EVENT_TYPES: frozenset[Event] = frozenset(SALE_EVENTS)
