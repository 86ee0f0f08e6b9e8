"""How an event or an aggregate's state reads in an audit answer: plain JSON values,
personal fields shown, masked or redacted.

`Personal` values read as the value (for whoever may see personal data), as `MASKED`
(for the others) or as `REDACTED` once the subject was erased, for everyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from domain.meta import EventMeta
from domain.personal import REDACTED, Personal
from domain.values import Money

__all__ = ["MASKED", "event_data", "plain", "public_state"]

MASKED = "[masked]"
# What every event carries: reported as fields of the entry, not in its data.
_ENVELOPE = frozenset({"originator_id", "originator_version", "timestamp", "meta",
                       "originator_topic"})


def plain(value: Any, *, reveal: bool) -> Any:
    """`value` as JSON: value objects as their canonical text, amounts in rappen."""
    match value:
        case Personal():
            if value.value is None:
                return REDACTED
            return plain(value.value, reveal=True) if reveal else MASKED
        case None | bool() | int() | float():
            return value
        case Enum():
            return value.value
        case str():
            return str(value)
        case Money():
            return value.rappen
        case UUID():
            return str(value)
        case datetime() | date():
            return value.isoformat()
        case EventMeta():
            return {"actor": value.actor, "correlation_id": value.correlation_id}
        case Mapping():
            return {str(k): plain(v, reveal=reveal) for k, v in value.items()}
        case list() | tuple():
            return [plain(v, reveal=reveal) for v in value]
        case set() | frozenset():
            return sorted((plain(v, reveal=reveal) for v in value), key=str)
    if is_dataclass(value) and not isinstance(value, type):
        names = [f.name for f in fields(value)]
        if len(names) == 1:  # a value object (Canton, Email, ...): its canonical text
            return str(value)
        return {name: plain(getattr(value, name), reveal=reveal) for name in names}
    return str(value)


def event_data(event: Any, *, reveal: bool) -> dict[str, Any]:
    """The event's own fields (not its envelope)."""
    return {key: plain(value, reveal=reveal) for key, value in vars(event).items()
            if key not in _ENVELOPE}


def public_state(aggregate: Any, *, reveal: bool) -> dict[str, Any]:
    """The aggregate's attributes (not the library's private ones)."""
    return {key: plain(value, reveal=reveal) for key, value in vars(aggregate).items()
            if not key.startswith("_")}
