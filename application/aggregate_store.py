"""The base every use-case group builds on: load, check, run one command, save.

The use cases are grouped by aggregate (`customers.py`, `sales.py`, `catalogue.py`);
each group subclasses `AggregateStore`, and `services.CustomerIntelligence` is the one
application made of them all: one class to the type checker, small files to a reader.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from application.errors import Conflict, NotFound
from application.written import Written
from domain.catalogue import VehicleModel
from domain.errors import InvalidTransition
from domain.values import ModelCode

__all__ = ["RERUNS_ON_CONCURRENT_WRITE", "AggregateStore"]

RERUNS_ON_CONCURRENT_WRITE = 3
A = TypeVar("A", bound=Aggregate)


def _anyone(_aggregate: Aggregate) -> None:
    """No check before the command."""


class AggregateStore(Application[UUID]):
    """Loading, changing and saving aggregates for the use cases."""

    def _change(
        self,
        aggregate_id: UUID,
        kind: type[A],
        command: Callable[[A], object],
        expected_version: int | None,
        *,
        check: Callable[[A], None] = _anyone,
        **save_kwargs: Any,
    ) -> Written:
        """Load, check, run, save. `check` sees the loaded aggregate before the version is
        compared (who may act comes first) and may refuse; it runs on every attempt.

        Without an expected version, a concurrent write to the same aggregate is no
        conflict for the caller: the command runs again on the new version (and is
        refused there if it no longer applies), a few times at most."""
        for attempt in range(1, RERUNS_ON_CONCURRENT_WRITE + 2):
            aggregate = self._get(aggregate_id, kind)
            check(aggregate)
            if expected_version is not None and aggregate.version != expected_version:
                raise Conflict(f"version is {aggregate.version}, not {expected_version}")
            command(aggregate)
            if not aggregate.pending_events:
                return self._written_unchanged(aggregate)
            try:
                return self._save(aggregate, **save_kwargs)
            except Conflict:
                if expected_version is not None or attempt > RERUNS_ON_CONCURRENT_WRITE:
                    raise
        raise AssertionError("unreachable")

    def _get(self, aggregate_id: UUID, kind: type[A]) -> A:
        label = kind.__name__.lower()
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"no {label} with id {aggregate_id}") from None
        if not isinstance(aggregate, kind):
            raise NotFound(f"no {label} with id {aggregate_id}")
        return aggregate

    def _save(self, *aggregates: Aggregate, **kwargs: Any) -> Written:
        """Save atomically; `kwargs` reach the recorder's transaction (see
        `adapters.postgres.recorder`: `answer_id`, `destroy_key`)."""
        try:
            recordings = self.save(*aggregates, **kwargs)
        except IntegrityError:
            raise Conflict("changed concurrently by another request; reload and retry") from None
        last = aggregates[-1]
        return Written(last.id, last.version, recordings[-1].notification.id)

    def _written_unchanged(self, aggregate: Aggregate) -> Written:
        """For a command that changed nothing: the current version and log head."""
        return Written(aggregate.id, aggregate.version, self.recorder.max_notification_id() or 0)

    def _listed_model(self, code: ModelCode) -> VehicleModel:
        """The model, if it is on sale: NotFound when unknown, InvalidTransition when withdrawn."""
        try:
            model = self._get(VehicleModel.id_for(code), VehicleModel)
        except NotFound:
            raise NotFound(f"model {code} is not in the catalogue") from None
        if model.withdrawn:
            raise InvalidTransition(f"model {code} was withdrawn from sale")
        return model
