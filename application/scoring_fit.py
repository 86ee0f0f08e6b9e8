"""`cis score fit`: learn the lead-scoring model from the outcomes in the log.

Replays the log once. Each customer with profiling consent gives at most one example:
its features are taken at the moment their first sale was opened (before that event is
folded in, so nothing of the sale's outcome leaks into them), or, for a customer who
never opened one and went dormant, at their last activity. The label is 1 when a
contract was signed within `WINDOW` of that moment, 0 when the customer is lost or
dormant, and every other customer (still open, or signed late) is left out. The oldest
70 % of the examples (by moment) train a logistic regression; the newest 30 % are the
hold-out on which AUC and calibration are measured, for the new and for the active
model. The fit is recorded as a `ScoringModel.Fitted` event, activated only when it does
at least as well as the active model on that hold-out, or when forced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import numpy as np
from eventsourcing.application import AggregateNotFoundError
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from application.scoring import REFERENCE_EVENT_TYPES, ScoringLog, active_model_of
from domain import events as e
from domain.journey import Stage
from domain.lead_features import FEATURE_NAMES, NOT_CONVERTED, LeadFacts, Reference
from domain.lead_model import LeadModel
from domain.meta import EventMeta
from domain.scoring_model import ModelFitted, ScoringModel

__all__ = ["HOLDOUT_SHARE", "MIN_EXAMPLES", "MIN_PER_CLASS", "WINDOW", "Example", "FitReport",
           "NotEnoughData", "fit_model", "fit_scoring_model", "labelled_examples"]

WINDOW = timedelta(days=90)  # a contract within this long after the moment counts as 1
HOLDOUT_SHARE = 0.3
MIN_EXAMPLES = 50
MIN_PER_CLASS = 10
# Inverse regularisation strengths tried (scikit-learn's C): few outcomes need more.
REGULARISATION = [0.01, 0.03, 0.1, 0.3, 1.0]


class NotEnoughData(Exception):
    """Too few labelled customers to fit and judge a model; nothing was recorded."""


@dataclass(frozen=True, slots=True)
class Example:
    moment: datetime
    features: dict[str, float]
    label: int


@dataclass(frozen=True, slots=True)
class FitReport:
    model: LeadModel
    metrics: dict[str, Any]
    activated: bool
    current_version: str
    reason: str  # why it was (not) activated, for the operator


@dataclass(slots=True)
class _Customer:
    facts: LeadFacts = field(default_factory=LeadFacts)
    at_sale: tuple[datetime, dict[str, float]] | None = None
    signed_at: datetime | None = None


def fit_scoring_model(app: Any, *, by: str, force: bool = False,
                      now: datetime | None = None) -> FitReport:
    """Fit, judge on the hold-out, and record the fit (activated when not worse, or
    forced). Raises NotEnoughData, recording nothing, when the log has too few outcomes."""
    examples, model_events = labelled_examples(app, now=now)
    train, holdout = _split(examples)
    model = fit_model(train, _next_version(app))
    current, _ = active_model_of(model_events)
    metrics = _metrics(model, current, train, holdout)
    better = metrics["auc_holdout"] >= metrics["current_auc_holdout"]
    activated = better or force
    reason = ("activated: at least as good as the active model on the hold-out" if better
              else "activated although worse than the active model (forced)" if force
              else "not activated: worse than the active model on the hold-out "
                   "(use --force to activate it anyway)")
    _record(app, model, metrics, examples, activated=activated, forced=force and not better,
            by=by)
    return FitReport(model, metrics, activated, current.version, reason)


def labelled_examples(app: Any, *, now: datetime | None = None
                      ) -> tuple[list[Example], list[Any]]:
    """The labelled examples, oldest moment first, and the log's model events."""
    customers, model_events, reference, last = _replay(ScoringLog(app))
    moment_now = now or last
    examples = sorted((x for c in customers.values() if (x := _example(c, moment_now, reference))),
                      key=lambda x: x.moment)
    return examples, model_events


def _replay(log: ScoringLog) -> tuple[dict[UUID, _Customer], list[Any], Reference, datetime]:
    customers: dict[UUID, _Customer] = {}
    owners: dict[UUID, UUID] = {}
    reference, models = Reference(), []
    last: datetime | None = None
    for event, _ in log.events():
        kind = type(event)
        last = event.timestamp if last is None else max(last, event.timestamp)
        if kind in REFERENCE_EVENT_TYPES:
            reference = reference.after(event)
        elif kind is ModelFitted:
            models.append(event)
        elif kind in e.CUSTOMER_EVENT_TYPES:
            customers.setdefault(event.originator_id, _Customer()).facts.add(event)
        elif kind in e.SALE_EVENT_TYPES:
            if kind is e.SaleOpened:
                owners[event.originator_id] = event.customer_id
            customer = customers.get(owners.get(event.originator_id))  # type: ignore[arg-type]
            if customer is not None:
                _sale_event(customer, event, reference)
    if last is None:
        raise NotEnoughData("too little data to fit: the log is empty")
    return customers, models, reference, last


def _sale_event(customer: _Customer, event: Any, reference: Reference) -> None:
    if customer.at_sale is None:
        # Taken before the sale is folded in: what was known when it was opened.
        customer.at_sale = (event.timestamp,
                            customer.facts.features(event.timestamp, reference))
    if type(event) is e.SaleContractSigned and customer.signed_at is None:
        customer.signed_at = event.timestamp
    customer.facts.add(event)


