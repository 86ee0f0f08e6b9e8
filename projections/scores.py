"""Reads of the lead scores the scoring consumer stores (`adapters/postgres/scores.py`).

Each row names the customer's salesperson as the log had it when the score was
computed, so whose a score is needs no other read model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from projections.reading import Reader

__all__ = ["CallListEntry", "LeadScoreView", "ScoreContribution", "ScoreHistory",
           "ScoreQueries"]


class ScoreContribution(msgspec.Struct, frozen=True):
    feature: str
    label: str
    value: float
    contribution: float  # log-odds: w·(x - x̄)


class LeadScoreView(msgspec.Struct, frozen=True):
    """A score, explained: `base` plus every contribution is the `logit`; probability =
    1 / (1 + e^-logit); score = 100 · probability, rounded. Largest contribution first."""

    customer_id: UUID
    score: int
    probability: float
    base: float
    logit: float
    model_version: str
    contributions: list[ScoreContribution]
    position: int  # the log position the score was computed at
    moment: datetime  # when the last event it depends on happened
    salesperson: str | None = None


class ScoreHistory(msgspec.Struct, frozen=True):
    customer_id: UUID
    items: list[LeadScoreView]  # oldest first


class CallListEntry(msgspec.Struct, frozen=True):
    customer_id: UUID
    score: int
    probability: float
    model_version: str
    salesperson: str | None
    top_reasons: list[ScoreContribution]  # the three largest contributions
    moment: datetime


_COLUMNS = ("customer_id, score, probability, base, logit, model_version, contributions, "
            "position, moment")


class ScoreQueries(Reader):
    async def current(self, customer_id: UUID) -> LeadScoreView | None:
        row = await self.one(f"SELECT {_COLUMNS}, salesperson FROM read.lead_scores "
                             "WHERE customer_id = %s AND model_version IS NOT NULL",
                             (customer_id,))
        return _view(row) if row else None

    async def history(self, customer_id: UUID) -> list[LeadScoreView]:
        rows = await self.rows(f"SELECT {_COLUMNS} FROM read.lead_score_history "
                               "WHERE customer_id = %s ORDER BY position", (customer_id,))
        return [_view(row) for row in rows]

    async def call_list(self, *, salesperson: str | None, limit: int) -> list[CallListEntry]:
        """Highest scores first; one salesperson's customers, or everyone's (None)."""
        condition, params = ("AND salesperson = %s", [salesperson]) if salesperson else ("", [])
        rows = await self.rows(
            f"SELECT {_COLUMNS}, salesperson FROM read.lead_scores "
            f"WHERE model_version IS NOT NULL {condition} "
            "ORDER BY score DESC, probability DESC, customer_id LIMIT %s", [*params, limit])
        return [_entry(_view(row)) for row in rows]


def _view(row: dict[str, Any]) -> LeadScoreView:
    row["contributions"] = [ScoreContribution(**c) for c in row["contributions"]]
    return LeadScoreView(**row)


def _entry(view: LeadScoreView) -> CallListEntry:
    return CallListEntry(view.customer_id, view.score, view.probability, view.model_version,
                         view.salesperson, view.contributions[:3], view.moment)
