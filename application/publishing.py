"""Which integration event a stored domain event becomes (the relay's mapping)."""

from __future__ import annotations

from typing import Any

from application import integration_events as i
from application.integration_events import event_id
from domain import events as e
from domain.audit_trail import ACCESS_EVENT_TYPES
from domain.scoring_model import ModelFitted, ScoresRefreshed

__all__ = ["to_integration_event"]


def to_integration_event(event: Any, position: int) -> i.IntegrationEvent | None:
    """The public, PII-free form of a domain event; None for an unknown event class."""
    common: dict[str, Any] = {
        "event_id": event_id(event.originator_id, event.originator_version),
        "position": position,
        "occurred_at": event.timestamp,
        "correlation_id": event.meta.correlation_id,
    }
    if isinstance(event, e.CUSTOMER_EVENTS):
        return _customer(event, {**common, "customer_id": event.originator_id})
    if isinstance(event, e.SALE_EVENTS):
        return _sale(event, {**common, "sale_id": event.originator_id})
    if type(event) in ACCESS_EVENT_TYPES:
        # Who looked at whose data, and why, is for the DPO and auditors (the audit
        # API), not for other systems: never published.
        return None
    if type(event) is ModelFitted:
        # The model's version and whether it scores now; weights stay in the log.
        return i.ScoringModelFitted(**common, model_id=event.originator_id,
                                    version=event.version, activated=event.activated)
    if type(event) is ScoresRefreshed:
        return i.ScoresRefreshed(**common, model_id=event.originator_id)
    return _reference(event, common)


def _customer(event: Any, c: dict[str, Any]) -> i.IntegrationEvent | None:
    match event:
        case e.CustomerRegistered():
            return i.CustomerRegistered(**c, kind=str(event.kind), canton=str(event.canton),
                                        language=str(event.language),
                                        salesperson=event.salesperson)
        case e.ContactChanged():
            return i.ContactChanged(**c)
        case e.AddressChanged():
            return i.AddressChanged(**c, canton=str(event.canton))
        case e.PreferencesChanged():
            budget = event.budget
            return i.PreferencesChanged(
                **c, language=str(event.language),
                budget_min=budget.minimum.rappen if budget else None,
                budget_max=budget.maximum.rappen if budget and budget.maximum else None)
        case e.VehicleInterestRecorded():
            return i.VehicleInterestRecorded(**c, model=str(event.model))
        case e.TouchpointRecorded():
            return i.TouchpointRecorded(**c, kind=str(event.kind), channel=str(event.channel))
        case e.TestDriveBooked():
            return i.TestDriveBooked(**c, test_drive_id=event.test_drive_id,
                                     model=str(event.model), scheduled_at=event.scheduled_at)
        case e.TestDriveCompleted():
            return i.TestDriveCompleted(**c, test_drive_id=event.test_drive_id,
                                        rating=event.rating)
        case e.TestDriveCancelled():
            return i.TestDriveCancelled(**c, test_drive_id=event.test_drive_id)
        case e.TestDriveMissed():
            return i.TestDriveMissed(**c, test_drive_id=event.test_drive_id)
        case e.ConsentGranted():
            return i.ConsentGranted(**c, purpose=str(event.purpose))
        case e.ConsentWithdrawn():
            return i.ConsentWithdrawn(**c, purpose=str(event.purpose))
        case e.SalespersonAssigned():
            return i.SalespersonAssigned(**c, salesperson=event.salesperson)
        case e.PersonalDataErased():
            return i.PersonalDataErased(**c)
        case e.LegalHoldEnded():
            return i.LegalHoldEnded(**c)
    return None


def _sale(event: Any, c: dict[str, Any]) -> i.IntegrationEvent | None:
    match event:
        case e.SaleOpened():
            return i.SaleOpened(**c, customer_id=event.customer_id, model=str(event.model),
                                salesperson=event.salesperson,
                                list_price=event.list_price.rappen)
        case e.SaleQuoted():
            return i.SaleQuoted(**c, price=event.price.rappen, discount=event.discount.rappen,
                                incentives=event.incentives.rappen)
        case e.SaleReserved():
            return i.SaleReserved(**c, deposit=event.deposit.rappen)
        case e.SaleContractSigned():
            return i.SaleContractSigned(**c, final_price=event.final_price.rappen)
        case e.SaleDelivered():
            return i.SaleDelivered(**c, delivered_on=str(event.delivered_on))
        case e.SaleCancelled():
            return i.SaleCancelled(**c, reason=str(event.reason))
    return None


def _reference(event: Any, c: dict[str, Any]) -> i.IntegrationEvent | None:
    match event:
        case e.ModelListed():
            return i.ModelListed(**c, model_id=event.originator_id, model=str(event.code),
                                 name=event.name, list_price=event.list_price.rappen)
        case e.ModelChanged():
            return i.ModelChanged(**c, model_id=event.originator_id, name=event.name,
                                  list_price=event.list_price.rappen)
        case e.ModelWithdrawn():
            return i.ModelWithdrawn(**c, model_id=event.originator_id)
        case e.IncentiveDeclared():
            return i.IncentiveDeclared(**c, incentive_id=event.originator_id,
                                       canton=str(event.canton), amount=event.amount.rappen,
                                       description=event.description)
        case e.IncentiveChanged():
            return i.IncentiveChanged(**c, incentive_id=event.originator_id,
                                      amount=event.amount.rappen, description=event.description)
        case e.IncentiveEnded():
            return i.IncentiveEnded(**c, incentive_id=event.originator_id)
    return None
