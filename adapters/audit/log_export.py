"""The event log as the lines of a signed export, read page by page in log order.

Each event is exported from its stored JSON state, never through the application's
mapper: personal fields stay `{"_type_": "sealed", "_data_": {"subject", "sealed"}}`
as the store holds them, so an export never holds personal data in clear and a later
erasure (which destroys the key) leaves the file verifiable but its personal fields
unreadable. Values of other registered types keep the library's `{"_type_", "_data_"}`
form. Only one page of the log is in memory at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.persistence import InfrastructureFactory, Notification
from eventsourcing.utils import Environment, get_topic

from adapters.audit.signed_file import Chain
from adapters.postgres.config import eventsourcing_env
from adapters.postgres.recorder import PagedApplicationRecorder
from application.services import APPLICATION_NAME
from domain.catalogue import CantonIncentive, VehicleModel
from domain.customer import Customer
from domain.sale import Sale

__all__ = ["KINDS", "PAGE_SIZE", "ExportQuery", "export_lines", "log_recorder", "parse_moment"]

# The kinds of aggregate an export can be limited to, named as in the audit API's paths.
KINDS: dict[str, type[Any]] = {"customers": Customer, "sales": Sale, "models": VehicleModel,
                               "incentives": CantonIncentive}
_KIND_OF_CLASS = {get_topic(cls): kind for kind, cls in KINDS.items()}
PAGE_SIZE = 1000

_decode = msgspec.json.Decoder().decode


@dataclass(frozen=True, slots=True)
class ExportQuery:
    """Which events: `start` ≤ occurred_at < `end` (either open), of one kind, one id."""

    start: datetime | None = None
    end: datetime | None = None
    kind: str | None = None
    aggregate_id: UUID | None = None

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        for moment in (self.start, self.end):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("a time needs its offset, e.g. 2026-03-01T00:00:00+01:00")
        if self.start and self.end and self.start >= self.end:
            raise ValueError("the start of the time range must lie before its end")

    def where(self) -> tuple[str, list[Any]] | None:
        conditions: list[str] = []
        params: list[Any] = []
        if self.kind is not None:
            # A class's events are nested in it: their topics are the class's plus a name.
            conditions.append("starts_with(topic, %s)")
            params.append(get_topic(KINDS[self.kind]) + ".")
        if self.aggregate_id is not None:
            conditions.append("originator_id = %s")
            params.append(self.aggregate_id)
        return (" AND ".join(conditions), params) if conditions else None

    def includes(self, occurred_at: datetime) -> bool:
        return ((self.start is None or self.start <= occurred_at)
                and (self.end is None or occurred_at < self.end))


def parse_moment(text: str) -> datetime:
    """ISO-8601 with an offset (`2026-03-01T00:00:00+01:00`, `...Z`), or a date alone:
    midnight UTC of that day."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"not an ISO-8601 date or time: {text!r}") from None
    if moment.tzinfo is None:
        if len(text.strip()) == 10:  # a date: the day starts at midnight UTC
            return moment.replace(tzinfo=UTC)
        raise ValueError(f"a time needs its offset (e.g. +01:00 or Z): {text!r}")
    return moment


def log_recorder(database_url: str, *, query_timeout: float | None = None
                 ) -> PagedApplicationRecorder:
    """The event store's recorder alone: reading the log needs no application or keys."""
    env = eventsourcing_env(database_url, pool_size=2, max_overflow=2,
                            query_timeout=query_timeout)
    factory = InfrastructureFactory.construct(env=Environment(APPLICATION_NAME, env))
    recorder = factory.application_recorder()
    if not isinstance(recorder, PagedApplicationRecorder):
        raise TypeError(f"expected our paged recorder, not {type(recorder).__name__}")
    return recorder


def export_lines(recorder: PagedApplicationRecorder, query: ExportQuery,
                 key: Ed25519PrivateKey, *, page_size: int = PAGE_SIZE,
                 head: int | None = None,
                 progress: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """The export's lines (each ending in `\\n`), the signed manifest last.

    Reads the log up to `head` (default: its last position when called), so events
    written meanwhile do not stretch the export. `progress(n)` hears of every n
    positions read past.
    """
    if head is None:
        head = recorder.max_notification_id() or 0
    chain = Chain(key, time_range=(_iso(query.start), _iso(query.end)),
                  filters={"kind": query.kind,
                           "id": None if query.aggregate_id is None else str(query.aggregate_id)})
    where = query.where()
    timed = query.start is not None or query.end is not None
    position = 0
    while position < head:
        page = recorder.select_notifications(start=position, limit=page_size, stop=head,
                                             inclusive_of_start=False, where=where)
        if not page:
            break
        for notification in page:
            event = exported_event(notification)
            if not timed or query.includes(datetime.fromisoformat(event["occurred_at"])):
                yield chain.event_line(event)
        if progress is not None:
            progress(page[-1].id - position)
        position = page[-1].id
    if progress is not None and position < head:
        progress(head - position)
    yield chain.manifest_line()


def exported_event(notification: Notification) -> dict[str, Any]:
    """One stored event as an export line (before its `prev`): the stored state as stored."""
    try:
        state = _decode(notification.state)
    except msgspec.DecodeError:
        raise ValueError(f"the stored event at position {notification.id} is not JSON "
                         "(a compressed or encrypted store cannot be exported as stored)"
                         ) from None
    occurred_at = state.pop("timestamp")["_data_"]
    meta = state.pop("meta", None)
    meta_data = meta["_data_"] if isinstance(meta, dict) else {}
    class_version = state.pop("class_version", 1)
    aggregate, _, event_type = notification.topic.rpartition(".")
    return {
        "position": notification.id,
        "kind": _KIND_OF_CLASS.get(aggregate, aggregate.rpartition(":")[2].lower()),
        "id": str(notification.originator_id),
        "version": notification.originator_version,
        "type": event_type,
        "class_version": class_version,
        "topic": notification.topic,
        "occurred_at": occurred_at,
        "actor": meta_data.get("actor"),
        "correlation_id": meta_data.get("correlation_id"),
        "data": state,
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
