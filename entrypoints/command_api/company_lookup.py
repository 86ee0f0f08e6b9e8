"""Company lookup in the Swiss commercial register (ZEFIX), for business customers.

A read, yet on the command API: it is part of registering a business customer (the
salesperson checks the UID and name before sending the registration), it reads an
outside register, not one of our read models, so the query API's promises (answers
from projections of our log, `min_position` to read one's own write) do not apply,
and it needs the same callers (the sales writers) as the commands it serves.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get

from adapters.company_register.zefix import CompanyNotFound, RegistryUnavailable, ZefixRegistry
from application.errors import NotFound
from domain.values import CompanyUID
from entrypoints.command_api.commanding import SALES_WRITERS
from entrypoints.http.auth import Caller, require_roles
from entrypoints.http.openapi import query_responses
from entrypoints.http.problems import ServiceUnavailable

__all__ = ["CompanyBody", "CompanyLookup"]


class CompanyBody(msgspec.Struct, frozen=True):
    uid: str
    name: str
    legal_seat: str | None
    status: str
    legal_form: str | None


class CompanyLookup(Controller):
    path = "/registry/companies"
    tags = ["registry"]
    guards = [require_roles(*SALES_WRITERS)]

    @get("/{uid:str}", summary="Look a company up in ZEFIX by its UID",
         responses=query_responses(),
         description="Roles: salesperson, sales_manager, admin. Answers from a 15-minute "
         "cache or the register; when the register is unreachable: 503 with Retry-After, "
         "never invented data. Registering a business customer does not need it.")
    async def lookup(self, uid: str, request: Request[Caller, Any, Any]) -> CompanyBody:
        register: ZefixRegistry = request.app.state["company_register"]
        parsed = CompanyUID.parse(uid, field="uid")
        try:
            record = await register.lookup(parsed)
        except CompanyNotFound:
            raise NotFound(f"no company with UID {parsed} in the commercial register") from None
        except RegistryUnavailable as error:
            raise ServiceUnavailable(error.message, retry_after=error.retry_after) from None
        return CompanyBody(uid=record.uid, name=record.name, legal_seat=record.legal_seat,
                           status=record.status, legal_form=record.legal_form)
