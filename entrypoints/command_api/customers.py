"""Customer commands over HTTP: register, then everything that happens to a customer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, post
from litestar.exceptions import PermissionDeniedException

from application.services import CustomerIntelligence
from domain.customer_facts import Budget
from domain.values import (
    Canton,
    CompanyUID,
    Email,
    Language,
    ModelCode,
    Money,
    PersonName,
    Phone,
    PostalCode,
)
from entrypoints.command_api import bodies as b
from entrypoints.command_api.commanding import (
    SALES_WRITERS,
    as_caller,
    execute,
    meta_of,
    optional,
)
from entrypoints.http.auth import Caller, Role, require_roles
from entrypoints.http.bodies import WrittenBody
from entrypoints.http.openapi import command_responses

__all__ = ["CustomerCommands"]

Req = Request[Caller, Any, Any]
ON_CUSTOMER: dict[str, Any] = {"guards": [require_roles(*SALES_WRITERS)], "status_code": 200,
                   "responses": command_responses(), "description": "Roles: salesperson (own "
                   "customers), sales_manager, admin. `If-Match: <version>` → 409 on mismatch."}


class CustomerCommands(Controller):
    path = "/customers"
    tags = ["customers"]
    # Litestar's documented form; it calls the function without binding it.
    before_request = b.refuse_coerced_values  # type: ignore[assignment]

    @post("/", guards=[require_roles(*SALES_WRITERS)], responses=command_responses(),
          summary="Register a customer",
          description="Roles: salesperson (for themselves), sales_manager, admin.")
    async def register(self, data: b.RegisterCustomer, request: Req,
                       cis: CustomerIntelligence) -> WrittenBody:
        name = PersonName.parse(data.name, field="name")
        email = Email.parse(data.email, field="email")
        postal_code = PostalCode.parse(data.postal_code, field="postal_code")
        canton = Canton.parse(data.canton, field="canton")
        language = Language.parse(data.language, field="language")
        phone = optional(Phone.parse, data.phone, "phone")
        company_uid = optional(CompanyUID.parse, data.company_uid, "company_uid")
        company_contact = optional(PersonName.parse, data.company_contact, "company_contact")
        salesperson = _salesperson_for(request.user, data.salesperson)
        meta = meta_of(request)
        return await execute(lambda: cis.register_customer(
            name=name, email=email, postal_code=postal_code, canton=canton, language=language,
            phone=phone, street=data.street, company_name=data.company_name,
            company_uid=company_uid, company_contact=company_contact, salesperson=salesperson,
            meta=meta))

    @post("/{customer_id:uuid}/contact", summary="Change e-mail and phone", **ON_CUSTOMER)
    async def contact(self, customer_id: UUID, data: b.ChangeContact, request: Req,
                      cis: CustomerIntelligence) -> WrittenBody:
        email = Email.parse(data.email, field="email")
        phone = optional(Phone.parse, data.phone, "phone")
        return await as_caller(request, lambda by: cis.change_contact(
            customer_id, email=email, phone=phone, **by))

    @post("/{customer_id:uuid}/address", summary="Change the address", **ON_CUSTOMER)
    async def address(self, customer_id: UUID, data: b.ChangeAddress, request: Req,
                      cis: CustomerIntelligence) -> WrittenBody:
        postal_code = PostalCode.parse(data.postal_code, field="postal_code")
        canton = Canton.parse(data.canton, field="canton")
        return await as_caller(request, lambda by: cis.change_address(
            customer_id, street=data.street, postal_code=postal_code, canton=canton, **by))

    @post("/{customer_id:uuid}/preferences", summary="Change language and budget",
          **ON_CUSTOMER)
    async def preferences(self, customer_id: UUID, data: b.ChangePreferences, request: Req,
                          cis: CustomerIntelligence) -> WrittenBody:
        language = Language.parse(data.language, field="language")
        budget = None
        if data.budget_min is not None or data.budget_max is not None:
            budget = Budget(Money(data.budget_min or 0),
                            None if data.budget_max is None else Money(data.budget_max))
        return await as_caller(request, lambda by: cis.change_preferences(
            customer_id, language=language, budget=budget, **by))

    @post("/{customer_id:uuid}/interests", summary="Record interest in a model", **ON_CUSTOMER)
    async def interest(self, customer_id: UUID, data: b.RecordInterest, request: Req,
                       cis: CustomerIntelligence) -> WrittenBody:
        model = ModelCode.parse(data.model, field="model")
        return await as_caller(request, lambda by: cis.record_vehicle_interest(
            customer_id, model=model, **by))

    @post("/{customer_id:uuid}/touchpoints", summary="Record a touchpoint", **ON_CUSTOMER)
    async def touchpoint(self, customer_id: UUID, data: b.RecordTouchpoint, request: Req,
                         cis: CustomerIntelligence) -> WrittenBody:
        return await as_caller(request, lambda by: cis.record_touchpoint(
            customer_id, kind=data.kind, channel=data.channel, note=data.note, **by))

    @post("/{customer_id:uuid}/consents", summary="Grant or withdraw a consent",
          **ON_CUSTOMER)
    async def consent(self, customer_id: UUID, data: b.GiveConsent, request: Req,
                      cis: CustomerIntelligence) -> WrittenBody:
        use_case = cis.grant_consent if data.granted else cis.withdraw_consent
        return await as_caller(request, lambda by: use_case(
            customer_id, purpose=data.purpose, **by))

    @post("/{customer_id:uuid}/assignment", summary="Assign a salesperson",
          guards=[require_roles(Role.SALES_MANAGER, Role.ADMIN)], status_code=200,
          responses=command_responses(), description="Roles: sales_manager, admin.")
    async def assignment(self, customer_id: UUID, data: b.AssignSalesperson, request: Req,
                         cis: CustomerIntelligence) -> WrittenBody:
        return await as_caller(request, lambda by: cis.assign_salesperson(
            customer_id, salesperson=data.salesperson, **by))


def _salesperson_for(caller: Caller, named: str | None) -> str:
    if named is None or named == caller.subject:
        return caller.subject
    if caller.role is Role.SALESPERSON:
        raise PermissionDeniedException("a salesperson registers customers for themselves only")
    return named
