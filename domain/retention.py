"""How long personal data is kept, by purpose: the retention policy and its legal holds.

revDSG Art. 6(4): personal data is erased once its purpose no longer needs it. Swiss
accounting law (OR Art. 958f) needs business records, sales contracts among them, for
10 years from the end of the business year they belong to: that is a legal hold, and it
wins over erasure for the fields the books need (`HELD_FIELDS`), and only for those.

Pure: the policy decides from facts (`RetentionFacts`); the application gathers them
and acts on the `Decision`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

__all__ = ["HELD_FIELDS", "Action", "Decision", "Purpose", "RetentionFacts",
           "RetentionPolicy", "decide", "end_of_business_year", "hold_ends",
           "hold_for_erasure_request"]

# What the books need of a buyer: who bought (name, address, company) and the sale
# itself. Contact data, notes, touchpoints, consents and scores are not among them.
HELD_FIELDS: tuple[str, ...] = ("name", "street", "postal_code", "canton", "company_name",
                                "company_uid", "sales")


class Purpose(StrEnum):
    """Why personal data is kept: each purpose has its own retention rule."""

    PROSPECTING = "prospecting"  # a lead or prospect: no contract (yet)
    CUSTOMER_CARE = "customer_care"  # a buyer: service, warranty, the relationship
    BOOKS = "books"  # the fields of a sale's contract the accounts must keep (OR 958f)


class Action(StrEnum):
    KEEP = "keep"
    ERASE = "erase"  # everything: no hold applies
    ERASE_KEEPING_HELD = "erase_keeping_held"  # everything but HELD_FIELDS, kept until held_until
    END_HOLD = "end_hold"  # the held fields of an already erased customer, now due


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """The defaults are documented in the README ("Retention"); configuration may change
    the two periods of inactivity and the business year's end, never the 10 years."""

    prospecting_months: int = 24  # a lead with no activity for this long is erased
    customer_care_months: int = 36  # a buyer with no activity for this long is erased
    books_years: int = 10  # OR Art. 958f: fixed by law
    business_year_end: tuple[int, int] = (12, 31)  # (month, day)

    def __post_init__(self) -> None:
        if self.prospecting_months < 1 or self.customer_care_months < 1:
            raise ValueError("retention periods must be at least one month")
        month, day = self.business_year_end
        date(2001, month, day)  # raises ValueError for an impossible day (no 29 February)


@dataclass(frozen=True, slots=True)
class RetentionFacts:
    """What the policy needs to know of one customer."""

    last_activity_at: datetime
    contract_signed_at: datetime | None  # the latest signed contract, if any
    erased: bool = False
    held_until: date | None = None  # set once erased under a hold


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    purpose: Purpose
    due_on: date  # when the action is (or was) due
    held_until: date | None = None  # for ERASE_KEEPING_HELD: the end of the books' hold


def end_of_business_year(day: date, policy: RetentionPolicy) -> date:
    """The last day of the business year `day` belongs to."""
    month, last = policy.business_year_end
    end = date(day.year, month, last)
    return end if day <= end else date(day.year + 1, month, last)


def hold_ends(contract_signed_at: datetime, policy: RetentionPolicy) -> date:
    """The day after which the books no longer need the contract: the end of its
    business year plus `books_years` years."""
    end = end_of_business_year(contract_signed_at.date(), policy)
    return end.replace(year=end.year + policy.books_years)


def decide(facts: RetentionFacts, today: date, policy: RetentionPolicy) -> Decision:
    """What the policy asks for this customer today (KEEP until something is due)."""
    if facts.erased:
        if facts.held_until is None:
            return Decision(Action.KEEP, Purpose.BOOKS, today)  # nothing left to erase
        action = Action.END_HOLD if facts.held_until < today else Action.KEEP
        return Decision(action, Purpose.BOOKS, facts.held_until, facts.held_until)
    if facts.contract_signed_at is None:
        due = _months_after(facts.last_activity_at.date(), policy.prospecting_months)
        return Decision(Action.ERASE if due <= today else Action.KEEP, Purpose.PROSPECTING, due)
    due = _months_after(facts.last_activity_at.date(), policy.customer_care_months)
    held_until = hold_ends(facts.contract_signed_at, policy)
    if due > today:
        return Decision(Action.KEEP, Purpose.CUSTOMER_CARE, due, held_until)
    action = Action.ERASE_KEEPING_HELD if held_until >= today else Action.ERASE
    return Decision(action, Purpose.CUSTOMER_CARE, due, held_until)


def hold_for_erasure_request(facts: RetentionFacts, today: date,
                             policy: RetentionPolicy) -> date | None:
    """On an erasure request (Art. 32): until when the books still hold the contract's
    fields, or None when no hold applies and everything goes at once."""
    if facts.contract_signed_at is None:
        return None
    held_until = hold_ends(facts.contract_signed_at, policy)
    return held_until if held_until >= today else None


def _months_after(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last_day in (day.day, 30, 29, 28):  # 31 January + 1 month is 28/29 February
        try:
            return date(year, month, last_day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")
