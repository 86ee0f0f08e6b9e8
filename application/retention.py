"""Retention: what the policy erases today, listed or applied one customer at a time.

The facts come from read models (`RetentionFactsSource`), never from replaying every
aggregate; each erasure is its own transaction (`Erasures.erase`, `end_legal_hold`),
so a run that stops half-way loses nothing and the next run carries on. Each one is
recorded on the customer's access trail, actor `retention`, the rule as the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from uuid import UUID

from application.dsg import Erasures
from application.errors import Conflict, NotFound
from application.services import CustomerIntelligence
from domain.customer import BOOKS_LEGAL_BASIS
from domain.errors import DomainError
from domain.meta import EventMeta
from domain.retention import Action, Decision, Purpose, RetentionFacts, RetentionPolicy, decide

__all__ = [
    "RETENTION_ACTOR",
    "CustomerFacts",
    "Due",
    "Outcome",
    "Retention",
    "RetentionFactsSource",
]

RETENTION_ACTOR = "retention"


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    customer_id: UUID
    last_activity_at: datetime
    contract_signed_at: datetime | None
    erased: bool
    held_until: date | None


class RetentionFactsSource(Protocol):
    def candidates(self, *, cutoff: datetime, today: date) -> Iterator[CustomerFacts]:
        """Customers quiet since before `cutoff`, or erased under a hold that ended
        before `today` (a superset of what is due; the policy decides)."""


@dataclass(frozen=True, slots=True)
class Due:
    """One thing the policy asks for today (no personal data: ids, purposes, dates)."""

    customer_id: UUID
    purpose: Purpose
    action: Action
    due_on: date
    held_until: date | None
    last_activity_at: datetime  # as the read model had it

    @property
    def rule(self) -> str:
        """The reason recorded on the access trail."""
        if self.action is Action.END_HOLD:
            return (f"retention: the books' hold ({BOOKS_LEGAL_BASIS}) ended "
                    f"{self.due_on.isoformat()}")
        kept = "" if self.held_until is None or self.action is Action.ERASE else (
            f"; the books' fields are held until {self.held_until.isoformat()} "
            f"({BOOKS_LEGAL_BASIS})")
        return (f"retention: {self.purpose.value} period without activity ended "
                f"{self.due_on.isoformat()}{kept}")


@dataclass(frozen=True, slots=True)
class Outcome:
    due: Due
    done: bool
    note: str = ""


class Retention:
    def __init__(self, cis: CustomerIntelligence, erasures: Erasures,
                 facts: RetentionFactsSource, policy: RetentionPolicy, *,
                 today: Callable[[], date] = lambda: datetime.now(UTC).date()) -> None:
        self._cis = cis
        self._erasures = erasures
        self._facts = facts
        self._policy = policy
        self._today = today

    def due(self) -> Iterator[Due]:
        """What is due today, customer by customer."""
        today = self._today()
        months = min(self._policy.prospecting_months, self._policy.customer_care_months)
        # A few days of slack for months of different lengths: `decide` is exact.
        cutoff = datetime.combine(_months_before(today, months) + timedelta(days=3),
                                  time.max, tzinfo=UTC)
        for facts in self._facts.candidates(cutoff=cutoff, today=today):
            decision = decide(RetentionFacts(
                last_activity_at=facts.last_activity_at,
                contract_signed_at=facts.contract_signed_at, erased=facts.erased,
                held_until=facts.held_until), today, self._policy)
            if decision.action is not Action.KEEP:
                yield _due(facts, decision)

    def apply(self, due: Due, *, correlation_id: str) -> Outcome:
        """Carry one out, in its own transaction; refused or gone: noted, never raised."""
        meta = EventMeta(actor=RETENTION_ACTOR, correlation_id=correlation_id)
        try:
            if due.action is not Action.END_HOLD and self._active_since(due):
                return Outcome(due, done=False, note="active since the facts were read")
            if due.action is Action.END_HOLD:
                self._cis.end_legal_hold(due.customer_id, today=self._today(), meta=meta,
                                         reason=due.rule)
            else:
                self._erasures.erase(due.customer_id, meta=meta, reason=due.rule,
                                     role=RETENTION_ACTOR, hold_reason=due.rule)
        except (NotFound, Conflict, DomainError) as error:
            return Outcome(due, done=False, note=type(error).__name__)
        return Outcome(due, done=True)

    def _active_since(self, due: Due) -> bool:
        """The read model may lag: the customer's own latest event is the truth (from its
        snapshot, so in constant time)."""
        return self._cis.get_customer(due.customer_id).modified_on > due.last_activity_at


def _due(facts: CustomerFacts, decision: Decision) -> Due:
    return Due(facts.customer_id, decision.purpose, decision.action, decision.due_on,
               decision.held_until, facts.last_activity_at)


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, last)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")
