"""DSG requests over HTTP: erasure of a customer's personal data (the DPO's job)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, post
from litestar.params import Parameter

from application.services import CustomerIntelligence
from domain.audit_trail import MAX_REASON_LENGTH
from entrypoints.command_api.commanding import execute, meta_of
from entrypoints.http.auth import Caller, Role, require_roles
from entrypoints.http.bodies import WrittenBody
from entrypoints.http.openapi import command_responses

__all__ = ["DsgCommands"]

# Why the DPO acts: kept on the customer's access trail with the erasure (issue 11).
Reason = Annotated[str, Parameter(min_length=1, max_length=MAX_REASON_LENGTH,
                                  description="Why (e.g. 'request of 2026-11-30, art. 32 DSG'); "
                                  "kept on the customer's access trail.")]


class DsgCommands(Controller):
    path = "/dsg/customers"
    tags = ["DSG"]
    guards = [require_roles(Role.DPO)]

    @post("/{customer_id:uuid}/erasure", status_code=200, responses=command_responses(),
          summary="Erase a customer's personal data",
          description="Role: dpo. Appends PersonalDataErased and destroys the customer's "
          "data key: every past event stays readable with personal fields redacted. "
          "Repeating it is safe. `reason` is required and recorded on the customer's "
          "access trail in the erasure's transaction.")
    async def erase(self, customer_id: UUID, request: Request[Caller, Any, Any],
                    cis: CustomerIntelligence, reason: Reason) -> WrittenBody:
        meta = meta_of(request)
        return await execute(lambda: cis.erase_customer(customer_id, meta=meta, reason=reason))
