"""Every projection with its view class: the one list the runner and migrations use."""

from __future__ import annotations

from typing import Any

from projections.profile import CustomerProfileProjection, CustomerProfileView

__all__ = ["PROJECTIONS"]

PROJECTIONS: list[tuple[Any, Any]] = [
    (CustomerProfileProjection, CustomerProfileView),
]
