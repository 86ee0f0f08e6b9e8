"""Properties of the retention policy over arbitrary dates and policies."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.retention import (
    Action,
    RetentionFacts,
    RetentionPolicy,
    decide,
    end_of_business_year,
    hold_ends,
)

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2080, 12, 31))
moments = days.map(lambda d: datetime.combine(d, time(12), tzinfo=UTC))
policies = st.builds(
    RetentionPolicy,
    prospecting_months=st.integers(1, 120),
    customer_care_months=st.integers(1, 120),
    business_year_end=st.sampled_from([(12, 31), (6, 30), (3, 31), (9, 30)]),
)


@given(days, policies)
def test_a_day_lies_in_the_business_year_that_ends_on_or_after_it(day: date,
                                                                   policy: RetentionPolicy) -> None:
    end = end_of_business_year(day, policy)
    assert day <= end < day + timedelta(days=366)
    assert (end.month, end.day) == policy.business_year_end


@given(moments, policies)
def test_the_books_hold_lasts_at_least_ten_years(signed: datetime, policy: RetentionPolicy) -> None:
    ends = hold_ends(signed, policy)
    assert ends >= signed.date().replace(year=signed.year + 10) - timedelta(days=1)
    assert ends < signed.date().replace(year=signed.year + 11) + timedelta(days=1)


@given(moments, st.one_of(st.none(), moments), days, policies)
def test_nothing_under_hold_is_ever_erased_whole(last: datetime, signed: datetime | None,
                                                 today: date, policy: RetentionPolicy) -> None:
    decision = decide(RetentionFacts(last, signed), today, policy)
    if signed is not None and hold_ends(signed, policy) >= today:
        assert decision.action in (Action.KEEP, Action.ERASE_KEEPING_HELD)
    if decision.action is not Action.KEEP:
        assert decision.due_on <= today


@given(moments, st.one_of(st.none(), moments), days, policies)
def test_once_due_a_decision_stays_due(last: datetime, signed: datetime | None, today: date,
                                       policy: RetentionPolicy) -> None:
    facts = RetentionFacts(last, signed)
    if decide(facts, today, policy).action is not Action.KEEP:
        later = decide(facts, today + timedelta(days=400), policy)
        assert later.action is not Action.KEEP
