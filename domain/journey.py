"""A customer's journey stage, derived purely from their events and their sales' events.

Projections and scoring share this one definition, so a dashboard and a lead score
never disagree about where a customer stands.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from domain import events as e

__all__ = ["CONVERTED_STAGES", "DORMANT_AFTER", "FORWARD_STAGES", "NEVER_DORMANT",
           "SALE_STAGE", "Journey", "Stage", "further", "stage_of"]

DORMANT_AFTER = timedelta(days=90)


class Stage(StrEnum):
    LEAD = "lead"
    ENGAGED = "engaged"
    TEST_DRIVE = "test_drive"
    NEGOTIATION = "negotiation"
    RESERVED = "reserved"
    CONTRACTED = "contracted"
    DELIVERED = "delivered"
    LOST = "lost"  # every sale was cancelled and none is open
    DORMANT = "dormant"  # no activity for 90 days before contract


# The stages a customer moves forward through, in order (lost and dormant are off it).
FORWARD_STAGES: tuple[Stage, ...] = (
    Stage.LEAD, Stage.ENGAGED, Stage.TEST_DRIVE, Stage.NEGOTIATION, Stage.RESERVED,
    Stage.CONTRACTED, Stage.DELIVERED)
# A customer who signed: counted as converted, and never dormant however quiet.
CONVERTED_STAGES: frozenset[Stage] = frozenset({Stage.CONTRACTED, Stage.DELIVERED})
# Where a customer stays however long nothing happens.
NEVER_DORMANT: frozenset[Stage] = CONVERTED_STAGES | {Stage.LOST}
# The stage a sale event puts its sale at.
SALE_STAGE: dict[type, Stage] = {
    e.SaleOpened: Stage.NEGOTIATION,
    e.SaleQuoted: Stage.NEGOTIATION,
    e.SaleReserved: Stage.RESERVED,
    e.SaleContractSigned: Stage.CONTRACTED,
    e.SaleDelivered: Stage.DELIVERED,
}
_CUSTOMER_STAGE: dict[type, Stage] = {
    e.TouchpointRecorded: Stage.ENGAGED,
    e.VehicleInterestRecorded: Stage.ENGAGED,
    e.TestDriveBooked: Stage.TEST_DRIVE,
    e.TestDriveCompleted: Stage.TEST_DRIVE,
}
_QUIET = {e.PersonalDataErased, e.LegalHoldEnded}  # no sign of interest from the customer


@dataclass(frozen=True, slots=True)
class Journey:
    """What the stage is derived from; `after(event)` folds one more event in."""

    activity: Stage = Stage.LEAD  # furthest stage reached without a sale
    sales: dict[UUID, Stage] = field(default_factory=dict)  # open or finished sales
    cancelled: int = 0
    last_activity: datetime | None = None

    def after(self, event: Any) -> Journey:
        # Replaying the log folds every event: constructor calls, not `replace()`,
        # which costs several times more.
        kind = type(event)
        if kind in SALE_STAGE:
            sales = {**self.sales, event.originator_id: SALE_STAGE[kind]}
            return Journey(self.activity, sales, self.cancelled, event.timestamp)
        if kind is e.SaleCancelled:
            sales = {k: v for k, v in self.sales.items() if k != event.originator_id}
            return Journey(self.activity, sales, self.cancelled + 1, event.timestamp)
        if kind in _CUSTOMER_STAGE:
            activity = further(self.activity, _CUSTOMER_STAGE[kind])
            return Journey(activity, self.sales, self.cancelled, event.timestamp)
        if kind in _QUIET:
            return self
        return Journey(self.activity, self.sales, self.cancelled, event.timestamp)

    def stage(self, now: datetime) -> Stage:
        if self.sales:
            furthest = max(self.sales.values(), key=_RANK.__getitem__)
        elif self.cancelled:
            return Stage.LOST
        else:
            furthest = self.activity
        if furthest in CONVERTED_STAGES:
            return furthest
        if self.last_activity is not None and now - self.last_activity > DORMANT_AFTER:
            return Stage.DORMANT
        return furthest


def stage_of(events: Iterable[Any], now: datetime) -> Stage:
    """The stage after these events (a customer's and their sales', in log order)."""
    journey = Journey()
    for event in events:
        journey = journey.after(event)
    return journey.stage(now)


_RANK = {stage: rank for rank, stage in enumerate(FORWARD_STAGES)}


def further(a: Stage, b: Stage) -> Stage:
    """The later of two forward stages (the first when they are the same)."""
    return a if _RANK[a] >= _RANK[b] else b
