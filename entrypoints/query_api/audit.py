"""Audit replay over HTTP: history, state at a version or a moment, and who looked.

Roles auditor, dpo and admin. Personal fields are shown to the DPO only (the one role
with a legal basis to see them, DSG); auditors and admins see them masked, and after an
erasure everyone sees them redacted. Every read of history or state is recorded on the
subject's access trail before the answer goes out; the DPO must give a `reason`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar
from uuid import UUID

from litestar import Controller, Request, get
from litestar.params import Parameter

from application.audit import (
    AUDITED_KINDS,
    REASON_REQUIRED_FOR,
    AccessEntry,
    HistoryFilter,
    HistoryPage,
    StateAt,
    event_types_of,
)
from application.errors import NotFound
from application.services import CustomerIntelligence
from domain.audit_trail import MAX_REASON_LENGTH
from domain.meta import EventMeta
from entrypoints.http.auth import Caller, Role, require_roles
from entrypoints.http.openapi import query_responses
from entrypoints.http.problems import ServiceUnavailable
from entrypoints.http.request_id import current_request_id
from entrypoints.query_api.params import NO_CONTROL_CHARACTERS, bad_parameter, plain_text

__all__ = [
    "AUDIT_READ_TIMEOUT_SECONDS",
    "AccessPage",
    "AuditController",
    "AuditReads",
    "Reason",
    "checked_reason",
]

AUDIT_READ_TIMEOUT_SECONDS = 10.0
T = TypeVar("T")
Req = Request[Caller, Any, Any]
Reason = Annotated[str | None, plain_text(max_length=MAX_REASON_LENGTH)]
Limit = Annotated[int, Parameter(ge=1, le=500)]
AfterVersion = Annotated[int, Parameter(ge=0, le=2**31, description=
                                        "Start after this aggregate version (a page's "
                                        "`next_after_version`).")]


class AuditReads:
    """Runs the application's blocking reads in worker threads: a few at a time, each
    bounded, so a slow replay or a stalled Postgres is a 503, never a hang."""

    def __init__(self, cis: CustomerIntelligence, *, concurrent: int = 4,
                 timeout: float = AUDIT_READ_TIMEOUT_SECONDS) -> None:
        self.cis = cis
        self._slots = asyncio.Semaphore(concurrent)
        self._timeout = timeout

    async def run(self, work: Callable[[CustomerIntelligence], T]) -> T:
        try:
            async with asyncio.timeout(self._timeout), self._slots:
                return await asyncio.to_thread(work, self.cis)
        except TimeoutError:
            raise ServiceUnavailable("the event store did not answer in time; retry shortly"
                                     ) from None


@dataclass(frozen=True, slots=True)
class AccessPage:
    subject: UUID
    items: list[AccessEntry]
    next_after_version: int | None


def _checked_kind(kind: str) -> str:
    if kind not in AUDITED_KINDS:
        raise NotFound(f"no audited kind {kind!r}; one of {', '.join(AUDITED_KINDS)}")
    return kind


def checked_reason(caller: Caller, reason: str | None) -> str | None:
    if caller.role.value in REASON_REQUIRED_FOR and (reason is None or not reason.strip()):
        bad_parameter("reason", f"is required for role {caller.role.value}")
    return reason


def _aware(name: str, moment: datetime | None) -> datetime | None:
    if moment is not None and moment.utcoffset() is None:
        bad_parameter(name, "needs a time zone, e.g. 2026-03-03T12:00:00+01:00 or ...Z")
    return moment


def _recorded(read: Callable[[CustomerIntelligence], T], request: Req, *, kind: str,
              subject: UUID, action: str, reason: str | None
              ) -> Callable[[CustomerIntelligence], T]:
    """`read`, then the record of it: no answer leaves without its access event."""
    caller: Caller = request.user
    meta = EventMeta(actor=caller.subject, correlation_id=current_request_id())

    def work(cis: CustomerIntelligence) -> T:
        answer = read(cis)
        cis.record_access(subject, subject_kind=kind, action=action, role=caller.role.value,
                          reason=reason, meta=meta)
        return answer

    return work


class AuditController(Controller):
    path = "/audit"
    tags = ["audit"]
    guards = [require_roles(Role.AUDITOR, Role.DPO, Role.ADMIN)]

    @get("/access", summary="Who looked at a subject's data", responses=query_responses(),
         description="Roles: auditor, dpo, admin. Every audit read and DSG action on the "
         "subject, oldest first: who, in which role, what, why, when.")
    async def access(self, audit: AuditReads, subject: UUID, after_version: AfterVersion = 0,
                     limit: Limit = 100) -> AccessPage:
        found, more = await audit.run(
            lambda cis: cis.accesses(subject, after_version=after_version, limit=limit))
        return AccessPage(subject, found, more)

    @get("/{kind:str}/{aggregate_id:uuid}/events", summary="An aggregate's history",
         responses=query_responses(),
         description="Roles: auditor, dpo (needs `reason`), admin. Events in order with "
         "type, class version, version, log position, occurred_at, actor, correlation "
         "id and data; personal fields masked except for the DPO. Filters combine; "
         "`type` takes event names separated by commas.")
    async def events(
        self, kind: str, aggregate_id: UUID, request: Req, audit: AuditReads,
        type_: Annotated[str | None, Parameter(
            query="type", max_length=500, pattern=NO_CONTROL_CHARACTERS, required=False,
            description="Event names, separated by commas.")] = None,
        actor: Annotated[str | None, plain_text(max_length=100)] = None,
        occurred_from: Annotated[datetime | None, Parameter(query="from")] = None,
        occurred_to: Annotated[datetime | None, Parameter(query="to")] = None,
        after_version: AfterVersion = 0, limit: Limit = 50, reason: Reason = None,
    ) -> HistoryPage:
        kind = _checked_kind(kind)
        reason = checked_reason(request.user, reason)
        where = HistoryFilter(types=_types(kind, type_), actor=actor,
                              occurred_from=_aware("from", occurred_from),
                              occurred_to=_aware("to", occurred_to))
        if where.occurred_from and where.occurred_to and where.occurred_from > where.occurred_to:
            bad_parameter("from", "is after `to`")
        reveal = request.user.role is Role.DPO
        return await audit.run(_recorded(
            lambda cis: cis.history(kind, aggregate_id, reveal=reveal, where=where,
                                    after_version=after_version, limit=limit),
            request, kind=kind, subject=aggregate_id, action="history", reason=reason))

    @get("/{kind:str}/{aggregate_id:uuid}/state", summary="An aggregate as it stood",
         responses=query_responses(),
         description="Roles: auditor, dpo (needs `reason`), admin. Exactly one of "
         "`version` (that version) or `as_of` (after the last event at or before that "
         "moment; 404 before the first). Rebuilt by replay from the nearest snapshot.")
    async def state(
        self, kind: str, aggregate_id: UUID, request: Req, audit: AuditReads,
        version: Annotated[int | None, Parameter(ge=1, le=2**31)] = None,
        as_of: datetime | None = None, reason: Reason = None,
    ) -> StateAt:
        kind = _checked_kind(kind)
        reason = checked_reason(request.user, reason)
        if (version is None) == (as_of is None):
            bad_parameter("version", "give exactly one of `version` and `as_of`")
        reveal = request.user.role is Role.DPO
        read: Callable[[CustomerIntelligence], StateAt]
        if version is not None:
            wanted = version
            read = lambda cis: cis.state_at_version(kind, aggregate_id, wanted,  # noqa: E731
                                                    reveal=reveal)
        else:
            moment: datetime = _aware("as_of", as_of) or datetime.min
            read = lambda cis: cis.state_as_of(kind, aggregate_id, moment,  # noqa: E731
                                               reveal=reveal)
        return await audit.run(_recorded(read, request, kind=kind, subject=aggregate_id,
                                         action="state", reason=reason))


def _types(kind: str, raw: str | None) -> frozenset[str]:
    if not raw:
        return frozenset()
    known = event_types_of(AUDITED_KINDS[kind])
    names = frozenset(name.strip() for name in raw.split(",") if name.strip())
    unknown = sorted(names - known.keys())
    if unknown:
        bad_parameter("type", f"no {kind[:-1]} event {', '.join(unknown)}; "
                              f"one of {', '.join(sorted(known))}")
    return names
