"""Request bodies of the command API (msgspec validates shape; the domain validates meaning)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request
from litestar.exceptions import SerializationException, ValidationException

from domain.customer_facts import Channel, ConsentPurpose, TouchpointKind
from domain.sale import CancelReason

__all__ = [
    "AssignSalesperson",
    "BookTestDrive",
    "CancelSale",
    "ChangeAddress",
    "ChangeContact",
    "ChangePreferences",
    "CompleteTestDrive",
    "DeliverSale",
    "GiveConsent",
    "OpenSale",
    "PutIncentive",
    "PutModel",
    "QuoteSale",
    "RecordInterest",
    "RecordTouchpoint",
    "RegisterCustomer",
    "ReserveSale",
    "SignContract",
    "refuse_coerced_values",
]

Rappen = Annotated[int, msgspec.Meta(ge=0, le=99_999_999_999_999,
                                     description="CHF in Rappen (1 CHF = 100), a JSON integer")]
Text200 = Annotated[str, msgspec.Meta(max_length=200)]
Note = Annotated[str, msgspec.Meta(max_length=2000)]
Code = Annotated[str, msgspec.Meta(max_length=20, examples=["EV-ONE"])]


class _Body(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pass


class RegisterCustomer(_Body, frozen=True):
    """A private customer, or a business one when company_name and company_uid are given.
    `salesperson` defaults to the caller; only managers and admins may name another."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200, examples=["Anna Muster"])]
    email: Annotated[str, msgspec.Meta(max_length=254, examples=["anna@example.ch"])]
    postal_code: Annotated[str, msgspec.Meta(max_length=10, examples=["8001"])]
    canton: Annotated[str, msgspec.Meta(max_length=10, examples=["ZH"])]
    language: Annotated[str, msgspec.Meta(max_length=10, examples=["de"])] = "de"
    phone: Annotated[str, msgspec.Meta(max_length=30, examples=["+41 44 668 18 00"])] | None = None
    street: Text200 | None = None
    company_name: Text200 | None = None
    company_uid: (Annotated[str, msgspec.Meta(max_length=30, examples=["CHE-109.322.551"])]
                  | None) = None
    company_contact: Text200 | None = None
    salesperson: Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None = None


class ChangeContact(_Body, frozen=True):
    email: Annotated[str, msgspec.Meta(max_length=254)]
    phone: Annotated[str, msgspec.Meta(max_length=30)] | None = None


class ChangeAddress(_Body, frozen=True):
    postal_code: Annotated[str, msgspec.Meta(max_length=10)]
    canton: Annotated[str, msgspec.Meta(max_length=10)]
    street: Text200 | None = None


class ChangePreferences(_Body, frozen=True):
    language: Annotated[str, msgspec.Meta(max_length=10)]
    budget_min: Rappen | None = None
    budget_max: Rappen | None = None


class RecordInterest(_Body, frozen=True):
    model: Code


class RecordTouchpoint(_Body, frozen=True):
    kind: TouchpointKind
    channel: Channel
    note: Note | None = None


class GiveConsent(_Body, frozen=True):
    """Grant (`granted: true`) or withdraw (`granted: false`) a consent."""

    purpose: ConsentPurpose
    granted: bool


class AssignSalesperson(_Body, frozen=True):
    salesperson: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class BookTestDrive(_Body, frozen=True):
    model: Code
    scheduled_at: Annotated[datetime, msgspec.Meta(
        tz=True, description="with a time zone; at most 30 days ago and 730 days ahead")]


class CompleteTestDrive(_Body, frozen=True):
    rating: Annotated[int, msgspec.Meta(ge=1, le=5)]
    notes: Note | None = None


class OpenSale(_Body, frozen=True):
    """Opens at the catalogue's list price. `salesperson` (recorded on the sale) defaults
    to the customer's; who may act on the sale is always the customer's salesperson."""

    customer_id: UUID
    model: Code
    salesperson: Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None = None


class QuoteSale(_Body, frozen=True):
    """Without `incentives`, the customer's cantonal incentive applies."""

    price: Rappen
    discount: Rappen = 0
    incentives: Rappen | None = None


class ReserveSale(_Body, frozen=True):
    deposit: Rappen


class SignContract(_Body, frozen=True):
    final_price: Rappen


class DeliverSale(_Body, frozen=True):
    vin: Annotated[str, msgspec.Meta(max_length=17, min_length=17)]
    delivered_on: date


class CancelSale(_Body, frozen=True):
    reason: CancelReason


class PutModel(_Body, frozen=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    list_price: Rappen


class PutIncentive(_Body, frozen=True):
    amount: Rappen
    description: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


_AT_FIELD = re.compile(r"at `\$\.?([^`]*)`")


async def refuse_coerced_values(request: Request[Any, Any, Any]) -> None:
    """A `before_request` hook: the body's numbers and booleans must be JSON ones.

    Litestar converts request bodies leniently, so `"price": "100"` would become 100
    and `"granted": "true"` True. Money is integer Rappen in JSON and nothing else:
    a body that only lenient conversion accepts is refused with 400 naming the field.
    Every other fault of the body is left to Litestar, which reports it as usual.
    """
    data = request.route_handler.parsed_fn_signature.parameters.get("data")
    if data is None or not isinstance(data.annotation, type) \
            or not issubclass(data.annotation, _Body):
        return
    try:
        raw = await request.json()
    except (SerializationException, ValueError, RecursionError):
        return  # not JSON: Litestar answers that itself
    try:
        msgspec.convert(raw, data.annotation, strict=False)
    except msgspec.ValidationError:
        return  # wrong anyway: Litestar names the field in its own words
    try:
        msgspec.convert(raw, data.annotation, strict=True)
    except msgspec.ValidationError as error:
        named = _AT_FIELD.search(str(error))
        field = named.group(1) if named and named.group(1) else "body"
        message = str(error).split(" - at ")[0]
        raise ValidationException(f"{field}: {message}", extra=[
            {"key": field, "message": message, "source": "body"}]) from None
