"""Lead-score properties: the explanation adds up, the score stays in range, and under
the prior weights more engagement never lowers it."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.customer import Customer
from domain.customer_facts import Budget, Channel, ConsentPurpose, TouchpointKind
from domain.errors import DomainError
from domain.ids import CustomerID
from domain.lead_features import FEATURE_NAMES, LeadFacts, Reference
from domain.lead_model import LeadModel
from domain.scoring_prior import PRIOR
from domain.values import Language, ModelCode, Money
from tests.factories import META, registration

MODELS = [ModelCode.parse(code) for code in ("EV-ONE", "EV-TWO", "EV-SIX")]
PRICES = Reference(prices={"EV-ONE": 3_990_000, "EV-TWO": 5_250_000, "EV-SIX": 7_100_000})
WHEN = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)

weights = st.floats(-5, 5, allow_nan=False)
values = st.floats(-1_000, 1_000, allow_nan=False)
models = st.builds(
    LeadModel, version=st.just("any"), intercept=st.floats(-20, 20, allow_nan=False),
    weights=st.fixed_dictionaries(dict.fromkeys(FEATURE_NAMES, weights)),
    means=st.fixed_dictionaries(dict.fromkeys(FEATURE_NAMES, values)))
features = st.fixed_dictionaries(dict.fromkeys(FEATURE_NAMES, values))


@given(models, features)
def test_contributions_plus_base_always_equal_the_logit(model: LeadModel,
                                                        x: dict[str, float]) -> None:
    scored = model.score(x)
    total = scored.base + math.fsum(c.contribution for c in scored.contributions)
    assert math.isclose(total, scored.logit, rel_tol=1e-9, abs_tol=1e-6)
    sizes = [abs(c.contribution) for c in scored.contributions]
    assert sizes == sorted(sizes, reverse=True)  # largest first


@given(models, features)
def test_the_score_is_always_within_0_and_100(model: LeadModel, x: dict[str, float]) -> None:
    scored = model.score(x)
    assert 0 <= scored.score <= 100 and 0.0 <= scored.probability <= 1.0
    assert scored.score == round(100 * scored.probability)


# A journey: steps a salesperson records, in any order (refused ones are left out).
steps = st.lists(st.one_of(
    st.tuples(st.just("touchpoint"), st.sampled_from(list(TouchpointKind))),
    st.tuples(st.just("interest"), st.sampled_from(MODELS)),
    st.tuples(st.just("book"), st.just(None)),
    st.tuples(st.just("complete"), st.integers(1, 5)),
    st.tuples(st.just("miss"), st.just(None)),
    st.tuples(st.just("cancel"), st.just(None)),
    st.tuples(st.just("budget"), st.integers(0, 200_000)),
), max_size=12)
quiet_days = st.floats(0, 200)


def _journey(plan: list[tuple[str, Any]]) -> Customer:
    customer = Customer.register(customer_id=CustomerID(uuid4()), **registration())
    customer.grant_consent(purpose=ConsentPurpose.PROFILING, meta=META)
    for step, arg in plan:
        try:
            _do(customer, step, arg)
        except DomainError:
            pass
    return customer


def _do(customer: Customer, step: str, arg: Any) -> None:
    booked = [d.id for d in customer.test_drives.values() if d.status == "booked"]
    match step:
        case "touchpoint":
            customer.record_touchpoint(kind=arg, channel=Channel.WEB, note=None, meta=META)
        case "interest":
            customer.record_vehicle_interest(model=arg, meta=META)
        case "book":
            customer.book_test_drive(test_drive_id=uuid4(), model=MODELS[0], scheduled_at=WHEN,
                                     now=WHEN, meta=META)
        case "complete" if booked:
            customer.complete_test_drive(test_drive_id=booked[-1], rating=arg, notes=None,
                                         meta=META)
        case "miss" if booked:
            customer.mark_test_drive_missed(test_drive_id=booked[-1], meta=META)
        case "cancel" if booked:
            customer.cancel_test_drive(test_drive_id=booked[-1], meta=META)
        case "budget":
            customer.change_preferences(language=Language.DE, budget=Budget(Money.chf(arg)),
                                        meta=META)


def _facts(events: list[Any]) -> LeadFacts:
    facts = LeadFacts()
    for event in events:
        facts.add(event)
    return facts


def _logit(facts: LeadFacts, moment: datetime) -> float:
    return PRIOR.score(facts.features(moment, PRICES)).logit


def _no_lower(after: float, before: float) -> None:
    # Compared at one moment; the events' own clocks differ by microseconds.
    assert after >= before - 1e-6


@settings(max_examples=60, deadline=None)
@given(steps, st.integers(1, 5), quiet_days)
def test_a_completed_test_drive_never_lowers_the_score(plan: list[tuple[str, Any]], rating: int,
                                                       days: float) -> None:
    customer = _journey([*plan, ("book", None)])
    before = list(customer.collect_events())
    _do(customer, "complete", rating)
    after = before + list(customer.collect_events())
    moment = after[-1].timestamp + timedelta(days=days)
    _no_lower(_logit(_facts(after), moment), _logit(_facts(before), moment))


@settings(max_examples=60, deadline=None)
@given(steps, st.integers(1, 4), quiet_days)
def test_a_better_rating_never_lowers_the_score(plan: list[tuple[str, Any]], rating: int,
                                                days: float) -> None:
    customer = _journey([*plan, ("book", None), ("complete", rating)])
    events = list(customer.collect_events())
    worse = _facts(events)
    better = replace(worse, ratings=[*worse.ratings[:-1], rating + 1])
    moment = events[-1].timestamp + timedelta(days=days)
    _no_lower(_logit(better, moment), _logit(worse, moment))


@settings(max_examples=60, deadline=None)
@given(steps, st.sampled_from(MODELS), quiet_days)
def test_one_more_interest_never_lowers_the_score(plan: list[tuple[str, Any]],
                                                  model: ModelCode, days: float) -> None:
    customer = _journey(plan)
    before = list(customer.collect_events())
    _do(customer, "interest", model)
    after = before + list(customer.collect_events())
    moment = after[-1].timestamp + timedelta(days=days)
    _no_lower(_logit(_facts(after), moment), _logit(_facts(before), moment))


@settings(max_examples=60, deadline=None)
@given(steps, quiet_days, quiet_days)
def test_a_more_recent_activity_never_lowers_the_score(plan: list[tuple[str, Any]],
                                                       sooner: float, longer: float) -> None:
    events = list(_journey(plan).collect_events())
    facts, last = _facts(events), events[-1].timestamp
    recent = last + timedelta(days=min(sooner, longer))
    quiet = last + timedelta(days=max(sooner, longer))
    _no_lower(_logit(facts, recent), _logit(facts, quiet))
