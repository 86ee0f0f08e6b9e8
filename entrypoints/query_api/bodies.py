"""Query API response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

__all__ = ["CustomerPage", "CustomerProfile", "LeadScoreBody"]


class CustomerProfile(msgspec.Struct, frozen=True):
    """Personal fields are null after a DSG erasure; `stage` is as of now."""

    id: UUID
    kind: str
    name: str | None
    email: str | None
    phone: str | None
    company_name: str | None
    postal_code: str
    canton: str
    language: str
    salesperson: str
    stage: str
    consents: list[str]
    erased: bool
    registered_at: datetime
    last_activity_at: datetime
    version: int
    position: int

    @classmethod
    def of(cls, row: dict[str, Any]) -> CustomerProfile:
        return cls(id=row["customer_id"], **{k: v for k, v in row.items() if k != "customer_id"})


class CustomerPage(msgspec.Struct, frozen=True):
    """One page of customers; pass `next_cursor` as `cursor` for the next (null: last)."""

    items: list[CustomerProfile]
    next_cursor: str | None


class LeadScoreBody(msgspec.Struct, frozen=True):
    customer_id: UUID
    score: int
    probability: float
    contributions: dict[str, int]
    position: int
    updated_at: datetime
