"""Customer commands over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Controller, Request, post
from litestar.exceptions import PermissionDeniedException

from application.services import CustomerIntelligence
from domain.meta import EventMeta
from domain.values import Canton, CompanyUID, Email, Language, PersonName, Phone, PostalCode
from entrypoints.http.auth import Caller, Role, require_roles
from entrypoints.http.bodies import WrittenBody
from entrypoints.http.request_id import current_request_id

__all__ = ["CustomerCommands", "RegisterCustomer"]

T = TypeVar("T")
WRITERS = (Role.SALESPERSON, Role.SALES_MANAGER, Role.ADMIN)


class RegisterCustomer(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A private customer, or a business one when company_name and company_uid are given.
    `salesperson` defaults to the caller; only managers and admins may name another."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200, examples=["Anna Muster"])]
    email: Annotated[str, msgspec.Meta(max_length=254, examples=["anna@example.ch"])]
    postal_code: Annotated[str, msgspec.Meta(examples=["8001"])]
    canton: Annotated[str, msgspec.Meta(examples=["ZH"])]
    language: Annotated[str, msgspec.Meta(examples=["de"])] = "de"
    phone: Annotated[str, msgspec.Meta(max_length=30, examples=["+41 44 668 18 00"])] | None = None
    street: Annotated[str, msgspec.Meta(max_length=200, examples=["Bahnhofstrasse 1"])] | None = None
    company_name: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    company_uid: Annotated[str, msgspec.Meta(examples=["CHE-109.322.551"])] | None = None
    company_contact: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    salesperson: Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None = None


def _optional(parse: Callable[..., T], raw: str | None, field: str) -> T | None:
    return None if raw is None else parse(raw, field=field)


def _salesperson_for(caller: Caller, named: str | None) -> str:
    if named is None or named == caller.subject:
        return caller.subject
    if caller.role is Role.SALESPERSON:
        raise PermissionDeniedException("a salesperson registers customers for themselves only")
    return named


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
            phone=_optional(Phone.parse, data.phone, "phone"),
            street=data.street,
            company_name=data.company_name,
            company_uid=_optional(CompanyUID.parse, data.company_uid, "company_uid"),
            company_contact=_optional(PersonName.parse, data.company_contact, "company_contact"),
            salesperson=_salesperson_for(request.user, data.salesperson),
            meta=meta_of(request),
        )
        return WrittenBody(id=written.id, version=written.version, position=written.position)
