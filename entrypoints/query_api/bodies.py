"""Query API response bodies."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

__all__ = ["CustomerProfile", "LeadScoreBody"]


class CustomerProfile(msgspec.Struct, frozen=True):
    id: UUID
    name: str | None
    email: str | None
    postal_code: str
    canton: str
    language: str
    registered_at: datetime
    salesperson: str
    version: int
    position: int


class LeadScoreBody(msgspec.Struct, frozen=True):
    customer_id: UUID
    score: int
    probability: float
    contributions: dict[str, int]
    position: int
    updated_at: datetime
