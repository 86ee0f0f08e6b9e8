"""A lead's features: what lead scoring knows about a customer, folded from the log.

This is the one place that says how each feature is computed and why it is there
(`FEATURES`); live scoring, `cis score explain` and `cis score fit` all fold the same
events through `LeadFacts`, so a score, its explanation and the fit never disagree. The
stage comes from the shared journey fold (`domain/journey.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from domain import events as e
from domain.customer_facts import ConsentPurpose, CustomerKind, TouchpointKind
from domain.journey import FORWARD_STAGES, Journey, Stage

__all__ = ["FEATURES", "FEATURE_NAMES", "NOT_CONVERTED", "RECENT", "Feature", "LeadFacts",
           "Reference", "stage_rank"]

# The outcomes that count as "did not buy" when the model is fitted.
NOT_CONVERTED: frozenset[Stage] = frozenset({Stage.LOST, Stage.DORMANT})
# Touchpoints this recent count as a sign of current interest.
RECENT = timedelta(days=30)
# Budget against list price is capped here: a budget twice the price says no more.
_BUDGET_CAP = 2.0
_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    label: str  # what a sales manager reads next to its contribution
    how: str
    why: str


_TOUCHPOINT_FEATURES = tuple(
    Feature(f"touchpoints_30d_{kind.value}", f"{kind.value.replace('_', ' ')}s in the last 30 days",
            f"TouchpointRecorded of kind {kind.value} in the 30 days before the moment",
            "recent contact of this kind shows interest now, not months ago")
    for kind in TouchpointKind)

FEATURES: tuple[Feature, ...] = (
    Feature("stage", "journey stage",
            "rank of the stage (lead 0 … delivered 6) from the shared journey fold; "
            "lost and dormant count 0",
            "the stage is the strongest single sign of intent"),
    Feature("furthest_stage", "furthest stage reached",
            "highest rank the customer ever reached, sales cancelled since included",
            "someone who once negotiated is warmer than a new lead, even after a setback"),
    Feature("test_drive_completed", "test drive completed",
            "1 when at least one test drive was completed, else 0",
            "driving the car is the step before buying it"),
    Feature("test_drive_rating", "test drive rating",
            "best rating (1-5) of a completed test drive; 0 without one",
            "a customer who liked the drive buys more often"),
    Feature("no_shows", "missed test drives", "test drives marked missed",
            "not turning up is a sign of waning interest"),
    Feature("cancellations", "cancelled test drives", "test drives cancelled",
            "a cancelled drive is a weaker sign than a missed one, but still one"),
    Feature("interests", "vehicle interests", "VehicleInterestRecorded events",
            "each recorded interest is the customer asking about a car"),
    Feature("distinct_models", "distinct models of interest", "different model codes",
            "comparing models is what buyers do before choosing one"),
    *_TOUCHPOINT_FEATURES,
    Feature("days_since_activity", "days since last activity",
            "whole days from the customer's (or their sales') last event to the moment",
            "leads go cold: after 90 quiet days a customer is dormant"),
    Feature("budget_ratio", "budget against list price",
            "the budget (maximum, else minimum) over the list price of the cheapest model "
            "of interest, capped at 2; 0 without a budget or a priced model of interest",
            "a stated budget that covers a car the customer looks at is a sign of intent; "
            "one below the price means a harder sale"),
    Feature("is_business", "business customer", "1 for a business customer, else 0",
            "fleet buyers decide differently from private ones"),
    Feature("incentive_available", "cantonal incentive available",
            "1 when the customer's canton has a declared, not ended incentive above 0",
            "money from the canton makes the purchase cheaper"),
    Feature("lost_before", "sale lost before", "1 when a sale of theirs was cancelled",
            "a customer who walked away once may again"),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)


_RANK = {stage: rank for rank, stage in enumerate(FORWARD_STAGES)}


def stage_rank(stage: Stage) -> int:
    """0 (lead) … 6 (delivered); lost and dormant are 0: off the way forward."""
    return _RANK.get(stage, 0)


@dataclass(frozen=True, slots=True)
class Reference:
    """Catalogue prices and cantonal incentives, as far as the log has got."""

    prices: dict[str, int] = field(default_factory=dict)  # model code -> list price, Rappen
    model_codes: dict[UUID, str] = field(default_factory=dict)  # aggregate id -> code
    incentives: dict[str, int] = field(default_factory=dict)  # canton -> amount, Rappen
    incentive_cantons: dict[UUID, str] = field(default_factory=dict)

    def after(self, event: Any) -> Reference:
        kind = type(event)
        if kind is e.ModelListed:
            code = str(event.code)
            return Reference({**self.prices, code: event.list_price.rappen},
                             {**self.model_codes, event.originator_id: code},
                             self.incentives, self.incentive_cantons)
        if kind is e.ModelChanged and event.originator_id in self.model_codes:
            code = self.model_codes[event.originator_id]
            return Reference({**self.prices, code: event.list_price.rappen}, self.model_codes,
                             self.incentives, self.incentive_cantons)
        if kind is e.IncentiveDeclared:
            canton = str(event.canton)
            return Reference(self.prices, self.model_codes,
                             {**self.incentives, canton: event.amount.rappen},
                             {**self.incentive_cantons, event.originator_id: canton})
        if kind in (e.IncentiveChanged, e.IncentiveEnded) and \
                event.originator_id in self.incentive_cantons:
            canton = self.incentive_cantons[event.originator_id]
            amount = event.amount.rappen if kind is e.IncentiveChanged else 0
            return Reference(self.prices, self.model_codes, {**self.incentives, canton: amount},
                             self.incentive_cantons)
        return self


@dataclass(slots=True)
class LeadFacts:
    """One customer's facts, folded from their events and their sales' (in log order)."""

    journey: Journey = field(default_factory=Journey)
    furthest: Stage = Stage.LEAD
    registered: bool = False
    erased: bool = False
    profiling: bool = False
    salesperson: str | None = None
    canton: str | None = None
    business: bool = False
    budget: int | None = None
    models: list[str] = field(default_factory=list)  # interests, in order
    ratings: list[int] = field(default_factory=list)
    no_shows: int = 0
    cancellations: int = 0
    touchpoints: list[tuple[datetime, str]] = field(default_factory=list)
    sales_lost: int = 0

    def add(self, event: Any) -> None:
        """Fold one of the customer's (or their sales') events in."""
        self.journey = self.journey.after(event)
        self.furthest = _further(self.furthest, self.journey)
        handler = _FOLD.get(type(event))
        if handler is not None:
            handler(self, event)

    def features(self, moment: datetime, reference: Reference) -> dict[str, float]:
        """The features as of `moment` (at or after the last event folded in)."""
        last = self.journey.last_activity or moment
        recent = [kind for at, kind in self.touchpoints if moment - at <= RECENT]
        values: dict[str, float] = {
            "stage": stage_rank(self.journey.stage(moment)),
            "furthest_stage": stage_rank(self.furthest),
            "test_drive_completed": 1.0 if self.ratings else 0.0,
            "test_drive_rating": float(max(self.ratings, default=0)),
            "no_shows": self.no_shows,
            "cancellations": self.cancellations,
            "interests": len(self.models),
            "distinct_models": len(set(self.models)),
            **{f"touchpoints_30d_{k.value}": recent.count(k.value) for k in TouchpointKind},
            # Whole days: seconds between events say nothing about a lead, and would
            # only break ties between equal leads (in a call list, a fit's hold-out).
            "days_since_activity": max(0, (moment - last) // _DAY),
            "budget_ratio": self._budget_ratio(reference),
            "is_business": 1.0 if self.business else 0.0,
            "incentive_available": 1.0 if reference.incentives.get(self.canton or "", 0) > 0
            else 0.0,
            "lost_before": 1.0 if self.sales_lost else 0.0,
        }
        return {name: float(values[name]) for name in FEATURE_NAMES}

    @property
    def scorable(self) -> bool:
        """Scoring is profiling: only with the customer's consent, never after erasure."""
        return self.registered and self.profiling and not self.erased

    def _budget_ratio(self, reference: Reference) -> float:
        # The cheapest: one more interest can only make the car they can afford cheaper,
        # so it never lowers this (nor, through it, the score).
        prices = [p for m in self.models if (p := reference.prices.get(m))]
        if not prices or self.budget is None:
            return 0.0
        return min(_BUDGET_CAP, self.budget / min(prices))


