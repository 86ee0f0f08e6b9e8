"""Lead scoring from the log: a customer's score at a position or a moment, explained.

Everything a score depends on is in the application log: the customer's events, their
sales', the catalogue's prices and cantonal incentives, and the `ScoringModel` events
that say which model was active. So the score at any position is a pure fold of the log
up to it (`score_at`), and the consumer, `cis score explain --as-of` and the DSG export
all get the same answer. The log is read with personal fields left sealed: scoring
needs none of them.

A score's *moment* is the time of the last event it depends on (the customer's, their
sales', a catalogue or incentive change, an activated model, or the `ScoresRefreshed`
that `cis score refresh` writes every night, so that time passing is in the log too):
time-dependent features (days since the last activity, touchpoints in the last 30 days)
are taken then, so a stored score can be recomputed exactly, whenever that is asked.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from application.audit import PagedLog
from domain import events as e
from domain.lead_features import FEATURES, LeadFacts, Reference
from domain.lead_model import LeadModel, LeadScore
from domain.meta import EventMeta
from domain.scoring_model import ModelFitted, ScoresRefreshed, ScoringModel
from domain.scoring_prior import PRIOR

__all__ = ["REFERENCE_EVENT_TYPES", "ScoreAt", "ScoringLog", "active_model_of",
           "describe_active_model", "describe_model", "describe_models", "refresh_scores",
           "topic_of"]

_PAGE = 1_000
REFERENCE_EVENT_TYPES: frozenset[type[Any]] = frozenset({
    e.ModelListed, e.ModelChanged, e.ModelWithdrawn, e.IncentiveDeclared, e.IncentiveChanged,
    e.IncentiveEnded})


def topic_of(cls: type[Any]) -> str:
    return get_topic(cls)


_SHARED_TOPICS = [topic_of(t) for t in (*REFERENCE_EVENT_TYPES, ModelFitted, ScoresRefreshed)]
_OPENED_TOPIC = [topic_of(e.SaleOpened)]


@dataclass(frozen=True, slots=True)
class ScoreAt:
    """A customer's score as the log stood at `position` (None: not scored then)."""

    customer_id: UUID
    position: int  # the last event the score depends on
    moment: datetime
    salesperson: str | None
    score: LeadScore | None  # None without profiling consent (or after erasure)


@dataclass(slots=True)
class _Fold:
    facts: LeadFacts
    reference: Reference
    model: LeadModel
    moment: datetime | None = None
    position: int = 0

    def add(self, event: Any, position: int, own: set[UUID]) -> None:
        kind = type(event)
        if kind in REFERENCE_EVENT_TYPES:
            self.reference = self.reference.after(event)
        elif kind is ModelFitted:
            if not event.activated:
                return  # a refused fit changes no score
            self.model = LeadModel(event.version, event.intercept, dict(event.weights),
                                   dict(event.means))
        elif kind is ScoresRefreshed:
            pass  # changes nothing but the moment: time has passed
        elif event.originator_id in own:
            self.facts.add(event)
        else:
            return
        self.moment, self.position = event.timestamp, position


