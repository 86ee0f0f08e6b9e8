"""Snapshots of our aggregates, stored through the same transcoder as their events.

The library's `Snapshot` stores `vars(aggregate)` as JSON. Ours hold what JSON cannot
say directly: a dict keyed by UUID (a customer's test drives), sets (consents), dates
and frozen dataclasses (`TestDrive`). `AggregateSnapshot` wraps the first two in small
registered types on the way in and unwraps them on the way out. `Personal` values go
through `SealedPersonal` like in any event: a snapshot holds them sealed with the
subject's key, so erasure shreds snapshots too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from eventsourcing.domain import Snapshot
from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.customer_facts import TestDrive, TestDriveStatus

__all__ = ["AggregateSnapshot", "register_snapshot_transcodings"]


@dataclass(frozen=True, slots=True)
class Entries:
    """A dict whose keys JSON cannot hold (UUIDs), as its items."""

    items: tuple[tuple[Any, Any], ...]


@dataclass(frozen=True, slots=True)
class Members:
    """A set, as a list."""

    items: tuple[Any, ...]


class AggregateSnapshot(Snapshot):
    @classmethod
    def take(cls, aggregate: Any) -> AggregateSnapshot:
        snapshot = super().take(aggregate)
        state = {key: _storable(value) for key, value in snapshot.state.items()}
        object.__setattr__(snapshot, "state", state)
        return snapshot

    def mutate(self, _: None) -> Any:
        aggregate = super().mutate(None)
        for key, value in list(vars(aggregate).items()):
            if isinstance(value, Entries):
                aggregate.__dict__[key] = dict(value.items)
            elif isinstance(value, Members):
                aggregate.__dict__[key] = set(value.items)
        return aggregate


def _storable(value: Any) -> Any:
    if isinstance(value, dict) and any(not isinstance(k, str) for k in value):
        return Entries(tuple(value.items()))
    if isinstance(value, set | frozenset):
        return Members(tuple(sorted(value, key=str)))
    return value


class EntriesAsList(Transcoding):
    type = Entries
    name = "entries"

    def encode(self, obj: Entries) -> list[list[Any]]:
        return [[key, value] for key, value in obj.items]

    def decode(self, data: list[list[Any]]) -> Entries:
        return Entries(tuple((key, value) for key, value in data))


class MembersAsList(Transcoding):
    type = Members
    name = "members"

    def encode(self, obj: Members) -> list[Any]:
        return list(obj.items)

    def decode(self, data: list[Any]) -> Members:
        return Members(tuple(data))


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class TestDriveAsDict(Transcoding):
    __test__ = False  # not a pytest test class, despite the name
    type = TestDrive
    name = "test_drive"

    def encode(self, obj: TestDrive) -> dict[str, Any]:
        return {"id": obj.id, "model": obj.model, "scheduled_at": obj.scheduled_at,
                "status": obj.status.value, "rating": obj.rating}

    def decode(self, data: dict[str, Any]) -> TestDrive:
        return TestDrive(data["id"], data["model"], data["scheduled_at"],
                         TestDriveStatus(data["status"]), data["rating"])


def register_snapshot_transcodings(transcoder: JSONTranscoder) -> None:
    for transcoding in (EntriesAsList(), MembersAsList(), DateAsISO(), TestDriveAsDict()):
        transcoder.register(transcoding)
