"""Customer commands over HTTP."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, post

from application.services import CustomerIntelligence
from domain.meta import EventMeta
from domain.values import Canton, Email, Language, PersonName, PostalCode
from entrypoints.http.auth import Caller, Role, require_roles
from entrypoints.http.bodies import WrittenBody
from entrypoints.http.request_id import current_request_id

__all__ = ["CustomerCommands", "RegisterCustomer"]

WRITERS = (Role.SALESPERSON, Role.SALES_MANAGER, Role.ADMIN)


class RegisterCustomer(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200, examples=["Anna Muster"])]
    email: Annotated[str, msgspec.Meta(max_length=254, examples=["anna@example.ch"])]
    postal_code: Annotated[str, msgspec.Meta(examples=["8001"])]
    canton: Annotated[str, msgspec.Meta(examples=["ZH"])]
    language: Annotated[str, msgspec.Meta(examples=["de"])] = "de"


def meta_of(request: Request[Caller, Any, Any]) -> EventMeta:
    return EventMeta(actor=request.user.subject, correlation_id=current_request_id())


class CustomerCommands(Controller):
    path = "/customers"
    tags = ["customers"]

    @post(
        "/",
        guards=[require_roles(*WRITERS)],
        summary="Register a customer",
        description="Roles: salesperson, sales_manager, admin. Returns the new id, "
        "version and log position.",
    )
    async def register(
        self, data: RegisterCustomer, request: Request[Caller, Any, Any],
        cis: CustomerIntelligence,
    ) -> WrittenBody:
        written = await asyncio.to_thread(
            cis.register_customer,
            name=PersonName.parse(data.name, field="name"),
            email=Email.parse(data.email, field="email"),
            postal_code=PostalCode.parse(data.postal_code, field="postal_code"),
            canton=Canton.parse(data.canton, field="canton"),
            language=Language.parse(data.language, field="language"),
            meta=meta_of(request),
        )
        return WrittenBody(id=written.id, version=written.version, position=written.position)