class ScoringLog:
    """Reads what scores depend on from the application log (`app`: CustomerIntelligence)."""

    def __init__(self, app: Any) -> None:
        self._log: PagedLog = app.recorder
        self._mapper = app.mapper_leaving_personal_data_sealed
        self._lock = threading.Lock()
        self._shared: list[tuple[Any, int]] = []
        self._shared_read_to = 0  # every shared event up to here is in `_shared`

    def score_at(self, customer_id: UUID, position: int | None = None, *,
                 sale_ids: Iterable[UUID] | None = None,
                 until: datetime | None = None) -> ScoreAt | None:
        """The score after the log up to `position` (or up to events at `until`); None
        when the customer was not registered by then."""
        sales = set(sale_ids) if sale_ids is not None else self.sales_of(customer_id, position)
        own = {customer_id, *sales}
        fold = _Fold(LeadFacts(), Reference(), PRIOR)
        for event, at in self._events(own, position):
            if until is not None and event.timestamp > until:
                break
            fold.add(event, at, own)
        if not fold.facts.registered or fold.moment is None:
            return None
        score = fold.model.score(fold.facts.features(fold.moment, fold.reference)) \
            if fold.facts.scorable else None
        return ScoreAt(customer_id, fold.position, fold.moment, fold.facts.salesperson, score)

    def sales_of(self, customer_id: UUID, position: int | None = None) -> set[UUID]:
        """The customer's sales opened up to `position` (read from the log's `Opened`)."""
        found: set[UUID] = set()
        for event, _ in self._select(None, position, ("topic = ANY(%s)", [_OPENED_TOPIC])):
            if event.customer_id == customer_id:
                found.add(event.originator_id)
        return found

    def active_model(self, position: int | None = None) -> tuple[LeadModel, Any | None]:
        """The model active at `position` (the prior before any activated fit), with the
        `Fitted` event that activated it."""
        return active_model_of(
            event for event, _ in self._select(None, position, (
                "originator_id = %s", [ScoringModel.id_for()])))

    def events(self, start: int | None = None) -> Iterator[tuple[Any, int]]:
        """The whole log (personal fields sealed), in order: for the fit."""
        return self._select(start, None, None)

    def describe(self, position: int | None = None) -> dict[str, Any]:
        """The active model's logic in plain terms (see `describe_model`)."""
        return describe_model(*self.active_model(position))

    def describe_versions(self, versions: set[str]) -> list[dict[str, Any]]:
        """The logic of each named model version (see `describe_models`)."""
        described = [describe_model(PRIOR, None)] if PRIOR.version in versions else []
        for event, _ in self._select(None, None, (
                "originator_id = %s", [ScoringModel.id_for()])):
            if type(event) is ModelFitted and event.activated and event.version in versions:
                described.append(describe_model(_model_of(event), event))
        return described

    def _events(self, own: set[UUID], position: int | None) -> Iterator[tuple[Any, int]]:
        """The customer's and their sales' events (read by id), merged in log order with
        the shared ones (catalogue, incentives, models) up to `position`."""
        mine = self._select(None, position, ("originator_id = ANY(%s)", [list(own)]))
        return heapq.merge(mine, self._shared_up_to(position), key=lambda pair: pair[1])

    def _shared_up_to(self, position: int | None) -> list[tuple[Any, int]]:
        # Shared events are few and never change: read each once, the new ones by a range
        # of positions, so a score costs the same however long the log has grown.
        with self._lock:
            if position is None or position > self._shared_read_to:
                new = list(self._select(self._shared_read_to, position,
                                        ("topic = ANY(%s)", [_SHARED_TOPICS])))
                self._shared.extend(new)
                if new or position is not None:
                    self._shared_read_to = max([self._shared_read_to, *(at for _, at in new),
                                                *([position] if position is not None else [])])
            return [pair for pair in self._shared if position is None or pair[1] <= position]

    def _select(self, after: int | None, stop: int | None,
                where: tuple[str, list[Any]] | None) -> Iterator[tuple[Any, int]]:
        """Events after position `after` (from the start when None) up to `stop`."""
        while True:
            page: list[Notification] = list(self._log.select_notifications(
                after, _PAGE, stop, inclusive_of_start=after is None, where=where))
            for notification in page:
                yield self._mapper.to_domain_event(notification), notification.id
            if len(page) < _PAGE:
                return
            after = page[-1].id


def refresh_scores(app: Any, *, by: str) -> tuple[int, datetime]:
    """Record that every score is to be recomputed now; the scoring consumer does it.
    Returns the event's log position and moment."""
    meta = EventMeta(actor=by, correlation_id=f"score-refresh-{uuid4()}")
    try:
        line: ScoringModel = app.repository.get(ScoringModel.id_for())
    except AggregateNotFoundError:
        line = ScoringModel.start(meta=meta)
    line.refresh_scores(meta=meta)
    recorded = app.save(line)[-1]
    return int(recorded.notification.id), recorded.domain_event.timestamp


def describe_active_model(app: Any) -> dict[str, Any]:
    """The logic of the model scoring now, in plain terms: for the DSG export (Art. 25
    revDSG asks for "the logic" of automated decisions) and anyone else who asks."""
    return ScoringLog(app).describe()


def describe_models(app: Any, versions: set[str]) -> list[dict[str, Any]]:
    """The logic of each named model version, as `describe_model` gives it, oldest first:
    the DSG export explains every score it lists by the model that made it, not only by
    the model active now."""
    return ScoringLog(app).describe_versions(versions)


def _model_of(fitted: Any) -> LeadModel:
    """The model a `ModelFitted` event recorded."""
    return LeadModel(fitted.version, fitted.intercept, dict(fitted.weights), dict(fitted.means))


def active_model_of(model_events: Iterable[Any]) -> tuple[LeadModel, Any | None]:
    model, fitted = PRIOR, None
    for event in model_events:
        if type(event) is ModelFitted and event.activated:
            model, fitted = _model_of(event), event
    return model, fitted


def describe_model(model: LeadModel, fitted: Any | None) -> dict[str, Any]:
    """The logic of the scoring model in plain terms (for the DSG export and the README):
    each feature with its label, how it is computed, why it is there, its weight and
    mean; the version, and when, by whom and how well it was fitted."""
    return {
        "version": model.version,
        "kind": "logistic regression: probability = 1 / (1 + e^-logit), "
                "logit = base + sum of weight x (value - mean); score = 100 x probability",
        "base": model.base,
        "fitted_at": fitted.timestamp.isoformat() if fitted is not None else None,
        "fitted_by": fitted.fitted_by if fitted is not None else None,
        "metrics": dict(fitted.metrics) if fitted is not None else None,
        "data_window": ({"from": fitted.window_from.isoformat(),
                         "to": fitted.window_to.isoformat()} if fitted is not None else None),
        "prior": fitted is None,
        "features": [{"name": f.name, "label": f.label, "how": f.how, "why": f.why,
                      "weight": model.weights.get(f.name, 0.0),
                      "mean": model.means.get(f.name, 0.0)} for f in FEATURES],
    }
