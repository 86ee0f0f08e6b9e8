"""Lead scores from a customer's events: a hand-computed scenario under fixed weights,
the features the journey gives, and consent."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from domain.customer import Customer
from domain.customer_facts import Budget, Channel, ConsentPurpose, TouchpointKind
from domain.ids import CustomerID
from domain.lead_features import FEATURE_NAMES, FEATURES, LeadFacts, Reference
from domain.lead_model import LeadModel
from domain.scoring_prior import PRIOR
from domain.values import Language, ModelCode, Money
from tests.factories import META, registration

MODEL = ModelCode.parse("EV-ONE")
WHEN = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
FIXED = LeadModel(
    version="test-1", intercept=-1.0,
    weights={"test_drive_completed": 1.2, "test_drive_rating": 0.4, "days_since_activity": -0.05},
    means={"test_drive_completed": 0.5, "test_drive_rating": 2.0, "days_since_activity": 10.0})


def _customer_with_a_test_drive(rating: int) -> tuple[Customer, list[Any]]:
    customer = Customer.register(customer_id=CustomerID(uuid4()), **registration())
    customer.grant_consent(purpose=ConsentPurpose.PROFILING, meta=META)
    customer.record_vehicle_interest(model=MODEL, meta=META)
    drive = uuid4()
    customer.book_test_drive(test_drive_id=drive, model=MODEL, scheduled_at=WHEN, now=WHEN,
                             meta=META)
    customer.complete_test_drive(test_drive_id=drive, rating=rating, notes=None, meta=META)
    return customer, list(customer.collect_events())


def _facts(events: list[Any]) -> LeadFacts:
    facts = LeadFacts()
    for event in events:
        facts.add(event)
    return facts


def test_a_hand_computed_scenario_to_the_decimal() -> None:
    # A completed test drive rated 4, four quiet days before the moment.
    _, events = _customer_with_a_test_drive(rating=4)
    moment = events[-1].timestamp + timedelta(days=4)
    features = _facts(events).features(moment, Reference())
    assert (features["test_drive_completed"], features["test_drive_rating"],
            features["days_since_activity"]) == (1.0, 4.0, 4.0)

    scored = FIXED.score(features)

    # base = -1 + 1.2·0.5 + 0.4·2 - 0.05·10 = -0.1
    assert scored.base == pytest.approx(-0.1, abs=1e-12)
    # contributions: rating 0.4·(4-2) = 0.8, drive 1.2·(1-0.5) = 0.6, quiet -0.05·(4-10) = 0.3
    assert [(c.label, round(c.contribution, 6)) for c in scored.contributions] == [
        ("test drive rating", 0.8), ("test drive completed", 0.6),
        ("days since last activity", 0.3)]
    # logit = -0.1 + 0.8 + 0.6 + 0.3 = 1.6; probability = 1 / (1 + e^-1.6) = 0.832018
    assert scored.logit == pytest.approx(1.6, abs=1e-12)
    assert round(scored.probability, 6) == 0.832018
    assert scored.score == 83 and scored.model_version == "test-1"


def test_the_journey_gives_every_feature() -> None:
    customer, events = _customer_with_a_test_drive(rating=5)
    customer.record_touchpoint(kind=TouchpointKind.SHOWROOM_VISIT, channel=Channel.SHOWROOM,
                               note="private remark", meta=META)
    customer.record_vehicle_interest(model=ModelCode.parse("EV-TWO"), meta=META)
    customer.change_preferences(language=Language.DE,
                                budget=Budget(Money.chf(40_000), Money.chf(45_000)), meta=META)
    missed = uuid4()
    customer.book_test_drive(test_drive_id=missed, model=MODEL, scheduled_at=WHEN, now=WHEN,
                             meta=META)
    customer.mark_test_drive_missed(test_drive_id=missed, meta=META)
    events += customer.collect_events()
    reference = Reference(prices={"EV-TWO": Money.chf(50_000).rappen}, incentives={"ZH": 100})
    features = _facts(events).features(events[-1].timestamp, reference)

    assert list(features) == list(FEATURE_NAMES) == [f.name for f in FEATURES]
    assert features["stage"] == features["furthest_stage"] == 2  # test_drive
    assert features["interests"] == features["distinct_models"] == 2
    assert features["touchpoints_30d_showroom_visit"] == 1
    assert features["no_shows"] == 1 and features["test_drive_rating"] == 5
    assert features["budget_ratio"] == pytest.approx(0.9)  # CHF 45'000 for a 50'000 car
    assert features["incentive_available"] == 1 and features["is_business"] == 0
    # 31 days on, the touchpoint is no longer recent and the lead has gone quiet.
    later = _facts(events).features(events[-1].timestamp + timedelta(days=31), reference)
    assert later["touchpoints_30d_showroom_visit"] == 0
    assert math.isclose(later["days_since_activity"], 31)


def test_only_customers_with_profiling_consent_are_scorable() -> None:
    customer = Customer.register(customer_id=CustomerID(uuid4()), **registration())
    facts = _facts(list(customer.collect_events()))
    assert not facts.scorable
    customer.grant_consent(purpose=ConsentPurpose.MARKETING, meta=META)
    customer.grant_consent(purpose=ConsentPurpose.PROFILING, meta=META)
    for event in customer.collect_events():
        facts.add(event)
    assert facts.scorable
    customer.withdraw_consent(purpose=ConsentPurpose.PROFILING, meta=META)
    for event in customer.collect_events():
        facts.add(event)
    assert not facts.scorable


def test_the_prior_has_a_weight_and_a_mean_for_every_feature() -> None:
    assert set(PRIOR.weights) == set(PRIOR.means) == set(FEATURE_NAMES)
    assert 0.05 < 1 / (1 + math.exp(-PRIOR.base)) < 0.2  # an average new lead: about 12 %


def test_days_since_the_last_activity_count_whole_days() -> None:
    # A lead read a minute or three hours after their last event is the same lead: the
    # score does not drift (nor reorder equal leads in a call list or a fit's hold-out)
    # with the seconds between events.
    _, events = _customer_with_a_test_drive(rating=4)
    facts, last = _facts(events), events[-1].timestamp
    at = {delay: facts.features(last + delay, Reference())["days_since_activity"]
          for delay in (timedelta(milliseconds=7), timedelta(minutes=1), timedelta(hours=3),
                        timedelta(days=1, hours=1), timedelta(days=2, hours=23))}
    assert list(at.values()) == [0.0, 0.0, 0.0, 1.0, 2.0]
    assert PRIOR.score(facts.features(last + timedelta(minutes=1), Reference())) == \
        PRIOR.score(facts.features(last + timedelta(hours=3), Reference()))


def test_the_daily_refresh_runs_at_half_past_three_swiss_time_across_clock_changes() -> None:
    from entrypoints.score_cli import until_next_refresh

    # 29 March 2026: clocks go from 02:00 to 03:00; 03:30 CEST is 01:30 UTC.
    assert until_next_refresh(datetime(2026, 3, 28, 23, 0, tzinfo=UTC)) == timedelta(hours=2,
                                                                                     minutes=30)
    # 25 October 2026: from 03:00 back to 02:00; 03:30 CET is 02:30 UTC.
    assert until_next_refresh(datetime(2026, 10, 24, 23, 0, tzinfo=UTC)) == timedelta(hours=3,
                                                                                      minutes=30)
    # Just after today's: tomorrow's (in winter, 03:30 CET is 02:30 UTC).
    assert until_next_refresh(datetime(2026, 12, 1, 2, 31, tzinfo=UTC)) == timedelta(
        hours=23, minutes=59)
