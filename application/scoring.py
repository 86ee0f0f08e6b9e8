"""Lead scoring: a score 0-100 from journey features, explained per feature."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.journey import Stage

__all__ = ["BUSINESS_CUSTOMER_POINTS", "LeadFeatures", "LeadScore", "score_lead",
           "stage_points"]

# Points per journey stage; the stage is the strongest signal of intent.
_STAGE_POINTS: dict[str, int] = {
    Stage.LEAD: 10,
    Stage.ENGAGED: 25,
    Stage.TEST_DRIVE: 45,
    Stage.NEGOTIATION: 60,
    Stage.RESERVED: 75,
    Stage.CONTRACTED: 90,
    Stage.DELIVERED: 100,
    Stage.LOST: 0,
    Stage.DORMANT: 5,
}
BUSINESS_CUSTOMER_POINTS = 5


@dataclass(frozen=True, slots=True)
class LeadFeatures:
    stage: str = Stage.LEAD
    is_business: bool = False


@dataclass(frozen=True, slots=True)
class LeadScore:
    score: int
    probability: float
    contributions: dict[str, int] = field(default_factory=dict)


def score_lead(features: LeadFeatures) -> LeadScore:
    contributions = {"stage": _STAGE_POINTS[features.stage]}
    if features.is_business:
        contributions["business_customer"] = BUSINESS_CUSTOMER_POINTS
    score = max(0, min(100, sum(contributions.values())))
    return LeadScore(score=score, probability=round(score / 100, 2), contributions=contributions)


def stage_points() -> dict[str, int]:
    """The model's points per journey stage, as `score_lead` gives them: what an access
    report (revDSG Art. 25(2)(f)) explains as the scoring logic."""
    return dict(_STAGE_POINTS)
