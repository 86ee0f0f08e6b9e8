"""Who caused an event and under which request: carried by every domain event."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EventMeta"]


@dataclass(frozen=True, slots=True)
class EventMeta:
    """The actor (subject of the caller's token) and the correlation (request) id.

    When it happened is the event's own `timestamp` (occurred_at).
    """

    actor: str
    correlation_id: str
