"""Valid inputs for tests, built from the value objects (so they stay valid)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from domain.meta import EventMeta
from domain.values import Canton, Email, Language, PersonName, PostalCode

__all__ = ["META", "registration", "soon"]

META = EventMeta(actor="test-salesperson", correlation_id="test-request")


def registration(**overrides: Any) -> dict[str, Any]:
    """Keyword arguments for register_customer (Customer.register also takes customer_id)."""
    values: dict[str, Any] = {
        "name": PersonName.parse("Anna Muster"),
        "email": Email.parse("anna.muster@example.ch"),
        "postal_code": PostalCode.parse("8001"),
        "canton": Canton.parse("ZH"),
        "language": Language.parse("de"),
        "salesperson": "test-salesperson",
        "meta": META,
    }
    values.update(overrides)
    return values


def soon(days: float = 3) -> datetime:
    """`days` from now, to the second: inside the booking window of a test drive."""
    return datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
