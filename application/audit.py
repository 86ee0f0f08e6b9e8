"""Audit replay: an aggregate's history, its state at a version or a moment, and who looked.

Reads go to the event store (never to read models): what an auditor sees is what was
recorded. Every read of history or state, and every DSG action, is recorded on the
subject's `AccessTrail` (see `record_access`); the HTTP layer and the CLI call it after a
successful read and before answering, so no answer leaves without its record.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

import msgspec
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, AggregateEvent
from eventsourcing.persistence import Mapper, Notification

from application.aggregate_store import RERUNS_ON_CONCURRENT_WRITE, AggregateStore
from application.audit_view import event_data, public_state
from application.errors import Conflict, NotFound
from application.reasons import refuse_reason_quoting
from application.written import Written
from domain.audit_trail import AccessRecorded, AccessTrail
from domain.catalogue import CantonIncentive, VehicleModel
from domain.customer import Customer
from domain.errors import InvalidValue
from domain.meta import EventMeta
from domain.sale import Sale

__all__ = ["AUDITED_KINDS", "REASON_REQUIRED_FOR", "AccessEntry", "AuditUseCases",
           "HistoryEntry", "HistoryFilter", "HistoryPage", "StateAt", "event_types_of"]

# The kinds an auditor may replay, by the name the API and the CLI use.
AUDITED_KINDS: dict[str, type[Aggregate]] = {
    "customers": Customer, "sales": Sale, "models": VehicleModel, "incentives": CantonIncentive,
}
# The DPO acts under the DSG: each look at personal data needs its stated purpose.
REASON_REQUIRED_FOR = frozenset({"dpo"})
_PAGE_READ = 500  # events read from the store at a time while filtering


@runtime_checkable
class PagedLog(Protocol):
    """The recorder's page of the log with an extra condition (our Postgres recorder)."""

    def select_notifications(
        self, start: int | None, limit: int, stop: int | None = None,
        topics: Sequence[str] = (), *, inclusive_of_start: bool = True,
        where: tuple[str, list[Any]] | None = None,
    ) -> Sequence[Notification]: ...


def event_types_of(kind: type[Aggregate]) -> dict[str, type[Any]]:
    """The event classes of an aggregate class by short name (`Registered`, `Quoted`)."""
    return {name: value for name, value in vars(kind).items()
            if isinstance(value, type) and issubclass(value, AggregateEvent)}


@dataclass(frozen=True, slots=True)
class HistoryFilter:
    types: frozenset[str] = frozenset()
    actor: str | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None

    def admits(self, event: Any) -> bool:
        meta = getattr(event, "meta", None)
        return ((not self.types or type(event).__name__ in self.types)
                and (self.actor is None or (meta is not None and meta.actor == self.actor))
                and (self.occurred_from is None or event.timestamp >= self.occurred_from)
                and (self.occurred_to is None or event.timestamp <= self.occurred_to))


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    type: str
    class_version: int
    version: int
    position: int
    occurred_at: datetime
    actor: str | None
    correlation_id: str | None
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class HistoryPage:
    items: list[HistoryEntry]
    next_after_version: int | None  # pass as `after_version` for the next page


@dataclass(frozen=True, slots=True)
class StateAt:
    kind: str
    id: UUID
    version: int
    position: int
    occurred_at: datetime
    state: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AccessEntry:
    occurred_at: datetime
    position: int
    actor: str
    role: str
    action: str
    subject_kind: str
    reason: str | None
    correlation_id: str


