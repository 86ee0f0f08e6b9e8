"""The request id: taken from X-Request-ID when it is safe, else made; bound for logs."""

from __future__ import annotations

import re
import uuid

import structlog
from litestar.types import Scope

__all__ = ["bind_request_id", "current_request_id"]

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def current_request_id() -> str:
    return str(structlog.contextvars.get_contextvars().get("request_id", "-"))


def bind_request_id(scope: Scope) -> str:
    """The caller's id if it is a plain token (it ends up in logs and events), else a new one."""
    request_id = _incoming_id(scope) or uuid.uuid4().hex
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)
    return request_id


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            return candidate if _SAFE_ID.match(candidate) else None
    return None
