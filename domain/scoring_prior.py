"""The prior lead-scoring model: what applies until `cis score fit` activates a fitted one.

How these were chosen (reviewed in one place, here):

- They are judgement, not data: the importer has no outcomes until its log has some, so
  each weight is a log-odds step a sales manager would sign off on. A weight of 0.7 means
  "this roughly doubles the odds of signing"; 0.3 "about a third more".
- The signs are what the sales team agrees on and what the tests hold them to: more
  engagement (a completed test drive, a better rating, one more interest or model, a
  recent touchpoint, a further stage) never lowers a score; quiet days, missed or
  cancelled drives and a lost sale lower it.
- The means x̄ describe a typical new lead (registered, one interest, no drive yet), so
  the base value reads as "the odds of an average new lead": intercept + Σ w·x̄ = logit
  of about 12 %, near the share of leads that buy in the importer's sales figures.
- Everything in the log can be re-scored against a fitted model later: these numbers
  only need to order leads sensibly on the first day.
"""

from __future__ import annotations

from domain.customer_facts import TouchpointKind
from domain.lead_model import LeadModel

__all__ = ["PRIOR", "PRIOR_VERSION"]

PRIOR_VERSION = "prior-1"

_TOUCHPOINT_WEIGHT = {
    TouchpointKind.SHOWROOM_VISIT: 0.35, TouchpointKind.CONFIGURATOR: 0.3,
    TouchpointKind.CALL: 0.2, TouchpointKind.EVENT: 0.2, TouchpointKind.WEBSITE_VISIT: 0.1,
    TouchpointKind.BROCHURE: 0.1, TouchpointKind.EMAIL: 0.1,
}

PRIOR = LeadModel(
    version=PRIOR_VERSION,
    intercept=-2.75,
    weights={
        "stage": 0.45,
        "furthest_stage": 0.15,
        "test_drive_completed": 0.7,
        "test_drive_rating": 0.25,
        "no_shows": -0.5,
        "cancellations": -0.3,
        "interests": 0.2,
        "distinct_models": 0.1,
        **{f"touchpoints_30d_{k.value}": w for k, w in _TOUCHPOINT_WEIGHT.items()},
        "days_since_activity": -0.02,
        "budget_ratio": 0.5,
        "is_business": 0.2,
        "incentive_available": 0.3,
        "lost_before": -0.6,
    },
    means={
        "stage": 1.0, "furthest_stage": 1.0, "test_drive_completed": 0.0,
        "test_drive_rating": 0.0, "no_shows": 0.0, "cancellations": 0.0, "interests": 1.0,
        "distinct_models": 1.0, **{f"touchpoints_30d_{k.value}": 0.0 for k in TouchpointKind},
        "days_since_activity": 7.0, "budget_ratio": 0.0, "is_business": 0.0,
        "incentive_available": 0.0, "lost_before": 0.0,
    },
)
