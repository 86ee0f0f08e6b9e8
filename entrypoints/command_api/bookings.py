"""Test drives of a customer over HTTP: book, then complete, cancel or record a no-show."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, post

from application.services import CustomerIntelligence
from domain.values import ModelCode
from entrypoints.command_api import bodies as b
from entrypoints.command_api.commanding import SALES_WRITERS, as_caller
from entrypoints.http.auth import Caller, require_roles
from entrypoints.http.bodies import WrittenBody
from entrypoints.http.openapi import command_responses

__all__ = ["TestDriveCommands"]

Req = Request[Caller, Any, Any]
ROLES = "Roles: salesperson (own customers), sales_manager, admin."


class TestDriveCommands(Controller):
    path = "/customers/{customer_id:uuid}/test-drives"
    tags = ["test drives"]
    # Litestar's documented form; it calls the function without binding it.
    before_request = b.refuse_coerced_values  # type: ignore[assignment]
    guards = [require_roles(*SALES_WRITERS)]

    @post("/", summary="Book a test drive", responses=command_responses(),
          description=f"{ROLES} The answer's `id` is the new test drive's id.")
    async def book(self, customer_id: UUID, data: b.BookTestDrive, request: Req,
                   cis: CustomerIntelligence) -> WrittenBody:
        model = ModelCode.parse(data.model, field="model")
        return await as_caller(request, lambda by: cis.book_test_drive(
            customer_id, model=model, scheduled_at=data.scheduled_at, **by))

    @post("/{test_drive_id:uuid}/complete", status_code=200, responses=command_responses(),
          summary="Complete a test drive with a rating", description=ROLES)
    async def complete(self, customer_id: UUID, test_drive_id: UUID, data: b.CompleteTestDrive,
                       request: Req, cis: CustomerIntelligence) -> WrittenBody:
        return await as_caller(request, lambda by: cis.complete_test_drive(
            customer_id, test_drive_id, rating=data.rating, notes=data.notes, **by))

    @post("/{test_drive_id:uuid}/cancel", status_code=200, responses=command_responses(),
          summary="Cancel a booked test drive", description=ROLES)
    async def cancel(self, customer_id: UUID, test_drive_id: UUID, request: Req,
                     cis: CustomerIntelligence) -> WrittenBody:
        return await as_caller(request, lambda by: cis.cancel_test_drive(
            customer_id, test_drive_id, **by))

    @post("/{test_drive_id:uuid}/no-show", status_code=200, responses=command_responses(),
          summary="Record that the customer did not show up", description=ROLES)
    async def no_show(self, customer_id: UUID, test_drive_id: UUID, request: Req,
                      cis: CustomerIntelligence) -> WrittenBody:
        return await as_caller(request, lambda by: cis.mark_test_drive_missed(
            customer_id, test_drive_id, **by))