def _further(furthest: Stage, journey: Journey) -> Stage:
    reached = [journey.activity, *journey.sales.values()]
    return max([furthest, *reached], key=stage_rank)


def _registered(facts: LeadFacts, event: Any) -> None:
    facts.registered = True
    facts.salesperson = event.salesperson
    facts.canton = str(event.canton)
    facts.business = event.kind == CustomerKind.BUSINESS


def _address(facts: LeadFacts, event: Any) -> None:
    facts.canton = str(event.canton)


def _preferences(facts: LeadFacts, event: Any) -> None:
    budget = event.budget
    top = (budget.maximum or budget.minimum) if budget is not None else None
    facts.budget = top.rappen if top is not None else None


def _interest(facts: LeadFacts, event: Any) -> None:
    facts.models.append(str(event.model))


def _touchpoint(facts: LeadFacts, event: Any) -> None:
    facts.touchpoints.append((event.timestamp, str(event.kind)))


def _completed(facts: LeadFacts, event: Any) -> None:
    facts.ratings.append(int(event.rating))


def _missed(facts: LeadFacts, event: Any) -> None:
    facts.no_shows += 1


def _cancelled(facts: LeadFacts, event: Any) -> None:
    facts.cancellations += 1


def _consent(granted: bool) -> Any:
    def apply(facts: LeadFacts, event: Any) -> None:
        if event.purpose == ConsentPurpose.PROFILING:
            facts.profiling = granted
    return apply


def _assigned(facts: LeadFacts, event: Any) -> None:
    facts.salesperson = event.salesperson


def _erased(facts: LeadFacts, event: Any) -> None:
    facts.erased = True


def _sale_lost(facts: LeadFacts, event: Any) -> None:
    facts.sales_lost += 1


_FOLD: dict[type, Any] = {
    e.CustomerRegistered: _registered,
    e.AddressChanged: _address,
    e.PreferencesChanged: _preferences,
    e.VehicleInterestRecorded: _interest,
    e.TouchpointRecorded: _touchpoint,
    e.TestDriveCompleted: _completed,
    e.TestDriveMissed: _missed,
    e.TestDriveCancelled: _cancelled,
    e.ConsentGranted: _consent(True),
    e.ConsentWithdrawn: _consent(False),
    e.SalespersonAssigned: _assigned,
    e.PersonalDataErased: _erased,
    e.SaleCancelled: _sale_lost,
}