def _example(customer: _Customer, now: datetime, reference: Reference) -> Example | None:
    facts = customer.facts
    if not facts.scorable:
        return None  # scoring is profiling: no consent, no part in the fit either
    stage = facts.journey.stage(now)
    if customer.at_sale is not None:
        moment, features = customer.at_sale
        if customer.signed_at is not None:
            return Example(moment, features, 1) if customer.signed_at - moment <= WINDOW \
                else None
        return Example(moment, features, 0) if stage in NOT_CONVERTED else None
    last = facts.journey.last_activity
    if stage is Stage.DORMANT and last is not None:
        return Example(last, facts.features(last, reference), 0)
    return None


def _split(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    positives = sum(x.label for x in examples)
    negatives = len(examples) - positives
    if len(examples) < MIN_EXAMPLES or min(positives, negatives) < MIN_PER_CLASS:
        raise NotEnoughData(
            f"too little data to fit: {len(examples)} labelled customers with profiling "
            f"consent ({positives} signed within {WINDOW.days} days, {negatives} lost or "
            f"dormant); at least {MIN_EXAMPLES}, with {MIN_PER_CLASS} of each, are needed")
    cut = round(len(examples) * (1 - HOLDOUT_SHARE))
    train, holdout = examples[:cut], examples[cut:]
    for name, part in (("training", train), ("hold-out", holdout)):
        if len({x.label for x in part}) < 2:
            raise NotEnoughData(f"too little data to fit: the {name} part (split by time) "
                                "holds only one outcome; more outcomes are needed")
    return train, holdout


def _matrix(examples: list[Example]) -> tuple[Any, Any]:
    x = np.array([[ex.features[n] for n in FEATURE_NAMES] for ex in examples], dtype=float)
    return x, np.array([ex.label for ex in examples])


def fit_model(train: list[Example], version: str) -> LeadModel:
    """A logistic regression on these examples, in the features' own units."""
    x, y = _matrix(train)
    mean, spread = x.mean(axis=0), x.std(axis=0)
    # A feature that (nearly) never varied teaches nothing, and standardising it would
    # blow its noise up into a signal: it keeps weight 0 (e.g. the days since the last
    # activity, when every example's moment came right after one).
    varies = spread > 1e-3
    scale = np.where(varies, spread, 1.0)
    # Left out of the regression altogether, not just given weight 0 afterwards: even
    # milliseconds of such noise break ties between customers with the same journey in
    # the time-ordered folds, which then choose another regularisation (another model,
    # from the same outcomes, whenever the events were written a little faster).
    standardised = np.where(varies, (x - mean) / scale, 0.0)
    # The regularisation is chosen on the training part alone, by time-ordered folds
    # (each fold judged on customers later than those it learnt from), like the hold-out.
    # Judged by log-loss, what the regression itself minimises: it weighs the
    # probabilities, not only their order. A fold's AUC, on a few dozen customers many of
    # whom share a journey, ties across strengths, and the tie went to the strongest,
    # whose probabilities all huddle around the average.
    search = GridSearchCV(LogisticRegression(max_iter=2000), {"C": REGULARISATION},
                          cv=TimeSeriesSplit(n_splits=4), scoring="neg_log_loss")
    regression = search.fit(standardised, y).best_estimator_
    # Back to the features' own units: w = w_std / sd, and the intercept such that
    # intercept + Σ w·x̄ (the base value) is the standardised model's intercept.
    weights = np.where(varies, regression.coef_[0] / scale, 0.0)
    intercept = float(regression.intercept_[0] - weights @ mean)
    return LeadModel(version, intercept, dict(zip(FEATURE_NAMES, map(float, weights), strict=True)),
                     dict(zip(FEATURE_NAMES, map(float, mean), strict=True)))


def _metrics(model: LeadModel, current: LeadModel, train: list[Example],
             holdout: list[Example]) -> dict[str, Any]:
    _, y = _matrix(holdout)
    predicted = np.array([model.score(x.features).probability for x in holdout])
    before = np.array([current.score(x.features).probability for x in holdout])
    observed, mean_predicted = calibration_curve(y, predicted, n_bins=5, strategy="quantile")
    return {
        "n": len(train) + len(holdout), "n_train": len(train), "n_holdout": len(holdout),
        "positives": sum(x.label for x in train + holdout),
        "auc_holdout": round(float(roc_auc_score(y, predicted)), 4),
        "brier_holdout": round(float(brier_score_loss(y, predicted)), 4),
        "calibration_holdout": [{"predicted": round(float(p), 3), "observed": round(float(o), 3)}
                                for p, o in zip(mean_predicted, observed, strict=True)],
        "current_version": current.version,
        "current_auc_holdout": round(float(roc_auc_score(y, before)), 4),
        "holdout_from": holdout[0].moment.isoformat(),
    }


def _next_version(app: Any) -> str:
    found = _stored(app)
    return found.next_version() if found is not None else "fit-1"


def _stored(app: Any) -> ScoringModel | None:
    try:
        found: ScoringModel = app.repository.get(ScoringModel.id_for())
    except AggregateNotFoundError:
        return None
    return found


def _record(app: Any, model: LeadModel, metrics: dict[str, Any], examples: list[Example], *,
            activated: bool, forced: bool, by: str) -> None:
    meta = EventMeta(actor=by, correlation_id=f"score-fit-{model.version}")
    aggregate = _stored(app) or ScoringModel.start(meta=meta)
    aggregate.record_fit(model=model, metrics=metrics, window_from=examples[0].moment,
                         window_to=examples[-1].moment, activated=activated, forced=forced,
                         meta=meta)
    app.save(aggregate)
