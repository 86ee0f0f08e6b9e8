"""Typed identifiers."""

from __future__ import annotations

from typing import NewType
from uuid import UUID

__all__ = ["CustomerID", "SaleID"]

CustomerID = NewType("CustomerID", UUID)
SaleID = NewType("SaleID", UUID)
