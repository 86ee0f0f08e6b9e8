"""Every command runs under an idempotency claim, so no answer about a write is a guess.

`Idempotency-Key` on a POST or PUT names the claim; without one, the command gets a
claim of its own. The transaction that writes the command's events records its answer
in the claim (`adapters.postgres.idempotency`), so:

- A retry with the same key and body gets the first answer (`Idempotent-Replayed:
  true`); with another body, 422; while the first has not answered, 409 with
  `Retry-After`. A claim whose process died is taken over once its lease (15 s) runs out.
- A 5xx is answered only after the claim is given up, which makes the command unable to
  write any more: a 503 means "not written". If the write landed after all, its real
  answer is sent instead. If Postgres cannot even be asked, the answer is 504 with
  problem type `OUTCOME_UNKNOWN` and the key in `Idempotency-Key`: sending the command
  again with that key applies it at most once and answers what happened.

Keys belong to the caller (token subject) that used them.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any
from uuid import UUID

import msgspec
import psycopg
import structlog
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPRequestEvent,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    Scope,
    Send,
)

from adapters.postgres.idempotency import Claim, IdempotencyStore, Recorded, current_claim
from entrypoints.http.bodies import WrittenBody
from entrypoints.http.problems import PROBLEM_JSON, Problem

__all__ = ["OUTCOME_UNKNOWN", "IdempotencyMiddleware"]

OUTCOME_UNKNOWN = "urn:cis:problem:outcome-unknown"
_MAX_KEY = 200
_CLAIMED_METHODS = ("POST", "PUT")
_IMPLICIT = "~"  # prefix of the keys made for requests without one
log = structlog.get_logger()


class IdempotencyMiddleware:
    """Needs an `IdempotencyStore` in the app state under "idempotency"."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        caller = getattr(scope.get("user"), "subject", None)
        if (scope["type"] != ScopeType.HTTP or scope["method"] not in _CLAIMED_METHODS
                or caller is None):
            await self.app(scope, receive, send)
            return
        # From the app state, not a constructor argument: Litestar copies middleware
        # arguments per route, which would copy the store's (unopened) connection pool.
        store: IdempotencyStore = scope["litestar_app"].state["idempotency"]
        key = _header(scope, b"idempotency-key")
        if key is not None and not (0 < len(key) <= _MAX_KEY and key.isprintable()):
            await _problem(send, 400, "Bad request",
                           "Idempotency-Key must be 1 to 200 printable characters")
            return
        implicit = key is None
        key = key if key is not None else _IMPLICIT + uuid.uuid4().hex
        body = await _read_body(receive)
        digest = hashlib.sha256(scope["path"].encode() + b"\n" + body).digest()
        token = uuid.uuid4()
        try:
            recorded = await store.claim(caller, key, digest, token)
        except psycopg.OperationalError as error:
            # Nothing ran, so nothing was written (a claim landing late only delays a retry).
            log.warning("command refused: claim not recorded", error=type(error).__name__)
            await _problem(send, 503, "Service unavailable",
                           "the database does not answer; nothing was written, retry shortly",
                           retry_after=2)
            return
        if recorded is not None:
            await _answer_recorded(send, recorded, digest)
            return
        claim = Claim(caller, key, token, _answer_for(scope))
        await _Run(self.app, store, claim, implicit).run(scope, body, send)


