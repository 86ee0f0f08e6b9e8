"""GET /api/v1/audit/export: the signed export of the event log, streamed as JSON Lines.

The same file `cis audit export` writes (see `adapters.audit`): one event per line in
log order, personal fields sealed as stored, each line chained to the one before by
SHA-256, the signed manifest last. Read page by page from the event store in a worker
thread, so neither the log nor the file is ever held in memory.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any
from uuid import NAMESPACE_URL, UUID, uuid5

import anyio.to_thread
import structlog
from litestar import Controller, Request, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter, ParameterKwarg
from litestar.response import Stream

from adapters.audit.log_export import KINDS, ExportQuery, export_lines, log_recorder, parse_moment
from adapters.audit.signed_file import parse_private_key
from adapters.postgres.recorder import PagedApplicationRecorder
from domain.meta import EventMeta
from entrypoints.http.auth import Caller, Role, require_roles
from entrypoints.http.openapi import query_responses
from entrypoints.http.request_id import current_request_id
from entrypoints.query_api.audit import AuditReads, Reason, checked_reason
from entrypoints.query_api.params import NO_CONTROL_CHARACTERS, bad_parameter, plain_text

__all__ = ["EXPORT_MEDIA_TYPE", "WHOLE_LOG_SUBJECT", "AuditExportController", "ExportSource"]

EXPORT_MEDIA_TYPE = "application/x-ndjson"
CHUNK_BYTES = 256 * 1024  # lines are handed to the server in chunks, not one thread hop each
QUERY_TIMEOUT = 5.0  # seconds for each page of the log

log = structlog.get_logger()
Req = Request[Caller, Any, Any]


class ExportSource:
    """The event store's recorder (opened on the first export) and the signing key."""

    def __init__(self, database_url: str, signing_key: str) -> None:
        self.key = parse_private_key(signing_key)  # a bad key stops the API at start-up
        self._database_url = database_url
        self._recorder: PagedApplicationRecorder | None = None
        self._lock = threading.Lock()

    def recorder(self) -> PagedApplicationRecorder:
        with self._lock:
            if self._recorder is None:
                self._recorder = log_recorder(self._database_url, query_timeout=QUERY_TIMEOUT)
            return self._recorder

    def close(self) -> None:
        with self._lock:
            if self._recorder is not None:
                self._recorder.datastore.close()
                self._recorder = None


def _responses() -> dict[int, ResponseSpec]:
    return {**{code: spec for code, spec in query_responses().items() if code != 404},
            200: ResponseSpec(data_container=str, media_type=EXPORT_MEDIA_TYPE,
                              description="JSON Lines: one event a line, hash-chained, the "
                              "signed manifest last", generate_examples=False)}


class AuditExportController(Controller):
    path = "/audit"
    tags = ["audit"]
    guards = [require_roles(Role.AUDITOR, Role.DPO, Role.ADMIN)]

    @get("/export", summary="Signed export of the event log (JSON Lines)",
         responses=_responses(),
         description="Every event in log order with `occurred_at` in [from, to), optionally "
         "of one kind or one aggregate; personal fields sealed as stored. Each line's `prev` "
         "is the SHA-256 of the line before; the last line is the manifest with an Ed25519 "
         "signature. Check it with `cis audit verify FILE`. Roles auditor, dpo, admin.")
    async def export(
        self, request: Req, export_source: ExportSource, audit: AuditReads,
        start: Annotated[str | None, _moment("from", "at or after")] = None,
        end: Annotated[str | None, _moment("to", "before")] = None,
        kind: Annotated[str | None, plain_text(max_length=20)] = None,
        aggregate_id: Annotated[UUID | None, Parameter(query="id", required=False)] = None,
        reason: Reason = None,
    ) -> Stream:
        query = _query(start, end, kind, aggregate_id)
        reason = checked_reason(request.user, reason)
        recorder = await anyio.to_thread.run_sync(export_source.recorder)
        # Read before the answer starts: a database that does not answer is a 503, and
        # events written while the file streams stay out of it.
        head = await anyio.to_thread.run_sync(recorder.max_notification_id) or 0
        await _exported(audit, request.user, query, head, reason)
        lines = export_lines(recorder, query, export_source.key, head=head)
        return Stream(_in_threads(_chunks(lines)), media_type=EXPORT_MEDIA_TYPE, headers={
            "Content-Disposition": 'attachment; filename="cis-audit-export.jsonl"'})


# The subject of exports that are not of one aggregate: `GET /audit/access?subject=` it.
WHOLE_LOG_SUBJECT = uuid5(NAMESPACE_URL, "https://cis.example/audit/event-log")


def _moment(name: str, meaning: str) -> ParameterKwarg:
    parameter: ParameterKwarg = Parameter(
        query=name, max_length=40, pattern=NO_CONTROL_CHARACTERS, required=False,
        description=f"Events {meaning} this time: ISO-8601 with offset, or a date (UTC).")
    return parameter


async def _exported(audit: AuditReads, caller: Caller, query: ExportQuery, head: int,
                    reason: str | None) -> None:
    """The one place an export is recorded, before the file goes out: on the access trail
    of the one aggregate exported, or of the log as a whole (`WHOLE_LOG_SUBJECT`) when
    the export is not of one aggregate. The log line holds no personal data.
    """
    subject = query.aggregate_id or WHOLE_LOG_SUBJECT
    meta = EventMeta(actor=caller.subject, correlation_id=current_request_id())
    await audit.run(lambda cis: cis.record_access(
        subject, subject_kind=query.kind or "log", action="export", role=caller.role.value,
        reason=reason, meta=meta))
    log.info("audit export", role=caller.role.value, kind=query.kind,
             aggregate_id=None if query.aggregate_id is None else str(query.aggregate_id),
             start=None if query.start is None else query.start.isoformat(),
             end=None if query.end is None else query.end.isoformat(), head=head)


def _query(start: str | None, end: str | None, kind: str | None,
           aggregate_id: UUID | None) -> ExportQuery:
    """The parameters as an export query; 400 naming the one that is wrong."""
    moments = {}
    for name, text in (("from", start), ("to", end)):
        try:
            moments[name] = None if text is None else parse_moment(text)
        except ValueError as error:
            bad_parameter(name, str(error))
    if kind is not None and kind not in KINDS:
        bad_parameter("kind", f"must be one of {', '.join(KINDS)}")
    try:
        return ExportQuery(start=moments["from"], end=moments["to"], kind=kind,
                           aggregate_id=aggregate_id)
    except ValueError as error:
        bad_parameter("from", str(error))


def _chunks(lines: Iterator[bytes]) -> Iterator[bytes]:
    chunk: list[bytes] = []
    size = 0
    for line in lines:
        chunk.append(line)
        size += len(line)
        if size >= CHUNK_BYTES:
            yield b"".join(chunk)
            chunk, size = [], 0
    if chunk:
        yield b"".join(chunk)


async def _in_threads(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """Each chunk made in a worker thread (the reads are blocking). An error surfaces as
    an error, cutting the answer short: a file without its manifest never verifies."""
    while (chunk := await anyio.to_thread.run_sync(next, chunks, None)) is not None:
        yield chunk
