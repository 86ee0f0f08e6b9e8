"""Reference data over HTTP: the vehicle catalogue and cantonal incentives (admins)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, put
from litestar.openapi.datastructures import ResponseSpec

from application.services import CustomerIntelligence
from application.written import Written
from domain.values import Canton, ModelCode, Money
from entrypoints.command_api import bodies as b
from entrypoints.command_api.commanding import expected_version, in_worker_thread, meta_of
from entrypoints.http.auth import Caller, Role, require_roles
from entrypoints.http.bodies import WrittenBody
from entrypoints.http.openapi import command_responses

__all__ = ["ReferenceCommands"]

Req = Request[Caller, Any, Any]
DESCRIPTION = "Role: admin. 201 when created, 200 when changed (or unchanged)."
RESPONSES = {**command_responses(),
             201: ResponseSpec(data_container=WrittenBody, description="Created")}


class ReferenceCommands(Controller):
    tags = ["reference data"]
    # Litestar's documented form; it calls the function without binding it.
    before_request = b.refuse_coerced_values  # type: ignore[assignment]
    guards = [require_roles(Role.ADMIN)]

    @put("/catalog/models/{code:str}", summary="List or change a vehicle model",
         description=DESCRIPTION, responses=RESPONSES)
    async def put_model(self, code: str, data: b.PutModel, request: Req,
                        cis: CustomerIntelligence) -> Response[WrittenBody]:
        model = ModelCode.parse(code, field="code")
        meta, version = meta_of(request), expected_version(request)
        written, created = await in_worker_thread(lambda: cis.put_model(
            code=model, name=data.name, list_price=Money(data.list_price), meta=meta,
            expected_version=version))
        return _answer(written, created)

    @put("/incentives/{canton:str}", summary="Declare or change a cantonal EV incentive",
         description=DESCRIPTION + " Amounts are what the canton publishes; none ship.",
         responses=RESPONSES)
    async def put_incentive(self, canton: str, data: b.PutIncentive, request: Req,
                            cis: CustomerIntelligence) -> Response[WrittenBody]:
        parsed = Canton.parse(canton, field="canton")
        meta, version = meta_of(request), expected_version(request)
        written, created = await in_worker_thread(lambda: cis.put_incentive(
            canton=parsed, amount=Money(data.amount), description=data.description,
            meta=meta, expected_version=version))
        return _answer(written, created)


def _answer(written: Written, created: bool) -> Response[WrittenBody]:
    body = WrittenBody(id=written.id, version=written.version, position=written.position)
    return Response(body, status_code=201 if created else 200)