class _Run:
    """One command under its claim: run it, then answer what really happened."""

    def __init__(self, app: ASGIApp, store: IdempotencyStore, claim: Claim,
                 implicit: bool) -> None:
        self.app, self.store, self.claim, self.implicit = app, store, claim, implicit
        self.started: dict[str, Any] = {}
        self.chunks: list[bytes] = []

    async def run(self, scope: Scope, body: bytes, send: Send) -> None:
        async def replay_body() -> HTTPRequestEvent:
            return HTTPRequestEvent(type="http.request", body=body, more_body=False)

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.started.update(message)
            elif message["type"] == "http.response.body":
                self.chunks.append(message.get("body", b""))

        context = current_claim.set(self.claim)
        try:
            await self.app(scope, replay_body, capture)
        except Exception as error:
            log.error("command failed", error=type(error).__name__, exc_info=error)
            self.started = {"status": 500}
        finally:
            current_claim.reset(context)
        status = int(self.started.get("status", 500))
        if status >= 500:
            await self._settle_failure(send, status)
        else:
            await self._keep(send, status)

    async def _keep(self, send: Send, status: int) -> None:
        claim = self.claim
        if status == 400:
            # Refused before any command ran, and its answer may quote the body (an
            # unknown field's name, a value that is none of an enum's), which may be
            # personal data no erasure could reach here: not kept. The same request
            # gets the same 400 again; a corrected one may use the key.
            await self._send_captured(send)
            try:
                await self.store.abandon(claim.caller, claim.key, claim.token)
            except psycopg.OperationalError as error:
                log.warning("claim of a refused request not dropped",
                            error=type(error).__name__)
            return
        if self.implicit:
            # Answered first: the claim is only dropped to keep the table small, and the
            # answer (sent exactly once) does not depend on it.
            await self._send_captured(send)
            try:
                await self.store.forget(claim.caller, claim.key, claim.token)
            except psycopg.OperationalError as error:
                # Nobody knows its key, so nobody asks about it again: it just stays.
                log.warning("claim of a request without key not dropped",
                            error=type(error).__name__)
            return
        try:
            await self.store.complete(claim.caller, claim.key, claim.token, status,
                                      _content_type(self.started.get("headers", [])),
                                      b"".join(self.chunks))
        except psycopg.OperationalError as error:
            # Its lease runs out and a retry runs it again: it wrote nothing, or its
            # write recorded this answer already.
            log.warning("answer not recorded", error=type(error).__name__)
        await self._send_captured(send)

    async def _settle_failure(self, send: Send, status: int) -> None:
        claim = self.claim
        try:
            written = await self.store.abandon(claim.caller, claim.key, claim.token)
        except psycopg.OperationalError as error:
            log.error("command outcome unknown", status=status, error=type(error).__name__)
            await _problem(send, 504, "Outcome unknown",
                           "the database did not confirm whether this command was written; "
                           "send it again with the same Idempotency-Key (in this answer's "
                           "header) to apply it at most once and learn the outcome",
                           retry_after=2, problem_type=OUTCOME_UNKNOWN,
                           extra_headers=[(b"idempotency-key", claim.key.encode())])
            return
        if written is not None and written.status is not None:
            log.warning("command failed after its write landed; answering the write",
                        status=status)
            await _send_recorded(send, written, written.status, replayed=False)
            return
        log.warning("command not written", status=status)
        await self._send_captured(send)

    async def _send_captured(self, send: Send) -> None:
        await send(HTTPResponseStartEvent(type="http.response.start",
                                          status=int(self.started.get("status", 500)),
                                          headers=self.started.get("headers", [])))
        await send(HTTPResponseBodyEvent(type="http.response.body", body=b"".join(self.chunks),
                                         more_body=False))


def _answer_for(scope: Scope) -> Any:
    """What this route answers for a write: its status and `WrittenBody`."""
    status = int(getattr(scope.get("route_handler"), "status_code", None) or 200)

    def answer(written_id: UUID, version: int, position: int) -> tuple[int, str, bytes]:
        body = WrittenBody(id=written_id, version=version, position=position)
        return status, "application/json", msgspec.json.encode(body)

    return answer


async def _answer_recorded(send: Send, recorded: Recorded, digest: bytes) -> None:
    if recorded.request_hash != digest:
        await _problem(send, 422, "Idempotency key reused",
                       "this Idempotency-Key was used with another request body")
    elif recorded.status is None:
        await _problem(send, 409, "Conflict", "the first request with this Idempotency-Key "
                       "has not answered yet; retry shortly with the same key", retry_after=1)
    else:
        await _send_recorded(send, recorded, recorded.status, replayed=True)


async def _send_recorded(send: Send, recorded: Recorded, status: int, *,
                         replayed: bool) -> None:
    """`status`: the recorded one (a record that has answered has one)."""
    headers = [(b"content-type", (recorded.content_type or "").encode())]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send(HTTPResponseStartEvent(type="http.response.start", status=status,
                                      headers=headers))
    await send(HTTPResponseBodyEvent(type="http.response.body", body=recorded.body or b"",
                                     more_body=False))


async def _problem(send: Send, status: int, title: str, detail: str, *,
                   retry_after: int | None = None, problem_type: str = "about:blank",
                   extra_headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = msgspec.json.encode(Problem(title=title, status=status, detail=detail,
                                       type=problem_type))
    headers = [(b"content-type", PROBLEM_JSON.encode()), *(extra_headers or [])]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send(HTTPResponseStartEvent(type="http.response.start", status=status,
                                      headers=headers))
    await send(HTTPResponseBodyEvent(type="http.response.body", body=body, more_body=False))


async def _read_body(receive: Receive) -> bytes:
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away: the body ends
            return b"".join(parts)
        parts.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(parts)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _content_type(headers: list[tuple[bytes, bytes]]) -> str:
    for key, value in headers:
        if key.lower() == b"content-type":
            return value.decode("latin-1")
    return "application/json"
