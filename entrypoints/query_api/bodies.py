"""Query API response bodies of its own (the read models' records are the others)."""

from __future__ import annotations

import msgspec

from projections.customers import CustomerProfile

__all__ = ["CustomerPage"]


class CustomerPage(msgspec.Struct, frozen=True):
    """One page of customers; pass `next_cursor` as `cursor` for the next (null: last)."""

    items: list[CustomerProfile]
    next_cursor: str | None
