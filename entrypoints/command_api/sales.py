"""The sales process over HTTP: open, quote, reserve, contract, deliver, cancel."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, post

from application.services import CustomerIntelligence
from domain.values import ModelCode, Money
from domain.vin import VIN
from entrypoints.command_api import bodies as b
from entrypoints.command_api.commanding import (
    SALES_WRITERS,
    actor_of,
    as_caller,
    execute,
    meta_of,
)
from entrypoints.http.auth import Caller, Role, require_roles
from entrypoints.http.bodies import WrittenBody
from entrypoints.http.openapi import command_responses

__all__ = ["SaleCommands"]

Req = Request[Caller, Any, Any]
ROLES = ("Roles: salesperson (sales of their own customers), sales_manager, admin. "
         "`If-Match: <version>` → 409 on mismatch.")
STEP: dict[str, Any] = {"status_code": 200, "responses": command_responses(),
                        "description": ROLES}


class SaleCommands(Controller):
    path = "/sales"
    tags = ["sales"]
    # Litestar's documented form; it calls the function without binding it.
    before_request = b.refuse_coerced_values  # type: ignore[assignment]
    guards = [require_roles(*SALES_WRITERS)]

    @post("/", summary="Open a sale at the catalogue's list price",
          responses=command_responses(),
          description="Roles: salesperson (own customers), sales_manager, admin.")
    async def open(self, data: b.OpenSale, request: Req, cis: CustomerIntelligence) -> WrittenBody:
        model = ModelCode.parse(data.model, field="model")
        salesperson = data.salesperson if request.user.role is not Role.SALESPERSON else None
        actor = actor_of(request.user)
        return await execute(lambda: cis.open_sale(
            customer_id=data.customer_id, model=model, salesperson=salesperson,
            meta=meta_of(request), acting_as=actor))

    @post("/{sale_id:uuid}/quote", summary="Quote a price", **STEP)
    async def quote(self, sale_id: UUID, data: b.QuoteSale, request: Req,
                    cis: CustomerIntelligence) -> WrittenBody:
        incentives = None if data.incentives is None else Money(data.incentives)
        return await as_caller(request, lambda by: cis.quote_sale(
            sale_id, price=Money(data.price), discount=Money(data.discount),
            incentives=incentives, **by))

    @post("/{sale_id:uuid}/reserve", summary="Reserve against a deposit", **STEP)
    async def reserve(self, sale_id: UUID, data: b.ReserveSale, request: Req,
                      cis: CustomerIntelligence) -> WrittenBody:
        return await as_caller(request, lambda by: cis.reserve_sale(
            sale_id, deposit=Money(data.deposit), **by))

    @post("/{sale_id:uuid}/contract", summary="Record the signed contract", **STEP)
    async def contract(self, sale_id: UUID, data: b.SignContract, request: Req,
                       cis: CustomerIntelligence) -> WrittenBody:
        return await as_caller(request, lambda by: cis.sign_contract(
            sale_id, final_price=Money(data.final_price), **by))

    @post("/{sale_id:uuid}/deliver", summary="Record the delivery", **STEP)
    async def deliver(self, sale_id: UUID, data: b.DeliverSale, request: Req,
                      cis: CustomerIntelligence) -> WrittenBody:
        vin = VIN.parse(data.vin, field="vin")
        return await as_caller(request, lambda by: cis.deliver_sale(
            sale_id, vin=vin, delivered_on=data.delivered_on, **by))

    @post("/{sale_id:uuid}/cancel", summary="Cancel before delivery", **STEP)
    async def cancel(self, sale_id: UUID, data: b.CancelSale, request: Req,
                     cis: CustomerIntelligence) -> WrittenBody:
        return await as_caller(request, lambda by: cis.cancel_sale(
            sale_id, reason=data.reason, **by))
