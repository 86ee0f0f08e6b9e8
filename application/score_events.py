"""`cis.scores.updated`: the PII-free message the scoring consumer publishes per score.

Ids, the score, the probability, the model version and each feature's contribution by
feature name; never a name, contact, note or anything else of the customer's profile.
`scored` False means the customer's scores were removed (profiling consent withdrawn,
or erased).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

__all__ = ["SCORES_SUBJECT", "LeadScoreUpdated"]

SCORES_SUBJECT = "cis.scores.updated"


class LeadScoreUpdated(msgspec.Struct, frozen=True, kw_only=True):
    schema_version: int = 1
    customer_id: UUID
    position: int
    moment: datetime
    scored: bool
    score: int | None = None
    probability: float | None = None
    model_version: str | None = None
    contributions: dict[str, float] = msgspec.field(default_factory=dict)
