"""The lead-scoring model as an aggregate: each fit is an event, so every past score can
be reproduced with the model that made it.

One aggregate holds the whole line of models (its id is fixed); each `Fitted` event
records the weights, the feature means, the hold-out metrics, the data window and who
ran the fit, and whether it was activated (a fit worse than the active model is recorded
but not activated unless forced); each `ScoresRefreshed` says that every score is to be
recomputed as of then (`cis score refresh`). Nothing here is personal: it describes the
model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.lead_model import LeadModel
from domain.meta import EventMeta

__all__ = ["MODEL_EVENT_TYPES", "ModelFitted", "ScoresRefreshed", "ScoringModel",
           "ScoringModelCreated"]

_ID = uuid5(NAMESPACE_URL, "https://cis.example/scoring-model")


class ScoringModel(Aggregate):
    """The fitted lead-scoring models, oldest first; `active` is what scores now."""

    @staticmethod
    def id_for() -> UUID:
        return _ID

    @classmethod
    def start(cls, *, meta: EventMeta) -> ScoringModel:
        return cls._create(cls.Created, id=_ID, meta=meta)

    class Created(Aggregate.Created):
        meta: EventMeta

    @event(Created)
    def __init__(self, *, meta: EventMeta) -> None:
        self.active: LeadModel | None = None
        self.fits = 0

    def next_version(self) -> str:
        return f"fit-{self.fits + 1}"

    def record_fit(self, *, model: LeadModel, metrics: dict[str, Any], window_from: datetime,
                   window_to: datetime, activated: bool, forced: bool, meta: EventMeta) -> None:
        """Record a fit; `activated` makes it the model that scores from now on."""
        self._fitted(version=model.version, intercept=model.intercept,
                     weights=dict(model.weights), means=dict(model.means), metrics=metrics,
                     window_from=window_from, window_to=window_to, fitted_by=meta.actor,
                     activated=activated, forced=forced, meta=meta)

    @event("Fitted")
    def _fitted(self, *, version: str, intercept: float, weights: dict[str, float],
                means: dict[str, float], metrics: dict[str, Any], window_from: datetime,
                window_to: datetime, fitted_by: str, activated: bool, forced: bool,
                meta: EventMeta) -> None:
        self.fits += 1
        if activated:
            self.active = LeadModel(version, intercept, dict(weights), dict(means))

    def refresh_scores(self, *, meta: EventMeta) -> None:
        """Every score is to be recomputed as of this event's moment. Time alone changes
        some features (days since the last activity, touchpoints in the last 30 days,
        going dormant) with no event of the customer's; this puts the moment in the log,
        so a score computed at it can still be reproduced."""
        self._scores_refreshed(meta=meta)

    @event("ScoresRefreshed")
    def _scores_refreshed(self, *, meta: EventMeta) -> None:
        pass


_model: Any = ScoringModel
ScoringModelCreated: type[Any] = ScoringModel.Created
ModelFitted: type[Any] = _model.Fitted
ScoresRefreshed: type[Any] = _model.ScoresRefreshed
MODEL_EVENT_TYPES: frozenset[type[Any]] = frozenset({ScoringModelCreated, ModelFitted,
                                                     ScoresRefreshed})
