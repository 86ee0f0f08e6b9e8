"""Who looked: every audit read and every DSG action, recorded as an event.

One trail per data subject (a customer, a sale, ...), so "who looked at this customer"
is one aggregate read. Its id is derived from the subject's id; the trail is created by
the first access it records.
"""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.meta import EventMeta
from domain.text import checked_text, optional_text

__all__ = ["ACCESS_EVENT_TYPES", "MAX_REASON_LENGTH", "AccessRecorded", "AccessTrail",
           "TrailOpened"]

MAX_REASON_LENGTH = 500
_TRAIL_NAMESPACE = uuid5(NAMESPACE_URL, "https://cis.example/audit-trail")


class AccessTrail(Aggregate):
    """The accesses to one subject's data, oldest first."""

    @staticmethod
    def id_for(subject_id: UUID) -> UUID:
        return uuid5(_TRAIL_NAMESPACE, subject_id.hex)

    @classmethod
    def open(cls, *, subject_id: UUID, meta: EventMeta) -> AccessTrail:
        return cls._create(cls.Opened, id=cls.id_for(subject_id), subject_id=subject_id,
                           meta=meta)

    class Opened(Aggregate.Created):
        subject_id: UUID
        meta: EventMeta

    @event(Opened)
    def __init__(self, *, subject_id: UUID, meta: EventMeta) -> None:
        self.subject_id = subject_id
        self.accesses = 0

    def record(self, *, role: str, action: str, subject_kind: str, reason: str | None,
               meta: EventMeta) -> None:
        """`action` says what was done (`history`, `state`, `export`, `erasure`, ...);
        `reason` is the caller's own words, kept only here."""
        self._access_recorded(
            actor=meta.actor, role=checked_text(role, field="role", max_length=50),
            action=checked_text(action, field="action", max_length=50),
            subject_kind=checked_text(subject_kind, field="subject_kind", max_length=50),
            reason=optional_text(reason, field="reason", max_length=MAX_REASON_LENGTH),
            meta=meta)

    @event("AccessRecorded")
    def _access_recorded(self, *, actor: str, role: str, action: str, subject_kind: str,
                         reason: str | None, meta: EventMeta) -> None:
        self.accesses += 1


# Typed names for the event classes, as in `domain.events` (which lists the published
# ones; these never are, see `application.publishing`).
_trail: Any = AccessTrail
TrailOpened: type[Any] = AccessTrail.Opened
AccessRecorded: type[Any] = _trail.AccessRecorded
ACCESS_EVENT_TYPES: frozenset[type[Any]] = frozenset({TrailOpened, AccessRecorded})
