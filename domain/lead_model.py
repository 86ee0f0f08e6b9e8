"""A logistic lead-scoring model and its explanation: why a customer scores what they do.

logit = base + Σ wᵢ·(xᵢ - x̄ᵢ), where base = intercept + Σ wᵢ·x̄ᵢ is the logit of the
average lead; each term wᵢ·(xᵢ - x̄ᵢ) is that feature's contribution in log-odds, so the
contributions and the base always add up to the logit. probability = 1 / (1 + e^-logit),
score = round(100 · probability).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from domain.lead_features import FEATURES

__all__ = ["Contribution", "LeadModel", "LeadScore"]

_LABELS = {f.name: f.label for f in FEATURES}


@dataclass(frozen=True, slots=True)
class Contribution:
    feature: str
    label: str
    value: float  # the feature's value x
    contribution: float  # w·(x - x̄), in log-odds


@dataclass(frozen=True, slots=True)
class LeadScore:
    score: int  # 0-100
    probability: float
    logit: float
    base: float
    model_version: str
    contributions: tuple[Contribution, ...] = ()  # largest (by size) first

    def contributions_by_feature(self) -> dict[str, float]:
        return {c.feature: c.contribution for c in self.contributions}


@dataclass(frozen=True, slots=True)
class LeadModel:
    """Weights and feature means of a fitted (or the prior) model, and its version."""

    version: str
    intercept: float
    weights: dict[str, float]
    means: dict[str, float] = field(default_factory=dict)

    @property
    def base(self) -> float:
        """The logit of a lead whose every feature is at its mean."""
        return self.intercept + sum(w * self.means.get(n, 0.0) for n, w in self.weights.items())

    def score(self, features: dict[str, float]) -> LeadScore:
        terms = [Contribution(name, _LABELS.get(name, name), features.get(name, 0.0),
                              weight * (features.get(name, 0.0) - self.means.get(name, 0.0)))
                 for name, weight in self.weights.items()]
        base = self.base
        logit = base + math.fsum(t.contribution for t in terms)
        probability = _sigmoid(logit)
        terms.sort(key=lambda t: (-abs(t.contribution), t.feature))
        return LeadScore(score=round(100 * probability), probability=probability, logit=logit,
                         base=base, model_version=self.version, contributions=tuple(terms))


def _sigmoid(logit: float) -> float:
    # Two forms so that neither overflows for large |logit|.
    if logit >= 0:
        return 1.0 / (1.0 + math.exp(-logit))
    z = math.exp(logit)
    return z / (1.0 + z)
