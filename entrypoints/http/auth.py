"""JWT bearer auth shared by both APIs: who is calling and in which role."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.security.jwt import JWTAuth, Token

__all__ = ["Caller", "CisToken", "Role", "build_jwt_auth", "issue_token", "require_roles"]

PUBLIC_PATHS = ["/health", "/ready", "/metrics", "/schema"]


class Role(StrEnum):
    SALESPERSON = "salesperson"
    SALES_MANAGER = "sales_manager"
    AUDITOR = "auditor"
    DPO = "dpo"
    ADMIN = "admin"


@dataclass
class CisToken(Token):
    """A JWT with our flat `role` claim next to the standard ones."""

    role: str = ""


@dataclass(frozen=True, slots=True)
class Caller:
    subject: str
    role: Role


async def _caller_from_token(token: CisToken, _: ASGIConnection[Any, Any, Any, Any]) -> Caller | None:
    try:
        return Caller(subject=token.sub, role=Role(token.role))
    except ValueError:
        return None  # unknown role: treated as not authenticated (401)


def build_jwt_auth(secret: str) -> JWTAuth[Caller, CisToken]:
    return JWTAuth[Caller, CisToken](
        retrieve_user_handler=_caller_from_token,
        token_secret=secret,
        token_cls=CisToken,
        exclude=PUBLIC_PATHS,
        description="Bearer JWT (HS256) with claims `sub` and `role`; `cis token` prints one.",
    )


def issue_token(secret: str, *, subject: str, role: Role, ttl: timedelta) -> str:
    from datetime import UTC, datetime

    token = CisToken(sub=subject, exp=datetime.now(UTC) + ttl, role=role.value)
    return token.encode(secret, "HS256")


def require_roles(*roles: Role) -> Any:
    """A guard letting only the given roles through (403 for the others)."""
    allowed: Iterable[Role] = frozenset(roles)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        caller = connection.user
        if not isinstance(caller, Caller):
            raise NotAuthorizedException("a valid bearer token is required")
        if caller.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise PermissionDeniedException(f"role {caller.role.value} may not do this; needs {names}")

    return guard
