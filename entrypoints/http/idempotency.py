"""`Idempotency-Key` on POST: the first response is stored durably and replayed.

A retry with the same key and the same body gets the stored response (with header
`Idempotent-Replayed: true`); the same key with another body gets 422; a retry while
the first request still runs gets 409. Responses of 5xx are not stored, so the client
can retry them. Keys belong to the caller (token subject) that used them.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from adapters.postgres.idempotency import IdempotencyStore
from entrypoints.http.problems import PROBLEM_JSON, Problem

__all__ = ["IdempotencyMiddleware"]

_MAX_KEY = 200


class IdempotencyMiddleware:
    """Needs an `IdempotencyStore` in the app state under "idempotency"."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # From the app state, not a constructor argument: Litestar copies middleware
        # arguments per route, which would copy the store's (unopened) connection pool.
        store: IdempotencyStore = scope["litestar_app"].state["idempotency"]
        key = _header(scope, b"idempotency-key")
        caller = getattr(scope.get("user"), "subject", None)
        if scope["type"] != "http" or scope["method"] != "POST" or key is None or caller is None:
            await self.app(scope, receive, send)
            return
        if not 0 < len(key) <= _MAX_KEY:
            await _problem(send, 400, "Idempotency-Key must be 1 to 200 characters")
            return
        body = await _read_body(receive)
        digest = hashlib.sha256(scope["path"].encode() + b"\n" + body).digest()
        recorded = await store.claim(caller, key, digest)
        if recorded is not None:
            await _answer_recorded(send, recorded, digest)
            return
        await self._run_and_record(store, scope, body, send, caller, key)

    async def _run_and_record(self, store: IdempotencyStore, scope: Scope, body: bytes,
                              send: Send, caller: str, key: str) -> None:
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def replay_body() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_body, capture)
        finally:
            status = int(started.get("status", 500))
            if status >= 500:
                await store.release(caller, key)
            else:
                content_type = _content_type(started.get("headers", []))
                await store.complete(caller, key, status, content_type, b"".join(chunks))


async def _answer_recorded(send: Send, recorded: Any, digest: bytes) -> None:
    if recorded.request_hash != digest:
        await _problem(send, 422, "this Idempotency-Key was used with another request body")
    elif recorded.status is None:
        await _problem(send, 409, "the first request with this Idempotency-Key is still running")
    else:
        await send({"type": "http.response.start", "status": recorded.status,
                    "headers": [(b"content-type", (recorded.content_type or "").encode()),
                                (b"idempotent-replayed", b"true")]})
        await send({"type": "http.response.body", "body": recorded.body or b""})


async def _problem(send: Send, status: int, detail: str) -> None:
    title = {400: "Bad request", 409: "Conflict", 422: "Idempotency key reused"}[status]
    body = msgspec.json.encode(Problem(title=title, status=status, detail=detail))
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", PROBLEM_JSON.encode())]})
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive) -> bytes:
    parts = []
    while True:
        message = await receive()
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
