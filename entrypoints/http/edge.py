"""The outermost layer of both apps: every request passes here, whatever answers it.

Litestar's middleware runs per route, so answers made before routing (404, 405) or by
the exception handlers around auth and rate limits (401, 429) never passed through it.
This layer wraps the whole app instead: it binds the request id and echoes it on every
answer, writes the access-log line with the status actually sent, counts the request
for /metrics, refuses malformed requests (entrypoints/http/screening.py), adds the
headers every answer needs, and turns an exception that escaped everything into a 500
problem that is logged with its cause.
"""

from __future__ import annotations

import time
from typing import Any

import msgspec
import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.http.metrics import HttpMetrics
from entrypoints.http.problems import INTERNAL_DETAIL, Problem, log_unhandled, send_problem
from entrypoints.http.request_id import bind_request_id
from entrypoints.http.screening import limited_body, screen

__all__ = ["HttpEdge"]

log = structlog.get_logger()
_LOGGED_PATH = 200  # characters of the path in a log line; paths are attacker-chosen


class HttpEdge:
    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request_id = bind_request_id(scope)
        started = time.perf_counter()
        sent: dict[str, Any] = {"status": 0}

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]
                message = {**message, "headers": _with_edge_headers(
                    message.get("headers", []), request_id)}
            await send(message)

        try:
            refusal = screen(scope, self.max_body_bytes)
            if refusal is not None:
                await send_problem(send_marked, _with_id(refusal, scope, request_id))
            else:
                await self.app(scope, limited_body(receive, self.max_body_bytes), send_marked)
        except Exception as error:  # noqa: BLE001 - the last resort: logged, answered 500
            log_unhandled(error)
            # Once the answer is under way nothing honest can be added: returning leaves
            # it unfinished and the server closes the connection. Not re-raised, so the
            # server's own log line (which would quote the message) is not written.
            if not sent["status"]:
                await send_problem(send_marked, Problem(
                    title="Internal error", status=500, detail=INTERNAL_DETAIL,
                    request_id=request_id))
        finally:
            seconds = time.perf_counter() - started
            log.info("request", method=scope["method"], path=scope["path"][:_LOGGED_PATH],
                     status=sent["status"], duration_ms=round(seconds * 1000, 2))
            self.metrics.observe(scope["method"], scope.get("path_template"), sent["status"],
                                 seconds)


def _with_id(problem: Problem, scope: Scope, request_id: str) -> Problem:
    return msgspec.structs.replace(problem, request_id=request_id,
                                   instance=scope["path"][:_LOGGED_PATH]
                                   if problem.status != 400 else None)


def _with_edge_headers(headers: Any, request_id: str) -> list[tuple[bytes, bytes]]:
    """X-Request-ID on every answer; answers never stored by caches unless they say so.

    `no-store` is the default because most answers carry personal data (profiles,
    searches, problem details naming a customer id); an answer that carries none and
    wants revalidation (dashboards: `private, no-cache` with an ETag, the explorer's
    assets) sets its own Cache-Control, which is kept.
    """
    marked = [(name, value) for name, value in headers
              if name.lower() not in (b"x-request-id", b"x-content-type-options")]
    marked.append((b"x-request-id", request_id.encode()))
    marked.append((b"x-content-type-options", b"nosniff"))
    if not any(name.lower() == b"cache-control" for name, _ in marked):
        marked.append((b"cache-control", b"no-store"))
    return marked