class AuditUseCases(AggregateStore):
    """Replays for auditors and the DPO, and the trail of who looked."""

    # Set by the application's `construct_mapper` (services.py).
    mapper_leaving_personal_data_sealed: Mapper[UUID]

    # -- history ---------------------------------------------------------------

    def history(self, kind: str, aggregate_id: UUID, *, reveal: bool,
                where: HistoryFilter = HistoryFilter(), after_version: int = 0,
                limit: int = 50) -> HistoryPage:
        """The aggregate's events in order, from `after_version` on, that `where` admits."""
        self._kind_of(kind, aggregate_id)
        items: list[HistoryEntry] = []
        for position, event in self._events(aggregate_id, after_version, self.mapper):
            if not where.admits(event):
                continue
            if len(items) == limit:
                return HistoryPage(items, items[-1].version)
            items.append(_entry(event, position, reveal=reveal))
        return HistoryPage(items, None)

    # -- state at a moment -----------------------------------------------------

    def state_at_version(self, kind: str, aggregate_id: UUID, version: int, *,
                         reveal: bool) -> StateAt:
        """The aggregate rebuilt by replay (from the nearest snapshot) up to `version`."""
        cls = self._kind_of(kind, aggregate_id)
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            raise NotFound(f"no {kind[:-1]} with id {aggregate_id}") from None
        if not isinstance(aggregate, cls) or aggregate.version != version:
            raise NotFound(f"{kind[:-1]} {aggregate_id} has no version {version} "
                           f"(its latest is {aggregate.version})")
        position = next(p for p, _ in self._events(aggregate_id, version - 1,
                                                   self.mapper_leaving_personal_data_sealed,
                                                   stop_version=version))
        return StateAt(kind, aggregate_id, version, position, aggregate.modified_on,
                       public_state(aggregate, reveal=reveal))

    def state_as_of(self, kind: str, aggregate_id: UUID, moment: datetime, *,
                    reveal: bool) -> StateAt:
        """The state after the last event at or before `moment`; NotFound before the first.

        Found by bisecting the versions: an aggregate's events are triggered one after
        the other, each on the stored one before it, so their timestamps follow their
        versions; a customer with 10,000 events needs 14 event reads, not 10,000."""
        self._kind_of(kind, aggregate_id)
        latest: int = self.repository.get(aggregate_id).version
        if self._timestamp_at(aggregate_id, 1) > moment:
            raise NotFound(f"{kind[:-1]} {aggregate_id} did not exist yet at {moment.isoformat()}")
        low, high = 1, latest  # the event at `low` is at or before `moment`
        while low < high:
            middle = (low + high + 1) // 2
            if self._timestamp_at(aggregate_id, middle) <= moment:
                low = middle
            else:
                high = middle - 1
        return self.state_at_version(kind, aggregate_id, low, reveal=reveal)

    # -- who looked ------------------------------------------------------------

    def record_access(self, subject_id: UUID, *, subject_kind: str, action: str, role: str,
                      reason: str | None, meta: EventMeta) -> Written:
        """Record that `meta.actor` (in `role`) did `action` on the subject's data, and why.

        Refused (InvalidValue "reason") without a reason when the role needs one."""
        if role in REASON_REQUIRED_FOR and (reason is None or not reason.strip()):
            raise InvalidValue("reason", f"is required for role {role}")
        if reason:
            self._refuse_reason_quoting(subject_id, subject_kind, reason)
        for attempt in range(1, RERUNS_ON_CONCURRENT_WRITE + 2):
            trail = self._trail_of(subject_id, meta)
            trail.record(role=role, action=action, subject_kind=subject_kind, reason=reason,
                         meta=meta)
            try:
                return self._save(trail)
            except Conflict:  # another look recorded at the same time: record ours after it
                if attempt > RERUNS_ON_CONCURRENT_WRITE:
                    raise
        raise AssertionError("unreachable")

    def _refuse_reason_quoting(self, subject_id: UUID, subject_kind: str, reason: str) -> None:
        """The reason is kept on the trail in clear: it may not quote the customer the
        subject is (or whose sale it is)."""
        try:
            if subject_kind == "sales":
                subject_id = self._get(subject_id, Sale).customer_id
            elif subject_kind != "customers":
                return
            customer = self._get(subject_id, Customer)
        except NotFound:
            return  # no customer (yet) whose data the reason could quote
        refuse_reason_quoting(reason, customer)

    def _trail_of(self, subject_id: UUID, meta: EventMeta) -> AccessTrail:
        """The subject's trail, opened by this access when it is the first."""
        try:
            return self._get(AccessTrail.id_for(subject_id), AccessTrail)
        except NotFound:
            return AccessTrail.open(subject_id=subject_id, meta=meta)

    def accesses(self, subject_id: UUID, *, after_version: int = 0,
                 limit: int = 100) -> tuple[list[AccessEntry], int | None]:
        """Who looked at the subject's data, oldest first (an empty list: nobody yet)."""
        found: list[AccessEntry] = []
        for position, event in self._events(AccessTrail.id_for(subject_id), after_version,
                                            self.mapper):
            if not isinstance(event, AccessRecorded):
                continue
            if len(found) == limit:
                return found, event.originator_version - 1
            found.append(AccessEntry(event.timestamp, position, event.actor, event.role,
                                     event.action, event.subject_kind, event.reason,
                                     event.meta.correlation_id))
        return found, None

    # -- reading the log -------------------------------------------------------

    def _kind_of(self, kind: str, aggregate_id: UUID) -> type[Aggregate]:
        """The aggregate class for `kind`; NotFound unless the id is one of that kind."""
        cls = AUDITED_KINDS[kind]
        first = next(self._events(aggregate_id, 0, self.mapper_leaving_personal_data_sealed,
                                  stop_version=1), None)
        if first is None or first[1].originator_topic.split(":")[-1] != cls.__qualname__:
            raise NotFound(f"no {kind[:-1]} with id {aggregate_id}")
        return cls

    def _events(self, aggregate_id: UUID, after_version: int, mapper: Mapper[UUID], *,
                stop_version: int | None = None) -> Iterator[tuple[int, Any]]:
        """(position, event) of the aggregate after `after_version`, in order."""
        for notification in self._notifications(aggregate_id, after_version, stop_version):
            yield notification.id, mapper.to_domain_event(notification)

    def _notifications(self, aggregate_id: UUID, after_version: int,
                       stop_version: int | None = None) -> Iterator[Notification]:
        """The aggregate's stored events after `after_version`, with their log positions."""
        log = self.recorder
        if not isinstance(log, PagedLog):
            raise TypeError(f"{type(log).__name__} cannot read an aggregate's positions")
        version = after_version
        while stop_version is None or version < stop_version:
            page = log.select_notifications(None, _PAGE_READ, where=(
                "originator_id = %s AND originator_version > %s"
                + ("" if stop_version is None else " AND originator_version <= %s"),
                [aggregate_id, version] + ([] if stop_version is None else [stop_version])))
            yield from page
            if len(page) < _PAGE_READ:
                return
            version = page[-1].originator_version

    def _timestamp_at(self, aggregate_id: UUID, version: int) -> datetime:
        return self._timestamp_of(next(self._notifications(aggregate_id, version - 1, version)))

    def _timestamp_of(self, stored: Notification) -> datetime:
        """When the stored event happened, without decoding (or opening) the rest."""
        if self.mapper.compressor is None and self.mapper.cipher is None:
            try:
                return datetime.fromisoformat(_STAMP.decode(stored.state).timestamp.iso)
            except (msgspec.DecodeError, ValueError):
                pass  # not the transcoder's plain JSON: decode it the long way
        event: Any = self.mapper_leaving_personal_data_sealed.to_domain_event(stored)
        timestamp: datetime = event.timestamp
        return timestamp


class _Iso(msgspec.Struct):
    iso: str = msgspec.field(name="_data_")


class _Stamped(msgspec.Struct):
    """The one field of a stored event (the library's JSON) that `state_as_of` needs."""

    timestamp: _Iso


_STAMP = msgspec.json.Decoder(_Stamped)


def _entry(event: Any, position: int, *, reveal: bool) -> HistoryEntry:
    meta = getattr(event, "meta", None)
    return HistoryEntry(
        type=type(event).__name__, class_version=getattr(type(event), "class_version", 1),
        version=event.originator_version, position=position, occurred_at=event.timestamp,
        actor=None if meta is None else meta.actor,
        correlation_id=None if meta is None else meta.correlation_id,
        data=event_data(event, reveal=reveal))

