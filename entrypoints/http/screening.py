"""What every request must be before any route sees it, checked once for both APIs.

A path, query parameter or header holding a control character (NUL above all: Postgres
text cannot store it, and one stored NUL once stopped every projector) or broken
percent-encoding is refused with 400; a body that is not JSON with 415; a body over
the limit with 413. Values are never echoed: they may be personal data.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from litestar.exceptions import HTTPException
from litestar.types import Receive, ReceiveMessage, Scope

from entrypoints.http.problems import FieldError, Problem

__all__ = ["BodyTooLarge", "limited_body", "screen"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_HEADER_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")  # a tab is allowed in headers
_BAD_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9_.\-\[\]]{1,64}$")
_JSON = re.compile(r"^application/(?:[a-z0-9.+-]+\+)?json$")


class BodyTooLarge(HTTPException):
    status_code = 413


def screen(scope: Scope, max_body_bytes: int) -> Problem | None:
    """The problem with this request's head, or None when it may go on."""
    return (_path_problem(scope) or _query_problem(scope.get("query_string", b""))
            or _header_problem(scope) or _body_problem(scope, max_body_bytes))


def limited_body(receive: Receive, max_body_bytes: int) -> Receive:
    """`receive` that refuses (413) a body growing past the limit, declared or not."""
    seen = 0

    async def receive_limited() -> ReceiveMessage:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > max_body_bytes:
                raise BodyTooLarge(detail=f"the body is larger than {max_body_bytes} bytes")
        return message

    return receive_limited


def _path_problem(scope: Scope) -> Problem | None:
    # Some clients' raw_path carries the query too (not uvicorn's).
    raw = (scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape"))
    raw = raw.partition(b"?")[0]
    reason = _encoding_problem(raw)
    if reason is None and _CONTROL.search(scope["path"]):
        reason = "holds a control character"
    return None if reason is None else _bad("path", f"the path {reason}")


def _query_problem(query: bytes) -> Problem | None:
    for pair in query.split(b"&"):
        raw_name, _, raw_value = pair.partition(b"=")
        name_problem = _encoding_problem(raw_name)
        name = _decoded(raw_name) if name_problem is None else None
        field = name if name and _PLAIN_NAME.match(name) else "query"
        reason = name_problem or _encoding_problem(raw_value)
        if reason is None and (name is None or _CONTROL.search(name)
                               or _CONTROL.search(_decoded(raw_value) or "")):
            reason = "holds a control character"
        if reason is not None:
            return _bad(field, f"query parameter {field} {reason}")
    return None


def _header_problem(scope: Scope) -> Problem | None:
    for name, value in scope.get("headers", []):
        if _HEADER_CONTROL.search(value):
            field = name.decode("latin-1")
            return _bad(field, f"header {field} holds a control character")
    return None


def _body_problem(scope: Scope, max_body_bytes: int) -> Problem | None:
    headers = dict(scope.get("headers", []))
    length = headers.get(b"content-length")
    if length is not None and not length.strip().isdigit():
        return _bad("content-length", "Content-Length is not a number")
    if length is not None and int(length) > max_body_bytes:
        return Problem(title="Content too large", status=413,
                       detail=f"the body is larger than {max_body_bytes} bytes")
    has_body = (length is not None and int(length) > 0) or b"transfer-encoding" in headers
    media_type = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
    if has_body and not _JSON.match(media_type):
        return Problem(title="Unsupported media type", status=415,
                       detail="a body must be JSON: send Content-Type: application/json")
    return None


def _encoding_problem(raw: bytes) -> str | None:
    if _BAD_PERCENT.search(raw):
        return "has a % that is not followed by two hex digits"
    if _decoded(raw) is None:
        return "is not UTF-8 once percent-decoded"
    return None


def _decoded(raw: bytes) -> str | None:
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _bad(field: str, detail: str) -> Problem:
    return Problem(title="Bad request", status=400, detail=detail,
                   errors=[FieldError(field=field, message=detail)])
