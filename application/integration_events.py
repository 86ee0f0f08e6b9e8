"""Integration events: the versioned, PII-free contract published on NATS.

Each carries ids, canton, stage, model, amounts and timestamps only; never a name,
e-mail, phone, street or free text. Consumers decode with `DECODER` and `match`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec

from domain.customer import Customer

__all__ = [
    "DECODER",
    "CustomerRegistered",
    "IntegrationEvent",
    "event_id",
    "subject_of",
    "to_integration_event",
]

_EVENT_NAMESPACE = uuid5(NAMESPACE_URL, "urn:cis:event")


def event_id(originator_id: UUID, originator_version: int) -> UUID:
    """A stable id for a stored event: the same on every replay and relay restart."""
    return uuid5(_EVENT_NAMESPACE, f"{originator_id}/{originator_version}")


class _Base(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    schema_version: int = 1
    event_id: UUID
    position: int
    occurred_at: datetime
    correlation_id: str


class CustomerRegistered(_Base, frozen=True, kw_only=True, tag="customer_registered"):
    customer_id: UUID
    canton: str
    language: str


IntegrationEvent = CustomerRegistered
DECODER = msgspec.json.Decoder(IntegrationEvent)
_AGGREGATE_OF = {CustomerRegistered: "customer"}


def subject_of(event: IntegrationEvent) -> str:
    """`cis.events.<aggregate>.<event>` in snake case."""
    tag = type(event).__struct_config__.tag
    return f"cis.events.{_AGGREGATE_OF[type(event)]}.{tag}"


def to_integration_event(domain_event: Any, position: int) -> IntegrationEvent | None:
    """Map a stored domain event to its public form; None for events not published."""
    common = {
        "event_id": event_id(domain_event.originator_id, domain_event.originator_version),
        "position": position,
        "occurred_at": domain_event.timestamp,
        "correlation_id": domain_event.meta.correlation_id,
    }
    match domain_event:
        case Customer.Registered():
            return CustomerRegistered(
                **common,
                customer_id=domain_event.originator_id,
                canton=str(domain_event.canton),
                language=str(domain_event.language),
            )
    return None
