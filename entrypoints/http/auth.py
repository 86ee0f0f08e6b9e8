"""JWT bearer auth shared by both APIs: who is calling and in which role.

A token is accepted only as `Authorization: Bearer <jwt>`, signed with HS256, with
`sub`, `role`, `iat` and `exp`, and living at most `CIS_TOKEN_MAX_TTL_HOURS` (exp - iat).
Requests that fail authentication are counted per client address; past
`CIS_AUTH_FAILURES_PER_MINUTE` they get 429 instead of 401 until the minute is over.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import (
    NotAuthorizedException,
    PermissionDeniedException,
    TooManyRequestsException,
)
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import AuthenticationResult
from litestar.security.jwt import JWTAuth, JWTAuthenticationMiddleware, Token

from domain.errors import InvalidValue
from domain.text import checked_salesperson
from entrypoints.http.rate_limit import FixedWindow

__all__ = ["PUBLIC_PATH", "Caller", "CisToken", "Role", "build_jwt_auth", "issue_token",
           "require_roles"]

_ACCEPTED_TOKENS = 4096  # remembered per middleware instance, the least recent dropped
# Anchored and whole segments only: `/api/v1/catalog/models/health` is not public.
PUBLIC_PATH = r"^/(?:health|ready|metrics|schema)(?:/|$)"


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


class BearerAuthMiddleware(JWTAuthenticationMiddleware):
    """Litestar's JWT middleware, strict about the scheme and counting failures.

    The failure counter lives in the app state under "auth_failures" (a FixedWindow);
    it is consulted only when authentication has failed, so valid requests pay nothing
    and colleagues with valid tokens behind a shared address are never locked out.

    A token that was accepted is remembered until it expires: checking its signature
    and claims again gives the same answer for the same string (our tokens cannot be
    revoked), and cost about a seventh of a cached dashboard's answer.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._accepted: OrderedDict[str, tuple[AuthenticationResult, datetime]] = OrderedDict()

    async def authenticate_token(
        self, encoded_token: str, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        known = self._accepted.get(encoded_token)
        if known is not None and datetime.now(UTC) < known[1]:
            self._accepted.move_to_end(encoded_token)
            return known[0]
        self._accepted.pop(encoded_token, None)  # expired: decoding refuses it now
        result = await super().authenticate_token(encoded_token, connection)
        self._accepted[encoded_token] = (result, result.auth.exp)
        if len(self._accepted) > _ACCEPTED_TOKENS:
            self._accepted.popitem(last=False)
        return result

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        try:
            scheme, _, token = connection.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise NotAuthorizedException(
                    "a bearer token is required: Authorization: Bearer <token>")
            return await self.authenticate_token(token.strip(), connection)
        except NotAuthorizedException as refused:
            failures: FixedWindow = connection.app.state["auth_failures"]
            client = connection.client.host if connection.client else "unknown"
            retry_after = await failures.hit(f"addr:{client}")
            if retry_after is not None:
                raise TooManyRequestsException(
                    "too many requests without a valid token from this address",
                    headers={"Retry-After": str(retry_after)}) from None
            refused.headers = {"WWW-Authenticate": 'Bearer realm="cis"'}
            raise


def build_jwt_auth(secret: str, *, max_ttl: timedelta) -> JWTAuth[Caller, CisToken]:
    async def caller_from_token(token: CisToken,
                                _: ASGIConnection[Any, Any, Any, Any]) -> Caller | None:
        # A token minted for ever (exp in year 9999) would outlive any leak; refuse it.
        if token.exp - token.iat > max_ttl:
            raise NotAuthorizedException(
                f"the token lives longer than {max_ttl.total_seconds() / 3600:g} h")
        # The subject becomes every event's actor and may become a salesperson: the
        # domain's one rule for free text applies to it as to anything a person types.
        try:
            subject = checked_salesperson(token.sub)
        except InvalidValue:
            raise NotAuthorizedException("the token's subject is not valid text") from None
        try:
            return Caller(subject=subject, role=Role(token.role))
        except ValueError:
            return None  # unknown role: treated as not authenticated (401)

    return JWTAuth[Caller, CisToken](
        retrieve_user_handler=caller_from_token,
        token_secret=secret,
        token_cls=CisToken,
        exclude=[PUBLIC_PATH],
        require_claims=["exp", "iat", "sub"],
        authentication_middleware_class=BearerAuthMiddleware,
        description="Bearer JWT (HS256) with claims `sub`, `role`, `iat` and `exp` (at most "
                    "CIS_TOKEN_MAX_TTL_HOURS apart, 24 by default); `cis token` prints one.",
    )


def issue_token(secret: str, *, subject: str, role: Role, ttl: timedelta) -> str:
    now = datetime.now(UTC)
    token = CisToken(sub=subject, iat=now, exp=now + ttl, role=role.value)
    return token.encode(secret, "HS256")


def require_roles(*roles: Role) -> Any:
    """A guard letting only the given roles through (403 for the others).

    Async although it does no I/O: Litestar runs a sync guard in a worker thread, where
    it would queue behind the commands for a few microseconds of work."""
    allowed: Iterable[Role] = frozenset(roles)

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if connection.scope.get("method") == "OPTIONS":
            return  # Litestar's OPTIONS answer (Allow) skips auth by design and shows no data
        caller = connection.scope.get("user")
        if not isinstance(caller, Caller):
            raise NotAuthorizedException("a valid bearer token is required")
        if caller.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise PermissionDeniedException(
                f"role {caller.role.value} may not do this; needs {names}")

    return guard
