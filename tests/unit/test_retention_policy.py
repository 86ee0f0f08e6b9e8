"""The retention policy: what is due when, and the books' hold (OR Art. 958f)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.retention import (
    Action,
    Purpose,
    RetentionFacts,
    RetentionPolicy,
    decide,
    hold_ends,
    hold_for_erasure_request,
)

POLICY = RetentionPolicy()


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def test_a_contract_is_held_until_the_end_of_its_business_year_plus_ten_years() -> None:
    assert hold_ends(at("2026-03-15"), POLICY) == date(2036, 12, 31)
    assert hold_ends(at("2026-12-31"), POLICY) == date(2036, 12, 31)


def test_a_business_year_ending_in_june_moves_the_hold() -> None:
    policy = RetentionPolicy(business_year_end=(6, 30))
    assert hold_ends(at("2026-03-15"), policy) == date(2036, 6, 30)
    assert hold_ends(at("2026-07-01"), policy) == date(2037, 6, 30)


def test_a_quiet_lead_is_erased_after_24_months_and_not_a_day_before() -> None:
    facts = RetentionFacts(last_activity_at=at("2024-01-31"), contract_signed_at=None)
    assert decide(facts, date(2026, 1, 30), POLICY).action is Action.KEEP
    due = decide(facts, date(2026, 1, 31), POLICY)
    assert (due.action, due.purpose, due.due_on) == (Action.ERASE, Purpose.PROSPECTING,
                                                     date(2026, 1, 31))


def test_month_ends_that_do_not_exist_fall_on_the_last_day_of_the_month() -> None:
    facts = RetentionFacts(last_activity_at=at("2023-12-31"), contract_signed_at=None)
    policy = RetentionPolicy(prospecting_months=2)
    assert decide(facts, date(2024, 1, 1), policy).due_on == date(2024, 2, 29)


def test_a_quiet_buyer_is_erased_keeping_the_held_fields_until_the_hold_ends() -> None:
    facts = RetentionFacts(last_activity_at=at("2026-05-01"), contract_signed_at=at("2026-04-01"))
    decision = decide(facts, date(2029, 5, 1), POLICY)
    assert decision.action is Action.ERASE_KEEPING_HELD
    assert decision.held_until == date(2036, 12, 31)
    assert decide(facts, date(2029, 4, 30), POLICY).action is Action.KEEP


def test_a_hold_that_has_ended_erases_everything() -> None:
    facts = RetentionFacts(last_activity_at=at("2010-05-01"), contract_signed_at=at("2010-04-01"))
    assert decide(facts, date(2026, 12, 1), POLICY).action is Action.ERASE


def test_an_erased_customer_under_hold_is_released_the_day_after_it_ends() -> None:
    facts = RetentionFacts(last_activity_at=at("2026-05-01"), contract_signed_at=at("2026-04-01"),
                           erased=True, held_until=date(2036, 12, 31))
    assert decide(facts, date(2036, 12, 31), POLICY).action is Action.KEEP
    assert decide(facts, date(2037, 1, 1), POLICY).action is Action.END_HOLD


def test_an_erasure_request_keeps_only_what_the_books_still_hold() -> None:
    lead = RetentionFacts(last_activity_at=at("2026-05-01"), contract_signed_at=None)
    buyer = RetentionFacts(last_activity_at=at("2026-05-01"), contract_signed_at=at("2026-04-01"))
    assert hold_for_erasure_request(lead, date(2026, 6, 1), POLICY) is None
    assert hold_for_erasure_request(buyer, date(2026, 6, 1), POLICY) == date(2036, 12, 31)
    assert hold_for_erasure_request(buyer, date(2037, 1, 1), POLICY) is None


@pytest.mark.parametrize("kwargs", [{"prospecting_months": 0}, {"customer_care_months": -1},
                                    {"business_year_end": (2, 30)}])
def test_an_impossible_policy_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        RetentionPolicy(**kwargs)  # type: ignore[arg-type]
