"""Checks every aggregate test uses: refusals leave no trace, replay rebuilds."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

import pytest
from eventsourcing.domain import Aggregate, CanMutateAggregate

__all__ = ["assert_unchanged", "event_names", "replayed"]


def event_names(aggregate: Aggregate) -> list[str]:
    return [type(e).__name__ for e in aggregate.collect_events()]


def assert_unchanged(
    aggregate: Aggregate, command: Callable[[], object], error: type[Exception]
) -> Exception:
    """Run a command that must fail, and check it left no trace."""
    before = dict(aggregate.__dict__)
    with pytest.raises(error) as refused:
        command()
    assert aggregate.__dict__ == before
    assert aggregate.pending_events == []
    return refused.value


def replayed(events: Sequence[CanMutateAggregate[uuid.UUID]]) -> Aggregate:
    aggregate: Aggregate | None = None
    for e in events:
        aggregate = e.mutate(aggregate)
    assert aggregate is not None
    return aggregate
